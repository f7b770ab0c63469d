package observe_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/backend/kafka/observe"
	"partop/engine"
	"partop/internal/waitfor"
)

// growFromOutside adds partitions with another client, as any admin tool
// would, and waits until the engine has the expansion.
func growFromOutside(t *testing.T, c *cluster.Cluster, eng *engine.Engine, topic string, to int) {
	t.Helper()
	cl, err := kgo.NewClient(c.ClientOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).UpdatePartitions(ctx, to, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	waitfor.That(t, 10*time.Second, "the expansion to be seen", func() bool { _, ok := expansion(eng, to); return ok })
}

// expansion is the engine's expansion to `to` partitions, if logged.
func expansion(eng *engine.Engine, to int) (engine.Event, bool) {
	for _, e := range eng.Snapshot().Events {
		if e.Kind == engine.KindExpansion && e.To == to {
			return e, true
		}
	}
	return engine.Event{}, false
}

// dated waits for the expansion to `to` to have its fleet's first write.
func dated(t *testing.T, eng *engine.Engine, to int) engine.Event {
	t.Helper()
	var ev engine.Event
	waitfor.That(t, 10*time.Second, "the first writes to be dated", func() bool {
		e, ok := expansion(eng, to)
		ev = e
		return ok && !e.FirstWrite.IsZero()
	})
	return ev
}

// TestFirstWriteIsTheRecordsOwnTime: after someone else expands the topic,
// producers write to the new partitions with timestamps of their own
// (compressed, several records a batch, the later ones in another batch);
// the expansion's FirstWrite is the latest of the new partitions' first
// records' timestamps, to the millisecond, and says CreateTime.
func TestFirstWriteIsTheRecordsOwnTime(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "firsts", 2)
	_, eng := observing(t, c, "firsts", 100*time.Millisecond)
	waitfor.That(t, 10*time.Second, "the first poll (the baseline)", func() bool { return eng.Snapshot().Stats.Samples > 1 })
	growFromOutside(t, c, eng, "firsts", 5)

	// An hour ago, so no clock of this test could produce the same time.
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	firsts := map[int32]time.Time{2: base.Add(3 * time.Millisecond), 3: base.Add(17 * time.Millisecond), 4: base.Add(9 * time.Millisecond)}
	for _, codec := range []kgo.CompressionCodec{kgo.ZstdCompression(), kgo.GzipCompression()} {
		w, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("firsts"), kgo.ProducerBatchCompression(codec),
			kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(50*time.Millisecond))...)
		if err != nil {
			t.Fatal(err)
		}
		for p, at := range firsts {
			if codec == kgo.GzipCompression() { // the second batch: later records
				at = at.Add(time.Second)
			}
			for i := range 3 { // one batch; the first record is the earliest
				w.Produce(context.Background(), &kgo.Record{Partition: p, Value: []byte("v"), Timestamp: at.Add(time.Duration(i) * 40 * time.Millisecond)}, nil)
			}
		}
		if err := w.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}

	ev := dated(t, eng, 5)
	if want := firsts[3]; !ev.FirstWrite.Equal(want) || ev.LogAppendTime {
		t.Fatalf("first write %v (log append time %v), want %v: the latest first record, as the producer stamped it",
			ev.FirstWrite, ev.LogAppendTime, want)
	}
}

