package kproducer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka"
	"partop/backend/kafka/cluster"
	"partop/backend/kafka/kproducer"
	"partop/engine"
	"partop/producer"
	"partop/source"
	"partop/source/sourcetest"
)

// A throughputSide is one of the producers BenchmarkThroughput compares:
// start begins sending as fast as it can, stop flushes and closes.
type throughputSide struct {
	name  string
	start func(b *testing.B, kb *kafka.Backend, t source.Topic) (stop func())
}

// partopSide is partop as main runs it with --consume off: the producer
// under the engine, which samples its counters every 250 ms, with the
// whole-topic end-offsets observer (ListOffsets every second), the
// consumer groups poll and the record sampler (Fetch, at its default
// budget) beside it, all made by backend/kafka and wired as start.go
// wires them. Left out: the views, measured on their own
// (docs/BENCHMARKS.md; the headless one writes a line a second), and
// partop's own consumer group (on by default on the embedded cluster):
// consuming is a second workload, which a plain producer does not do,
// measured beside the producer by consumer.BenchmarkBesideProducer.
var partopSide = throughputSide{"partop", func(b *testing.B, kb *kafka.Backend, t source.Topic) func() {
	return startPartop(b, kb, t, nil, os.Getenv("PARTOP_BENCH_PARTITIONER"))
}}

// partitionerSide is partop as partopSide runs it, with the partitioner
// named name: PARTOP_BENCH_ALSO=name adds it as a third side, to compare
// two of partop's partitioners in the same rounds.
func partitionerSide(name string) throughputSide {
	return throughputSide{name, func(b *testing.B, kb *kafka.Backend, t source.Topic) func() {
		return startPartop(b, kb, t, nil, name)
	}}
}

// consumingSides are partop with --consume (its own consumer group reading
// the topic beside the producer) against a plain kgo producer with a plain
// kgo consumer group beside it: issue 14's comparison, PARTOP_BENCH_CONSUME=1.
var consumingSides = []throughputSide{
	{"partop", func(b *testing.B, kb *kafka.Backend, t source.Topic) func() {
		return startPartop(b, kb, t, &source.ConsumerConfig{Group: fmt.Sprintf("partop-%d", time.Now().UnixNano())}, os.Getenv("PARTOP_BENCH_PARTITIONER"))
	}},
	{"kgo", func(b *testing.B, kb *kafka.Backend, t source.Topic) func() {
		stopConsumer := startPlainConsumer(b, kb, t)
		stopProducer := plainSide.start(b, kb, t)
		return func() { stopProducer(); stopConsumer() }
	}},
}

// startPlainConsumer runs a kgo consumer group (kgo's defaults, a fresh
// group starting at the end) that reads the topic and drops the records.
func startPlainConsumer(b *testing.B, kb *kafka.Backend, t source.Topic) func() {
	cl, err := kgo.NewClient(append(kb.Cluster().ClientOpts(), kgo.ConsumeTopics(t.Name),
		kgo.ConsumerGroup(fmt.Sprintf("kgo-%d", time.Now().UnixNano())), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))...)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx)
		}
	}()
	return func() { cancel(); <-done; cl.Close() }
}

