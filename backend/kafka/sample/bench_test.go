package sample

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/source"
)

// The benchmarks sample an embedded cluster that runs in a process of its
// own (this test binary, re-run as the same benchmark: clusterProcess), so
// what they measure (CPU, allocations) is the sampler's alone, not kfake's
// or the producer's.

const (
	clusterEnv = "PARTOP_BENCH_SAMPLE" // partitions of the child's topic
	benchTopic = "bench"
	benchRate  = 5000 // records/s the child writes, zipf keys placed by murmur2
)

// benchPartitions is the goal's scale, 1,000 partitions
// (PARTOP_BENCH_PARTITIONS overrides it).
func benchPartitions() int {
	if n, err := strconv.Atoi(os.Getenv("PARTOP_BENCH_PARTITIONS")); err == nil && n > 0 {
		return n
	}
	return 1000
}

// serveCluster is the child's side of clusterProcess: an embedded cluster
// with an N-partition topic, 400 records on every partition, and a
// producer writing benchRate records/s on, with kgo's defaults (snappy):
// 100-byte JSON-like values, half random.
func serveCluster(t testing.TB) {
	n, _ := strconv.Atoi(os.Getenv(clusterEnv))
	c, _ := embeddedtest.Start(t, benchTopic, n)
	opts := c.ClientOpts()
	fillCl := client(t, opts, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(16<<10)) // Java's batch.size
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []*kgo.Record
	for p := range n {
		for range 400 {
			r := benchRecord(rng)
			r.Partition = int32(p)
			recs = append(recs, r)
		}
	}
	produce(t, fillCl, recs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		cl := client(t, opts)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			for range benchRate / 100 {
				cl.Produce(ctx, benchRecord(rng), nil)
			}
		}
	}()
	embeddedtest.ServeChild(c.Seeds())
}

// benchRecord is a record with a zipf-like key among 10,000 and a
// 100-byte value, half of it random hex (PARTOP_BENCH_TINY=1: no value,
// the most records a byte holds).
func benchRecord(rng *rand.Rand) *kgo.Record {
	k := int(1 / (rng.Float64() + 1e-4)) // P(k ≥ x) ≈ 1/x: a few hot keys, a long tail
	if os.Getenv("PARTOP_BENCH_TINY") != "" {
		return &kgo.Record{Topic: benchTopic, Key: []byte("tenant-" + strconv.Itoa(k))}
	}
	random := make([]byte, 25)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	v := fmt.Sprintf(`{"user":"tenant-%05d","kind":"order","payload":"%s"}`, k, hex.EncodeToString(random))
	return &kgo.Record{Topic: benchTopic, Key: []byte("tenant-" + strconv.Itoa(k)), Value: []byte(v)}
}

// clusterProcess starts the cluster process and returns its seeds.
func clusterProcess(b *testing.B, partitions int) []string {
	b.Helper()
	if os.Getenv(clusterEnv) != "" { // this is the cluster process
		serveCluster(b)
		b.SkipNow()
	}
	return embeddedtest.StartChild(b, clusterEnv+"="+strconv.Itoa(partitions))
}

// BenchmarkRound is one round at 1,000 partitions with the default budget
// and capacity, every partition due (each iteration forgets what was
// sampled, so each spends the whole budget): the round's CPU (this
// process's rusage), bytes fetched and partitions sampled.
func BenchmarkRound(b *testing.B) {
	n := benchPartitions()
	seeds := clusterProcess(b, n)
	b.Run(fmt.Sprintf("partitions=%d/budget=%d", n, DefaultBudget), func(b *testing.B) {
		var w embeddedtest.Wire
		s := sampler(b, Config{Topic: benchTopic, ClientOpts: []kgo.Opt{kgo.SeedBrokers(seeds...), kgo.WithHooks(&w)}})
		ctx := context.Background()
		var f facts
		if _, err := s.round(ctx, &f); err != nil { // connections, bytes per record
			b.Fatal(err)
		}
		var fetched, sampled, records int
		recv := w.Recv.Load()
		b.ReportAllocs()
		before := usage(b)
		b.ResetTimer()
		for range b.N {
			clear(s.parts)
			st, err := s.round(ctx, &f)
			if err != nil || st.Failed > 0 {
				b.Fatalf("round: %+v, %v; problems %q", st, err, f.problems())
			}
			fetched, sampled, records = fetched+st.Bytes, sampled+st.Sampled, records+st.Records
		}
		b.StopTimer()
		cpu := usage(b) - before
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/round")
		b.ReportMetric(100*cpu.Seconds()/float64(b.N)/DefaultInterval.Seconds(), "%core@2s")
		b.ReportMetric(float64(fetched)/float64(b.N), "B-fetched/round")
		b.ReportMetric(float64(w.Recv.Load()-recv)/float64(b.N), "B-recv/round")
		b.ReportMetric(float64(sampled)/float64(b.N), "partitions/round")
		b.ReportMetric(float64(records)/float64(b.N), "records/round")
	})
}

// cpuFor is how long BenchmarkSamplerCPU runs (PARTOP_BENCH_CPU_FOR
// overrides it, e.g. 60s).
func cpuFor() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PARTOP_BENCH_CPU_FOR")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}

// counter counts the rounds reported.
type counter struct{ rounds, problems atomic.Int64 }

func (c *counter) Report(f source.Fact) {
	switch f.(type) {
	case source.Sampled:
		c.rounds.Add(1)
	case source.Problem:
		c.problems.Add(1)
	}
}

// BenchmarkSamplerCPU is the sampler as partop runs it (Run, the default
// interval and budget) at 1,000 partitions while the topic takes
// benchRate records/s, as a share of one core: this process's user +
// system CPU time over wall time. The cluster and its producer run in
// another process and are not counted.
func BenchmarkSamplerCPU(b *testing.B) {
	n := benchPartitions()
	seeds := clusterProcess(b, n)
	b.Run(fmt.Sprintf("partitions=%d/budget=%d", n, DefaultBudget), func(b *testing.B) {
		for range b.N {
			s := sampler(b, Config{Topic: benchTopic, ClientOpts: []kgo.Opt{kgo.SeedBrokers(seeds...)}})
			ctx, cancel := context.WithTimeout(context.Background(), cpuFor())
			var c counter
			before, start := usage(b), time.Now()
			s.Run(ctx, &c)
			cancel()
			cpu, wall := usage(b)-before, time.Since(start)
			if c.rounds.Load() == 0 || c.problems.Load() > 0 {
				b.Fatalf("%d rounds, %d problems", c.rounds.Load(), c.problems.Load())
			}
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
			b.ReportMetric(cpu.Seconds()*1000/float64(c.rounds.Load()), "cpu-ms/round")
			b.ReportMetric(float64(c.rounds.Load()), "rounds")
		}
	})
}

// usage is this process's CPU time so far, user and system.
func usage(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
