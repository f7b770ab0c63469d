package consumer

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/internal/waitfor"
	"partop/source"
	"partop/source/sourcetest"
)

// running makes a consumer and runs it until the test ends, reporting to
// the returned recorder.
func running(t *testing.T, cfg Config) (*Consumer, *sourcetest.Recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := sourcetest.NewRecorder()
	rctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(rctx, rec) }()
	t.Cleanup(func() {
		stop()
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		<-done
	})
	return c, rec
}

// facts of type F the recorder holds, oldest first.
func factsOf[F source.Fact](rec *sourcetest.Recorder) []F {
	var out []F
	for _, f := range rec.Facts() {
		if x, ok := f.(F); ok {
			out = append(out, x)
		}
	}
	return out
}

// firstFetch is the FirstFetch reported for partition p, if any.
func firstFetch(rec *sourcetest.Recorder, p int32) (source.FirstFetch, bool) {
	for _, f := range factsOf[source.FirstFetch](rec) {
		if f.Partition == p {
			return f, true
		}
	}
	return source.FirstFetch{}, false
}

// endAtAssignment is the first EndsAtAssignment reported for partition p.
func endAtAssignment(rec *sourcetest.Recorder, p int32) (int64, bool) {
	for _, f := range factsOf[source.EndsAtAssignment](rec) {
		if end, ok := f.Ends[p]; ok {
			return end, true
		}
	}
	return 0, false
}

func committed(rec *sourcetest.Recorder, p int32) bool {
	for _, f := range factsOf[source.Committed](rec) {
		if f.Partition == p {
			return true
		}
	}
	return false
}

func assigned(rec *sourcetest.Recorder, p int32) bool {
	for _, f := range factsOf[source.Assigned](rec) {
		for _, q := range f.Partitions {
			if q == p {
				return true
			}
		}
	}
	return false
}

// gate holds the consumer's ListOffsets requests while it is shut: where
// a group starts on a partition with no commit (latest, earliest, a time)
// is what its ListOffsets answer says, so holding them makes "records
// written to a new partition before the group looks" happen for sure,
// not by a race with its heartbeat or metadata refresh.
type gate struct {
	mu   sync.Mutex
	shut chan struct{} // nil: open
	held atomic.Int64  // ListOffsets requests that waited
}

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut == nil {
		g.shut = make(chan struct{})
	}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut != nil {
		close(g.shut)
		g.shut = nil
	}
}

func (g *gate) wait() {
	g.mu.Lock()
	ch := g.shut
	g.mu.Unlock()
	if ch != nil {
		g.held.Add(1)
		<-ch
	}
}

// dial is a kgo.Dialer whose connections pass through the gate.
func (g *gate) dial(ctx context.Context, network, host string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, host)
	if err != nil {
		return nil, err
	}
	return gatedConn{c, g}, nil
}

type gatedConn struct {
	net.Conn
	g *gate
}

// Write holds a ListOffsets request while the gate is shut. kgo writes
// each request with one Write: a 4-byte length, then the 2-byte API key.
func (c gatedConn) Write(p []byte) (int, error) {
	if len(p) >= 6 && int16(binary.BigEndian.Uint16(p[4:6])) == int16(kmsg.ListOffsets) {
		c.g.wait()
	}
	return c.Conn.Write(p)
}

// writer produces to chosen partitions with a plain kgo client.
type writer struct {
	t     testing.TB
	cl    *kgo.Client
	topic string
	width atomic.Int32 // the background loop writes to partitions 0..width-1
	stop  context.CancelFunc
	done  chan struct{}
}

func newWriter(t testing.TB, opts []kgo.Opt, topic string) *writer {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MetadataMinAge(10*time.Millisecond))...) // knows refreshes until it sees new partitions
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &writer{t: t, cl: cl, topic: topic}
}

// knows waits for the writer's client to route to partitions 0..n-1.
func (w *writer) knows(n int) {
	w.t.Helper()
	waitfor.That(w.t, 20*time.Second, "the writer to know the new partitions", func() bool {
		leader, _, err := w.cl.PartitionLeader(w.topic, int32(n-1))
		if leader < 0 || err != nil {
			w.cl.ForceMetadataRefresh()
			return false
		}
		return true
	})
}

// sync writes n records to partition p and waits for them.
func (w *writer) sync(p int32, n int, ts time.Time) {
	w.t.Helper()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Partition: p, Value: []byte("before"), Timestamp: ts}
	}
	if err := w.cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		w.t.Fatal(err)
	}
}

// run writes about 2,000 records a second, round robin over the first
// width partitions, until halt.
func (w *writer) run(width int) {
	w.width.Store(int32(width))
	ctx, stop := context.WithCancel(context.Background())
	w.stop, w.done = stop, make(chan struct{})
	go func() {
		defer close(w.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		i := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for range 2 {
				p := int32(i % int(w.width.Load()))
				i++
				w.cl.Produce(ctx, &kgo.Record{Partition: p, Value: []byte("during")}, nil)
			}
		}
	}()
}

// halt stops the background writes and waits for what is in flight.
func (w *writer) halt() {
	w.t.Helper()
	w.stop()
	<-w.done
	if err := w.cl.Flush(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

// readBack reads partition p from its start up to end with a plain kgo
// client, and returns each record's offset and timestamp.
func readBack(t testing.TB, opts []kgo.Opt, topic string, p int32, end int64) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for int64(len(out)) < end {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read back %s/%d: %d of %d records", topic, p, len(out), end)
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Fatalf("read back %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// reads is how many records the consumer counted on partition p.
func reads(c *Consumer, p int32) uint64 {
	r := c.Counters().Read()
	if int(p) >= len(r) {
		return 0
	}
	return r[p].Acked
}

// waitAll waits for cond on every partition in ps.
func waitAll(t *testing.T, d time.Duration, what string, ps []int32, cond func(p int32) bool) {
	t.Helper()
	waitfor.That(t, d, what, func() bool {
		for _, p := range ps {
			if !cond(p) {
				return false
			}
		}
		return true
	})
}