// startPartop runs partop's producer as main does, with its consumer group
// when consume is set, and the partitioner named (its default when "").
func startPartop(b *testing.B, kb *kafka.Backend, t source.Topic, consume *source.ConsumerConfig, partitioner string) func() {
	srcs, err := kb.Producing(context.Background(), producer.Config{Topic: t.Name, Rate: 0, Partitioner: partitioner}, consume, t)
	if err != nil {
		b.Fatal(err)
	}
	eng := engine.New(srcs.Source, engine.Config{
		Info:       engine.Info{Cluster: kb.Name(), Topic: t.Name},
		WholeTopic: srcs.WholeTopic, Consumer: srcs.Consumer, Groups: srcs.Groups, Keys: srcs.Keys,
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = eng.Run(ctx) }()
	return func() {
		if srcs.Keys != nil && len(eng.Snapshot().Keys.Partitions) == 0 {
			b.Logf("a round of partop ended with no record sample (the sampler did not run)")
		}
		cancel()
		<-eng.Done()
	}
}

// bareSide is partop's producer alone, reporting to nobody: what this
// benchmark measured before issue 15. PARTOP_BENCH_BARE=1 adds it.
var bareSide = throughputSide{"bare", func(b *testing.B, kb *kafka.Backend, t source.Topic) func() {
	top, err := kb.Cluster().Describe(context.Background(), t.Name)
	if err != nil {
		b.Fatal(err)
	}
	p, err := kproducer.New(kproducer.Config{Config: producer.Config{Topic: t.Name, Rate: 0, Partitioner: os.Getenv("PARTOP_BENCH_PARTITIONER")}, ClientOpts: kb.Cluster().ClientOpts()}, kb.Cluster(), top)
	if err != nil {
		b.Fatal(err)
	}
	go p.Run(context.Background(), sourcetest.Discard)
	return func() { _ = p.Close() }
}}

// plainSide is a plain kgo client with the cluster's options and kgo's
// defaults, sending the same records with no promise and no hook, from a
// loop that checks for the end once per 256 records as partop's does.
var plainSide = throughputSide{"kgo", func(b *testing.B, kb *kafka.Backend, t source.Topic) func() {
	cl, err := kgo.NewClient(append(kb.Cluster().ClientOpts(), kgo.DefaultProduceTopic(t.Name))...)
	if err != nil {
		b.Fatal(err)
	}
	m := producer.NewRecords(producer.Config{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			for range 256 {
				k, v := m.Next()
				cl.Produce(ctx, &kgo.Record{Key: k, Value: v}, nil)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		_ = cl.Flush(context.Background())
		cl.Close()
	}
}}

// A round is one measured round of one side.
type round struct {
	rate     float64 // records/s the topic's end offsets grew by
	cpu      float64 // the process's CPU over the round, in cores
	nsPerRec float64 // the process's CPU per record
	gcPerRec float64 // of which the garbage collector's
}

// measure runs one round of side: warm-up, then d measured. Both sides are
// counted the same way, by the topic's end offsets before and after, so
// that measuring costs neither anything per record.
func measure(b *testing.B, kb *kafka.Backend, t source.Topic, side throughputSide, warm, d time.Duration, profile string) round {
	stop := side.start(b, kb, t)
	defer stop()
	time.Sleep(warm)
	n0, c0, g0, t0 := written(b, kb, t), cpuSeconds(), gcSeconds(), time.Now()
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(d)
	if profile != "" {
		pprof.StopCPUProfile()
	}
	el := time.Since(t0).Seconds()
	n, c, g := float64(written(b, kb, t)-n0), cpuSeconds()-c0, gcSeconds()-g0
	return round{rate: n / el, cpu: c / el, nsPerRec: c / n * 1e9, gcPerRec: g / n * 1e9}
}

// written is the sum of the topic's end offsets.
func written(b *testing.B, kb *kafka.Backend, t source.Topic) int64 {
	ends, err := kb.Cluster().EndOffsets(context.Background(), t.Name)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, e := range ends {
		n += e
	}
	return n
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func gcSeconds() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64()
}

// BenchmarkThroughput: partop as a user runs it against a plain kgo client
// into the same embedded cluster, in alternating rounds (ABBA) so both see
// the same machine. Goal: ratio >= 0.95. With PARTOP_BENCH_CONSUME=1 each
// side runs a consumer group beside its producer (partop's own, --consume;
// a plain kgo one): the same goal, issue 14's.
//
// PARTOP_BENCH_PARTITIONER=name runs partop with that partitioner instead
// of its default (the plain kgo side keeps kgo's default, uniform-sticky);
// PARTOP_BENCH_ALSO=name adds partop with that partitioner as a third side.
//
// PARTOP_BENCH_AA=1 compares plain kgo with itself (aa-ratio, the first
// side's rate over the second's): the benchmark's own resolution, what
// the same code scores against itself on this machine.
//
// PARTOP_BENCH_PROFILE=dir writes a CPU profile of every measured round
// (the whole process: clients, cluster, garbage collector) as
// dir/<side>-<round>.pprof: `go tool pprof` takes a side's files together.
func BenchmarkThroughput(b *testing.B) {
	const (
		pairs = 5
		dur   = 3 * time.Second
		warm  = 300 * time.Millisecond
	)
	profDir := os.Getenv("PARTOP_BENCH_PROFILE")
	sides := []throughputSide{partopSide, plainSide}
	switch {
	case os.Getenv("PARTOP_BENCH_BARE") != "":
		sides = []throughputSide{partopSide, bareSide, plainSide}
	case os.Getenv("PARTOP_BENCH_CONSUME") != "":
		sides = consumingSides
	case os.Getenv("PARTOP_BENCH_AA") != "":
		sides = []throughputSide{{"kgo-a", plainSide.start}, plainSide}
	case os.Getenv("PARTOP_BENCH_ALSO") != "":
		sides = []throughputSide{partopSide, partitionerSide(os.Getenv("PARTOP_BENCH_ALSO")), plainSide}
	}
	for range b.N {
		kb, err := kafka.Open(context.Background(), kafka.Options{Cluster: cluster.Config{Embedded: cluster.EmbeddedConfig{Port: -1}}})
		if err != nil {
			b.Fatal(err)
		}
		t, err := kb.CreateTopic(context.Background(), "speed", 4)
		if err != nil {
			kb.Close()
			b.Fatal(err)
		}
		// Fill the retention budget first: an empty cluster is faster than
		// one trimming old segments, and the first rounds would win.
		measure(b, kb, t, plainSide, 0, 5*time.Second, "")
		res := map[string][]round{}
		for i := range 2 * pairs {
			order := slices.Clone(sides)
			if i%4 == 1 || i%4 == 2 { // ABBA: drift cancels
				slices.Reverse(order)
			}
			for _, s := range order {
				prof := ""
				if profDir != "" {
					prof = filepath.Join(profDir, fmt.Sprintf("%s-%02d.pprof", s.name, i))
				}
				res[s.name] = append(res[s.name], measure(b, kb, t, s, warm, dur, prof))
			}
		}
		kb.Close()
		mean := func(name string, f func(round) float64) float64 {
			t := 0.0
			for _, r := range res[name] {
				t += f(r)
			}
			return t / float64(len(res[name]))
		}
		rate := func(r round) float64 { return r.rate }
		perRec := func(r round) float64 { return r.nsPerRec }
		if _, ok := res["kgo-a"]; ok {
			b.ReportMetric(pairedRatio(res["kgo-a"], res["kgo"]), "aa-ratio")
			b.ReportMetric(mean("kgo-a", rate)/mean("kgo", rate), "aa-mean-ratio")
			logRounds(b, sides, res)
			continue
		}
		b.ReportMetric(mean("partop", rate), "partop-rec/s")
		b.ReportMetric(mean("kgo", rate), "kgo-rec/s")
		b.ReportMetric(pairedRatio(res["partop"], res["kgo"]), "ratio")
		b.ReportMetric(mean("partop", rate)/mean("kgo", rate), "mean-ratio")
		b.ReportMetric(mean("partop", perRec), "partop-cpu-ns/rec")
		b.ReportMetric(mean("kgo", perRec), "kgo-cpu-ns/rec")
		// With the process using both cores, as on an idle 2-core machine,
		// the rates' ratio is this one; on a busy machine it is the figure
		// that still compares the two (the rates then follow the load).
		b.ReportMetric(mean("kgo", perRec)/mean("partop", perRec), "cpu-ratio")
		if _, ok := res["bare"]; ok {
			b.ReportMetric(pairedRatio(res["bare"], res["kgo"]), "bare-ratio")
		}
		if also := os.Getenv("PARTOP_BENCH_ALSO"); also != "" {
			b.ReportMetric(pairedRatio(res[also], res["kgo"]), also+"-ratio")
		}
		logRounds(b, sides, res)
	}
}

// pairedRatio is the median over rounds of a's rate over b's in the same
// round (the two ran back to back). A round now and then runs 10% slow on
// this shared machine (another process, a collection of the cluster's
// heap), on either side; in a ratio of means one such round moves the
// result by a point or two, in the median of pairs it does not.
func pairedRatio(a, b []round) float64 {
	rs := make([]float64, min(len(a), len(b)))
	for i := range rs {
		rs[i] = a[i].rate / b[i].rate
	}
	slices.Sort(rs)
	if n := len(rs); n%2 == 0 {
		return (rs[n/2-1] + rs[n/2]) / 2
	}
	return rs[len(rs)/2]
}

// logRounds logs every round of every side.
func logRounds(b *testing.B, sides []throughputSide, res map[string][]round) {
	for _, s := range sides {
		var rates, cpus, ns, gc []int
		for _, r := range res[s.name] {
			rates = append(rates, int(r.rate))
			cpus = append(cpus, int(r.cpu*100))
			ns = append(ns, int(r.nsPerRec))
			gc = append(gc, int(r.gcPerRec))
		}
		b.Logf("%-6s rounds, records/s: %v", s.name, rates)
		b.Logf("%-6s CPU %%: %v; CPU ns/record: %v, of which GC: %v", s.name, cpus, ns, gc)
	}
}
