package census_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/census"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/overview"
)

// The benchmarks take censuses of an embedded cluster running in a
// process of its own (this test binary, re-run as the same benchmark), so
// what they measure is the census's alone, not kfake's.

const (
	topicsEnv = "PARTOP_BENCH_TOPICS" // the child's topics
	partsEnv  = "PARTOP_BENCH_PARTS"  // partitions per topic
)

// serveCluster is the child's side: an embedded cluster with the topics
// asked for, and a producer writing 5,000 records/s round-robin over the
// partitions of the first 100 topics, until stdin closes.
func serveCluster(b *testing.B) {
	topics, _ := strconv.Atoi(os.Getenv(topicsEnv))
	parts, _ := strconv.Atoi(os.Getenv(partsEnv))
	c, _ := embeddedtest.Start(b, "", 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl, err := kgo.NewClient(append(c.ClientOpts(), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))...)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for start := 0; start < topics; start += 500 {
		var names []string
		for i := start; i < min(start+500, topics); i++ {
			names = append(names, topicName(i))
		}
		if _, err := adm.CreateTopics(ctx, int32(parts), 1, nil, names...); err != nil {
			b.Fatal(err)
		}
	}
	// 50 consumer groups, each with commits on 10 topics' partitions.
	for g := range 50 {
		var offs kadm.Offsets
		for i := range 10 {
			for p := range parts {
				offs.Add(kadm.Offset{Topic: topicName((g*10 + i) % topics), Partition: int32(p), At: 0})
			}
		}
		if _, err := adm.CommitOffsets(ctx, fmt.Sprintf("group-%02d", g), offs); err != nil {
			b.Fatal(err)
		}
	}
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ctx.Err() == nil; i++ {
			<-tick.C
			for j := range 50 {
				cl.Produce(ctx, &kgo.Record{Topic: topicName((i*50 + j) % min(topics, 100)), Value: []byte("x")}, nil)
			}
		}
	}()
	embeddedtest.ServeChild(c.Seeds())
}

func topicName(i int) string { return fmt.Sprintf("t%05d", i) }

// clusterProcess starts the cluster process and returns its seeds.
func clusterProcess(b *testing.B, topics, parts int) []string {
	b.Helper()
	if os.Getenv(topicsEnv) != "" {
		serveCluster(b)
		b.SkipNow()
	}
	return embeddedtest.StartChild(b, topicsEnv+"="+strconv.Itoa(topics), partsEnv+"="+strconv.Itoa(parts))
}

// BenchmarkCensus is one census of the whole cluster: 1,000 topics of 10
// partitions and 10,000 topics of 10 (issue 22's 100,000 partitions),
// over loopback to a cluster in another process. "first-ms" is the first
// census from a fresh client (connections, the first Metadata request):
// what the topics view waits for before its first screen. Allocations
// and wire bytes are the census's.
func BenchmarkCensus(b *testing.B) {
	for _, topics := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("topics=%d/partitions=%d", topics, topics*10), func(b *testing.B) {
			seeds := clusterProcess(b, topics, 10)
			var w embeddedtest.Wire
			cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.WithHooks(&w))
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			p := census.New(cl)
			ctx := context.Background()
			start := time.Now()
			c, err := p.Census(ctx)
			if err != nil {
				b.Fatal(err)
			}
			first := time.Since(start)
			n := 0
			for _, t := range c.Topics {
				n += len(t.Partitions)
			}
			if len(c.Topics) < topics || n < topics*10 || c.Partial != "" {
				b.Fatalf("census of %d topics, %d partitions, partial %q", len(c.Topics), n, c.Partial)
			}
			sent, recv := w.Sent.Load(), w.Recv.Load()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := p.Census(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
			b.ReportMetric(float64(w.Sent.Load()-sent)/float64(b.N), "B-sent/op")
			b.ReportMetric(float64(w.Recv.Load()-recv)/float64(b.N), "B-recv/op")
		})
	}
}

// BenchmarkWatcherCPU is the topics view's polling as partop runs it: a
// census every 5 s (with the consumer groups: 50 of them, each with
// commits on 10 topics) and the tracker's figures, for 30 s, at 100,000
// partitions. cpu-% is the process's CPU (rusage) over wall time, in
// percent of one core; the goal is under 10.
func BenchmarkWatcherCPU(b *testing.B) {
	seeds := clusterProcess(b, 10000, 10)
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	for range b.N {
		p := census.New(cl)
		p.Groups = true
		w := overview.NewWatcher(p, 5*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		c0, t0 := cpuTime(), time.Now()
		w.Run(ctx)
		cancel()
		cpu, wall := cpuTime()-c0, time.Since(t0)
		s := w.Snapshot()
		if s.Polls < 6 || s.Err != "" || !s.Grouped {
			b.Fatalf("%d censuses in 30 s, error %q, groups looked at %v", s.Polls, s.Err, s.Grouped)
		}
		groups := 0
		for _, t := range s.Topics {
			groups += t.Groups
		}
		if groups != 500 {
			b.Fatalf("%d group-topic pairs, want 500", groups)
		}
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
		b.ReportMetric(float64(s.Took.Microseconds())/1000, "last-census-ms")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
