package observe

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/embeddedtest"
)

// The benchmarks observe an embedded cluster that runs in a process of its
// own (this test binary, re-run as the same benchmark: clusterProcess), so what they
// measure (time, allocations, CPU) is the observer's alone, not kfake's.

const (
	clusterEnv = "PARTOP_BENCH_CLUSTER" // partitions of the child's topic
	rateEnv    = "PARTOP_BENCH_RATE"    // the child's records/s
	benchTopic = "bench"
)

// serveCluster is the child's side of clusterProcess: an embedded cluster
// with an N-partition topic (N from PARTOP_BENCH_CLUSTER) and a
// transactional producer writing round-robin to every partition in one
// open transaction (kfake lists only producers inside a transaction),
// until its stdin closes.
func serveCluster(t testing.TB) {
	n, _ := strconv.Atoi(os.Getenv(clusterEnv))
	rate, _ := strconv.Atoi(os.Getenv(rateEnv))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := embeddedtest.Start(t, benchTopic, n)
	p, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic(benchTopic), kgo.TransactionalID("bench"),
		kgo.TransactionTimeout(10*time.Minute), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			for range max(rate/100, 1) {
				p.Produce(ctx, kgo.StringRecord("x"), nil)
			}
		}
	}()
	embeddedtest.ServeChild(c.Seeds())
}

// clusterProcess starts a cluster process with an n-partition topic and
// returns its seed brokers once every partition has a record. In that
// process (the same benchmark, re-run) it serves the cluster instead.
func clusterProcess(b *testing.B, n, rate int) []string {
	b.Helper()
	if os.Getenv(clusterEnv) != "" {
		serveCluster(b)
		b.SkipNow() // the child measures nothing
	}
	return embeddedtest.StartChild(b, clusterEnv+"="+strconv.Itoa(n), rateEnv+"="+strconv.Itoa(rate))
}

// benchSource is a source on the child's topic whose polls the benchmark
// drives itself (it is not Run).
func benchSource(b *testing.B, seeds []string, w *embeddedtest.Wire) *Observer {
	b.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(seeds...), kgo.WithHooks(w)}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	top, err := cluster.Describe(ctx, cl, benchTopic)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Topic: benchTopic, ClientOpts: opts}, nil, top)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkPoll is the cost of one look at the whole topic: end offsets
// (every second by default) and producers (every 10 s), at 1,000 and
// 10,000 partitions, over loopback to a cluster in another process.
// Allocations and wire bytes are the observer's; time is the round trip.
func BenchmarkPoll(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		var w embeddedtest.Wire
		s := benchSource(b, clusterProcess(b, n, 5000), &w)
		polls := map[string]func(context.Context) error{"offsets": s.pollOffsets, "producers": s.producers.poll}
		for _, name := range []string{"offsets", "producers"} {
			b.Run(fmt.Sprintf("%s/partitions=%d", name, n), func(b *testing.B) {
				poll := polls[name]
				ctx := context.Background()
				if err := poll(ctx); err != nil { // connections, the baseline
					b.Fatal(err)
				}
				sent, recv := w.Sent.Load(), w.Recv.Load()
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if err := poll(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(w.Sent.Load()-sent)/float64(b.N), "B-sent/op")
				b.ReportMetric(float64(w.Recv.Load()-recv)/float64(b.N), "B-recv/op")
			})
		}
	}
}
