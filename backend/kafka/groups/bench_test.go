package groups

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/internal/waitfor"
	"partop/source"
)

// The benchmarks poll an embedded cluster that runs in a process of its
// own (this test binary, re-run as the same benchmark: clusterProcess), so that what they
// measure (time, allocations, CPU) is the poller's alone, not kfake's or
// the members'.

const (
	clusterEnv = "PARTOP_BENCH_GROUPS" // "partitions,groups" of the child
	benchTopic = "bench"
	benchRate  = 2000 // records/s the child writes, round-robin
)

// serveCluster is the child's side of clusterProcess: started with
// PARTOP_BENCH_GROUPS=N,G, it is an embedded cluster with an N-partition
// topic, a producer writing benchRate records/s round-robin, and G consumer
// groups of one member each, every member assigned all N partitions: half
// classic, half KIP-848, each committed on every partition, but for one
// classic group that never commits (its lag needs every log start). The
// members do not fetch (the topic is paused): they heartbeat and hold
// their assignment. It prints its seeds once every group is assigned
// everything, and runs until its stdin closes.
func serveCluster(t testing.TB) {
	var n, groups int
	if _, err := fmt.Sscanf(os.Getenv(clusterEnv), "%d,%d", &n, &groups); err != nil {
		t.Fatalf("%s=%q: want partitions,groups", clusterEnv, os.Getenv(clusterEnv))
	}
	opts, seeds := embeddedSeeds(t, benchTopic, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go writeRoundRobin(ctx, t, opts)
	adm := kadm.NewClient(client(t, opts))
	var commits kadm.Offsets
	for p := range n {
		commits.AddOffset(benchTopic, int32(p), 0, -1)
	}
	for i := range groups {
		name, more := benchGroup(i)
		if i > 0 { // group 0 never commits
			if err := adm.CommitAllOffsets(ctx, name, commits); err != nil {
				t.Fatal(err)
			}
		}
		cl := client(t, opts, append([]kgo.Opt{kgo.ConsumerGroup(name), kgo.ConsumeTopics(benchTopic), kgo.DisableAutoCommit()}, more...)...)
		cl.PauseFetchTopics(benchTopic)
		go func() {
			for !cl.PollFetches(ctx).IsClientClosed() && ctx.Err() == nil {
			}
		}()
	}
	p := poller(t, Config{Topic: benchTopic, ClientOpts: opts})
	var last string
	waitfor.That(t, 10*time.Minute, "every group assigned every partition", func() bool {
		gs, err := p.look(ctx)
		if err != nil {
			return false
		}
		ready := 0
		for _, g := range gs.List {
			if len(g.Partitions) == n && g.Partitions[n-1].Assigned && g.Partitions[0].Assigned {
				ready++
			}
		}
		if s := fmt.Sprintf("%d of %d groups ready", ready, groups); s != last {
			last = s
			fmt.Fprintln(os.Stderr, s)
		}
		time.Sleep(time.Second)
		return ready == groups
	})
	embeddedtest.ServeChild(seeds)
}

// benchGroup names group i and says its protocol: even classic, odd KIP-848.
func benchGroup(i int) (string, []kgo.Opt) {
	if i%2 == 0 {
		return fmt.Sprintf("classic-%02d", i), nil
	}
	return fmt.Sprintf("kip848-%02d", i), []kgo.Opt{kgo.ServerSideBalancer()}
}

func writeRoundRobin(ctx context.Context, t testing.TB, opts []kgo.Opt) {
	p := client(t, opts, kgo.DefaultProduceTopic(benchTopic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		<-tick.C
		for range benchRate / 100 {
			p.Produce(ctx, kgo.StringRecord("x"), nil)
		}
	}
}

// clusterProcess starts the cluster process and returns its seed brokers
// once every group is assigned every partition.
func clusterProcess(b *testing.B, partitions, groups int) []string {
	b.Helper()
	if os.Getenv(clusterEnv) != "" { // this is the cluster process
		serveCluster(b)
		b.SkipNow()
	}
	return embeddedtest.StartChild(b, fmt.Sprintf("%s=%d,%d", clusterEnv, partitions, groups))
}

// benchScale is the goal's scale: 10,000 partitions, 50 groups
// (PARTOP_BENCH_SCALE=N,G overrides it).
func benchScale() (partitions, groups int) {
	partitions, groups = 10000, 50
	if s := os.Getenv("PARTOP_BENCH_SCALE"); s != "" {
		_, _ = fmt.Sscanf(s, "%d,%d", &partitions, &groups)
	}
	return partitions, groups
}

// sharedEnds is what an observer that already polls end offsets hands the
// poller: the end offsets as of the benchmark's start (a copy per call, as
// an observer's would be).
func sharedEnds(b *testing.B, seeds []string) func() []int64 {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	p := &Poller{cfg: Config{Topic: benchTopic}, cl: cl}
	ends, err := p.endOffsets(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return func() []int64 { return append([]int64(nil), ends...) }
}

// BenchmarkLook is one groups poll at 10,000 partitions and 50 groups,
// over loopback to a cluster in another process: with the end offsets
// handed over (shared-ends, as partop runs it) or asked for (own-ends).
// Allocations and wire bytes are the poller's; time is the round trips.
func BenchmarkLook(b *testing.B) {
	n, groups := benchScale()
	seeds := clusterProcess(b, n, groups)
	for _, mode := range []string{"shared-ends", "own-ends"} {
		b.Run(fmt.Sprintf("%s/partitions=%d/groups=%d", mode, n, groups), func(b *testing.B) {
			var w embeddedtest.Wire
			cfg := Config{Topic: benchTopic, ClientOpts: []kgo.Opt{kgo.SeedBrokers(seeds...), kgo.WithHooks(&w)}}
			if mode == "shared-ends" {
				cfg.EndOffsets = sharedEnds(b, seeds)
			}
			p, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			ctx := context.Background()
			gs, err := p.look(ctx) // connections, coordinators, the topic id
			if err != nil || len(gs.List) != groups {
				b.Fatalf("first look: %d groups, err %v", len(gs.List), err)
			}
			sent, recv := w.Sent.Load(), w.Recv.Load()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := p.look(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(w.Sent.Load()-sent)/float64(b.N), "B-sent/op")
			b.ReportMetric(float64(w.Recv.Load()-recv)/float64(b.N), "B-recv/op")
		})
	}
}

// cpuFor is how long BenchmarkGroupsCPU polls (PARTOP_BENCH_CPU_FOR
// overrides it, e.g. 60s).
func cpuFor() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PARTOP_BENCH_CPU_FOR")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}

// BenchmarkGroupsCPU is the groups poller's CPU at 10,000 partitions and
// 50 groups, polling every 5 s (the default), as a share of one core:
// user + system CPU time of this process (getrusage RUSAGE_SELF) over wall
// time, from Run to its return. The cluster and the members run in another
// process and are not counted.
func BenchmarkGroupsCPU(b *testing.B) {
	n, groups := benchScale()
	seeds := clusterProcess(b, n, groups)
	d := cpuFor()
	for _, mode := range []string{"shared-ends", "own-ends"} {
		b.Run(fmt.Sprintf("%s/partitions=%d/groups=%d", mode, n, groups), func(b *testing.B) {
			for range b.N {
				cfg := Config{Topic: benchTopic, ClientOpts: []kgo.Opt{kgo.SeedBrokers(seeds...)}}
				if mode == "shared-ends" {
					cfg.EndOffsets = sharedEnds(b, seeds)
				}
				cpu, wall, polls := runFor(b, cfg, d, groups)
				b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
				b.ReportMetric(cpu.Seconds()*1000/float64(polls), "cpu-ms/poll")
				b.ReportMetric(float64(polls), "polls")
			}
		})
	}
}

// counter counts the groups polls reported, and the failed ones.
type counter struct{ polls, failed atomic.Int64 }

func (c *counter) Report(f source.Fact) {
	if gs, ok := f.(source.GroupsSeen); ok {
		c.polls.Add(1)
		if gs.Groups.Err != "" {
			c.failed.Add(1)
		}
	}
}

func runFor(b *testing.B, cfg Config, d time.Duration, groups int) (cpu, wall time.Duration, polls int64) {
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var c counter
	before, start := usage(b), time.Now()
	p.Run(ctx, &c)
	cpu, wall = usage(b)-before, time.Since(start)
	if c.polls.Load() == 0 || c.failed.Load() > 0 {
		b.Fatalf("%d polls, %d failed", c.polls.Load(), c.failed.Load())
	}
	return cpu, wall, c.polls.Load()
}

// usage is this process's CPU time so far, user and system.
func usage(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBurstCPU is the groups poller's CPU at 10,000 partitions and
// 50 groups over a burst's whole length and a little more (BurstFor + 5
// s, with the full polls every 5 s beside it), as a share of one core:
// each run adds 2 partitions and asks for a burst at once. The KIP-848
// members are assigned the new partitions at their next heartbeat (100
// ms); the classic ones wait for their leader's metadata refresh (5
// minutes), so the burst describes 25 groups of 10,000 partitions every
// BurstEvery until its limit: the worst case.
func BenchmarkBurstCPU(b *testing.B) {
	n, groups := benchScale()
	seeds := clusterProcess(b, n, groups)
	adm := kadm.NewClient(func() *kgo.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(cl.Close)
		return cl
	}())
	now := n // the topic's partitions
	b.Run(fmt.Sprintf("shared-ends/partitions=%d/groups=%d", n, groups), func(b *testing.B) {
		for range b.N {
			cfg := Config{Topic: benchTopic, ClientOpts: []kgo.Opt{kgo.SeedBrokers(seeds...)}, EndOffsets: sharedEnds(b, seeds)}
			p, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), BurstFor+5*time.Second)
			c := &burstCounter{}
			before, start := usage(b), time.Now()
			done := make(chan struct{})
			go func() { defer close(done); p.Run(ctx, c) }()
			for c.polls.Load() == 0 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			resp, err := adm.CreatePartitions(context.Background(), 2, benchTopic)
			if err != nil || resp.Error() != nil {
				b.Fatal(err, resp.Error())
			}
			p.Burst(now, now+2)
			now += 2
			<-done
			cpu, wall := usage(b)-before, time.Since(start)
			cancel()
			_ = p.Close()
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
			b.ReportMetric(float64(c.looks.Load()), "burst-looks")
			b.ReportMetric(float64(c.polls.Load()), "polls")
		}
	})
}

// burstCounter counts full polls and burst looks.
type burstCounter struct{ polls, looks atomic.Int64 }

func (c *burstCounter) Report(f source.Fact) {
	switch f.(type) {
	case source.GroupsSeen:
		c.polls.Add(1)
	case source.AssignmentsSeen:
		c.looks.Add(1)
	}
}