// TestFirstWriteLargeBatches: first batches larger than a Fetch allows per
// partition (4 new partitions on 3 brokers: two share a leader, and one
// Fetch) are read again alone, and dated as exactly.
func TestFirstWriteLargeBatches(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "large", 1)
	_, eng := observing(t, c, "large", 100*time.Millisecond)
	waitfor.That(t, 10*time.Second, "the first poll (the baseline)", func() bool { return eng.Snapshot().Stats.Samples > 1 })
	growFromOutside(t, c, eng, "large", 5)

	w, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("large"), kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(50*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	big := make([]byte, 20<<10) // more than a partition's share of the Fetch
	var latest time.Time
	for p := int32(1); p < 5; p++ {
		at := base.Add(time.Duration(p*p) * time.Millisecond)
		latest = at
		for i := range 3 {
			w.Produce(context.Background(), &kgo.Record{Partition: p, Value: big, Timestamp: at.Add(time.Duration(i) * time.Millisecond)}, nil)
		}
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ev := dated(t, eng, 5); !ev.FirstWrite.Equal(latest) {
		t.Fatalf("first write %v, want %v", ev.FirstWrite, latest)
	}
}

// TestFirstWriteMatchesReadBack: observe mode at its defaults (1 s polls)
// while a producer that refreshes its metadata every second writes 1,000
// records/s round-robin, stamping them as it produces them (kgo's
// default), and the topic is expanded three times from outside: each
// expansion's first write equals the latest of the new partitions' first
// records' timestamps as a consumer reads them back. The figures say how
// much later the poll saw them, and what reading the first records cost:
// nothing before the first expansion, a Fetch or two per leader after one.
func TestFirstWriteMatchesReadBack(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "readback", 2)
	var fetches fetchCounter
	// Polls 5 times faster than the default: what is measured does not depend on the interval.
	s, err := observe.New(observe.Config{Topic: "readback", ClientOpts: append(c.ClientOpts(), kgo.WithHooks(&fetches)),
		Interval: 200 * time.Millisecond, DiscoveryInterval: 200 * time.Millisecond}, c, describe(t, c, "readback"))
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(s, engine.Config{Tick: 20 * time.Millisecond})
	rctx, stop := context.WithCancel(context.Background())
	go func() { _ = eng.Run(rctx) }()
	t.Cleanup(func() { stop(); <-eng.Done() })
	writingEveryMs(t, c, "readback", time.Second)
	waitfor.That(t, 10*time.Second, "the first polls", func() bool { return eng.Snapshot().Stats.Samples > 2 })
	if n := fetches.n.Load(); n != 0 {
		t.Fatalf("%d Fetch requests before any expansion", n)
	}
	for from := 2; from < 8; from += 2 {
		before := fetches.n.Load()
		growFromOutside(t, c, eng, "readback", from+2)
		ev := dated(t, eng, from+2)
		waitfor.That(t, 10*time.Second, "the poll to see the first records", func() bool {
			e, _ := expansion(eng, from+2)
			ev = e
			return e.Done
		})
		truth := firstRecordsReadBack(t, c, "readback", from, from+2)
		if !ev.FirstWrite.Equal(truth) {
			t.Errorf("%d→%d: first write %s, the records read back say %s", from, from+2,
				ev.FirstWrite.Format("15:04:05.000"), truth.Format("15:04:05.000"))
		}
		t.Logf("FIGURE %d→%d: first write - records' own %s | poll saw them %s later | seen→first write %s | %d Fetch requests", from, from+2,
			ev.FirstWrite.Sub(truth), ev.FirstRecord.Sub(truth).Round(100*time.Microsecond), ev.FirstWrite.Sub(ev.Seen).Round(100*time.Microsecond), fetches.n.Load()-before)
	}
	time.Sleep(10 * 200 * time.Millisecond) // polls after the partitions are dated read nothing
	t.Logf("FIGURE reading first records: %d Fetch requests for 3 expansions of 2 partitions, %d bytes out, %d in",
		fetches.n.Load(), fetches.out.Load(), fetches.in.Load())
	if n := fetches.n.Load(); n > 3*2*2 {
		t.Errorf("%d Fetch requests for 3 expansions of 2 partitions", n)
	}
}

// fetchCounter counts the Fetch requests a client sends, and their bytes.
type fetchCounter struct{ n, out, in atomic.Int64 }

func (f *fetchCounter) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, bytes int, _, _ time.Duration, err error) {
	if key == 1 && err == nil {
		f.n.Add(1)
		f.out.Add(int64(bytes))
	}
}

func (f *fetchCounter) OnBrokerRead(_ kgo.BrokerMetadata, key int16, bytes int, _, _ time.Duration, err error) {
	if key == 1 && err == nil {
		f.in.Add(int64(bytes))
	}
}

// firstRecordsReadBack is the latest of partitions from..to-1's first
// records' timestamps, read back with a consumer.
func firstRecordsReadBack(t *testing.T, c *cluster.Cluster, topic string, from, to int) time.Time {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := from; p < to; p++ {
		offsets[int32(p)] = kgo.NewOffset().At(0)
	}
	cl, err := kgo.NewClient(append(c.ClientOpts(), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	firsts := map[int32]time.Time{}
	for len(firsts) < to-from && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			if _, ok := firsts[r.Partition]; !ok && r.Offset == 0 {
				firsts[r.Partition] = r.Timestamp
			}
		})
	}
	if len(firsts) < to-from {
		t.Fatalf("read back the first records of %d of partitions %d..%d", len(firsts), from, to-1)
	}
	var latest time.Time
	for _, at := range firsts {
		if at.After(latest) {
			latest = at
		}
	}
	return latest
}
