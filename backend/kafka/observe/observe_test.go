package observe_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/backend/kafka/kproducer"
	"partop/backend/kafka/observe"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
	"partop/source/sourcetest"
	"partop/stats"
)

func describe(t testing.TB, c *cluster.Cluster, topic string) cluster.Topic {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	top, err := c.Describe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// observing runs an observer on c's topic under an engine, which keeps
// the expansion timeline, until the test ends.
func observing(t testing.TB, c *cluster.Cluster, topic string, interval time.Duration) (*observe.Observer, *engine.Engine) {
	t.Helper()
	s, err := observe.New(observe.Config{Topic: topic, Interval: interval, DiscoveryInterval: interval, ClientOpts: c.ClientOpts()}, c, describe(t, c, topic))
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(s, engine.Config{Tick: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-eng.Done() })
	return s, eng
}

// TestCountsEqualAcks: what the observer counts from end offsets is, once
// the producer has flushed and a poll has passed, exactly what the producer
// had acknowledged, partition by partition; records written before the
// observer's first look are not counted.
func TestCountsEqualAcks(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "counts", 4)
	before, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("counts"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	for range 100 { // history the observer must not count
		before.Produce(context.Background(), kgo.StringRecord("old"), nil)
	}
	if err := before.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	o, eng := observing(t, c, "counts", 100*time.Millisecond)
	waitfor.That(t, 10*time.Second, "the first poll (the baseline)", func() bool { return eng.Snapshot().Stats.Samples > 1 })
	p, err := kproducer.New(kproducer.Config{Config: producer.Config{Topic: "counts", Rate: 5000, Partitioner: rules.RoundRobin}, ClientOpts: c.ClientOpts()}, c, describe(t, c, "counts"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); p.Run(ctx, sourcetest.Discard) }()
	waitfor.That(t, 10*time.Second, "records", func() bool { return sum(p.Counters().Read()) > 2000 })
	cancel()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	<-ran
	acked := p.Counters().Read()
	waitfor.That(t, 10*time.Second, "the observer to see every acknowledged record", func() bool {
		return sum(o.Counters().Read()) >= sum(acked)
	})
	seen := o.Counters().Read()
	for i := range acked {
		if seen[i].Acked != acked[i].Acked {
			t.Errorf("partition %d: observed %d records, producer acknowledged %d", i, seen[i].Acked, acked[i].Acked)
		}
	}
}

// writingEveryMs runs a round-robin writer on topic, a record every millisecond,
// that refreshes its metadata every maxAge (so it picks up new partitions
// by itself), until the test ends.
func writingEveryMs(t *testing.T, c *cluster.Cluster, topic string, maxAge time.Duration) *kgo.Client {
	t.Helper()
	w, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.MetadataMaxAge(maxAge), kgo.MetadataMinAge(maxAge/2))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			w.Produce(ctx, kgo.StringRecord("x"), nil)
		}
	}()
	t.Cleanup(func() { cancel(); <-done; w.Close() })
	return w
}

func sum(ts []stats.Totals) uint64 {
	var n uint64
	for _, t := range ts {
		n += t.Acked
	}
	return n
}

// TestExternalExpansionPickup: another client adds partitions and a
// producer that refreshes its metadata writes to them; the observer
// reports the expansion as external with the fleet's pickup: the first
// record on every new partition.
func TestExternalExpansionPickup(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "fleet", 2)
	o, eng := observing(t, c, "fleet", 100*time.Millisecond)
	writer := writingEveryMs(t, c, "fleet", 200*time.Millisecond)
	ctx := context.Background()
	waitfor.That(t, 10*time.Second, "traffic on both partitions", func() bool {
		r := o.Counters().Read()
		return len(r) == 2 && r[0].Acked > 0 && r[1].Acked > 0
	})
	resp, err := kadm.NewClient(writer).UpdatePartitions(ctx, 5, "fleet")
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	added := time.Now()
	var exp engine.Event
	waitfor.That(t, 15*time.Second, "the expansion to be picked up", func() bool {
		for _, e := range eng.Snapshot().Events {
			if e.Kind == engine.KindExpansion && e.Done {
				exp = e
				return true
			}
		}
		return false
	})
	if exp.By != engine.ByExternal || exp.From != 2 || exp.To != 5 || !exp.Created.IsZero() || !exp.Routed.IsZero() {
		t.Fatalf("expansion %+v: want 2→5 by someone else, no created or routed time", exp)
	}
	if exp.Seen.Before(added) || exp.FirstRecord.Before(exp.Seen.Add(-time.Second)) || exp.Pickup < 0 {
		t.Fatalf("timeline: added %v, seen %v, first record %v, pickup %v", added, exp.Seen, exp.FirstRecord, exp.Pickup)
	}
	if v := eng.Snapshot().TopicState; v.Cluster != 5 || v.Partitions != 5 {
		t.Fatalf("view %+v: observe mode routes nothing, its count is the cluster's", v)
	}
}
