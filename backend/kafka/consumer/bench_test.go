package consumer

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/backend/kafka/kproducer"
	"partop/producer"
	"partop/source"
	"partop/source/sourcetest"
)

// BenchmarkBesideProducer: partop's producer at full speed alone, beside
// partop's consumer group reading the topic, and beside a plain kgo group
// consumer set up the same way that counts nothing, into the same
// embedded cluster, in rounds ordered ABC CBA so all three see the same
// machine. Goal: beside partop's consumer the producer keeps >= 0.95 of
// its rate alone (median of 3 runs). The plain consumer says how much of
// any difference is consuming at all rather than partop's accounting, and
// the process's CPU time per record produced says what each costs however
// busy the rest of the machine is. A measurement run: use -benchtime 1x
// (docs/BENCHMARKS.md).
func BenchmarkBesideProducer(b *testing.B) {
	const (
		topic = "beside"
		pairs = 4
		round = 3 * time.Second
	)
	for range b.N {
		cl, _ := embeddedtest.Start(b, topic, 4)
		// Fill the retention budget first: an empty cluster is faster than
		// one trimming old segments, and the first rounds would win.
		producerRate(b, cl, topic, 5*time.Second, nil)
		var alone, beside, besideKgo arm
		groups := 0
		arms := []func(){
			func() { alone.add(producerRate(b, cl, topic, round, nil)) },
			func() {
				groups++
				beside.add(producerRate(b, cl, topic, round, startPartop(b, cl, topic, fmt.Sprintf("bench-%d", groups))))
			},
			func() {
				groups++
				besideKgo.add(producerRate(b, cl, topic, round, startPlain(b, cl, topic, fmt.Sprintf("bench-%d", groups))))
			},
		}
		for i := range 2 * pairs {
			for j := range arms {
				if i%2 == 1 {
					j = len(arms) - 1 - j
				}
				arms[j]()
			}
		}
		b.ReportMetric(alone.mean(), "alone-rec/s")
		b.ReportMetric(beside.mean(), "beside-partop-rec/s")
		b.ReportMetric(besideKgo.mean(), "beside-kgo-rec/s")
		b.ReportMetric(beside.mean()/alone.mean(), "ratio")
		b.ReportMetric(besideKgo.mean()/alone.mean(), "kgo-consumer-ratio")
		b.ReportMetric(beside.mean()/besideKgo.mean(), "partop-vs-kgo-consumer")
		// What the ratio is where CPU alone bounds the producer (nobody
		// else on the machine): its CPU per record alone over beside.
		b.ReportMetric(alone.cpuPerRecord()/beside.cpuPerRecord(), "cpu-ratio")
		b.ReportMetric(alone.cpuPerRecord(), "alone-cpu-ns/rec")
		b.ReportMetric(beside.cpuPerRecord(), "beside-partop-cpu-ns/rec")
		b.ReportMetric(besideKgo.cpuPerRecord(), "beside-kgo-cpu-ns/rec")
		b.Logf("producer alone %v", round0(alone.rates))
		b.Logf("beside partop's consumer %v (it read %v)", round0(beside.rates), round0(beside.read))
		b.Logf("beside a plain kgo consumer %v (it read %v)", round0(besideKgo.rates), round0(besideKgo.read))
	}
}

// arm is one arm's rounds: the producer's rate, the consumer's beside it,
// and the process's CPU time and records produced.
type arm struct {
	rates, read []float64
	cpu         time.Duration
	produced    float64
}

func (a *arm) add(r round) {
	a.rates = append(a.rates, r.rate)
	if r.read >= 0 {
		a.read = append(a.read, r.read)
	}
	a.cpu += r.cpu
	a.produced += r.produced
}

func (a *arm) mean() float64 { return sum(a.rates) / float64(len(a.rates)) }

// cpuPerRecord is the process's CPU time per record produced: the
// producer's, kfake's and the consumer's beside it.
func (a *arm) cpuPerRecord() float64 { return float64(a.cpu.Nanoseconds()) / a.produced }

// reader is a consumer running beside a producer round.
type reader struct {
	total func() uint64 // records read so far
	stop  func()
}

// startPartop runs partop's consumer group (a new group, reset latest: it
// reads what is written from now on).
func startPartop(b *testing.B, cl *cluster.Cluster, topic, group string) *reader {
	c, err := New(context.Background(), Config{Topic: topic, ClientOpts: cl.ClientOpts(), ConsumerConfig: source.ConsumerConfig{Group: group}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, sourcetest.Discard) }()
	return &reader{total: func() uint64 { return readTotal(c) }, stop: func() { cancel(); _ = c.Close(); <-done }}
}

// startPlain runs kgo's group consumer set up as partop's is (KIP-848,
// reset latest, the same fetch wait and commit interval), counting the
// records of each poll and nothing else.
func startPlain(b *testing.B, cl *cluster.Cluster, topic, group string) *reader {
	kcl, err := kgo.NewClient(append(cl.ClientOpts(), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeStartOffset(kgo.NewOffset().AtEnd()), kgo.ServerSideBalancer(),
		kgo.FetchMaxWait(fetchMaxWait), kgo.AutoCommitInterval(commitEvery))...)
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			n.Add(uint64(kcl.PollFetches(ctx).NumRecords()))
		}
	}()
	return &reader{total: n.Load, stop: func() { cancel(); <-done; kcl.Close() }}
}

// round is one measured window: the producer's rate and what it
// produced, the consumer's read rate beside it (-1: none), and the CPU
// time the process used.
type round struct {
	rate, produced, read float64
	cpu                  time.Duration
}

// producerRate runs partop's producer at full speed for d after a warm-up
// and measures it; r, if given, is a consumer beside it, measured over the
// same window and stopped after it.
func producerRate(b *testing.B, cl *cluster.Cluster, topic string, d time.Duration, r *reader) round {
	top, err := cl.Describe(context.Background(), topic)
	if err != nil {
		b.Fatal(err)
	}
	p, err := kproducer.New(kproducer.Config{Config: producer.Config{Topic: topic, Rate: 0}, ClientOpts: cl.ClientOpts()}, cl, top)
	if err != nil {
		b.Fatal(err)
	}
	go p.Run(context.Background(), sourcetest.Discard)
	time.Sleep(300 * time.Millisecond) // connect and warm up (and the group join)
	var r0 uint64
	if r != nil {
		r0 = r.total()
	}
	n0, t0, cpu0 := acked(p), time.Now(), cpuTime(b)
	time.Sleep(d)
	n1, el, cpu := acked(p), time.Since(t0), cpuTime(b)-cpu0
	out := round{rate: float64(n1-n0) / el.Seconds(), produced: float64(n1 - n0), read: -1, cpu: cpu}
	if r != nil {
		out.read = float64(r.total()-r0) / el.Seconds()
		r.stop()
	}
	_ = p.Close()
	return out
}

func acked(p *kproducer.Producer) uint64 {
	var n uint64
	for _, t := range p.Counters().Read() {
		n += t.Acked
	}
	return n
}

func readTotal(c *Consumer) uint64 {
	var n uint64
	for _, t := range c.Counters().Read() {
		n += t.Acked
	}
	return n
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

func round0(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}

// BenchmarkReadCost: the cost of reading a topic already written (1M
// records of partop's producer's shape, 4 partitions), per record, by
// partop's consumer and by a plain kgo group consumer with the same
// options that counts nothing: what partop's accounting adds to what
// consuming costs. Each b.N reads the whole topic once with a new group.
func BenchmarkReadCost(b *testing.B) {
	const topic, n = "readcost", 1_000_000
	cl, _ := embeddedtest.Start(b, topic, 4)
	fill(b, cl, topic, n)
	for _, arm := range []struct {
		name string
		read func(group string)
	}{
		{"partop", func(group string) { readAllPartop(b, cl, topic, group, n) }},
		{"kgo", func(group string) { readAllPlain(b, cl, topic, group, n) }},
	} {
		b.Run(arm.name, func(b *testing.B) {
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			cpu0 := cpuTime(b)
			b.ResetTimer()
			for i := range b.N {
				arm.read(fmt.Sprintf("%s-%d-%d", arm.name, i, time.Now().UnixNano()))
			}
			b.StopTimer()
			cpu := cpuTime(b) - cpu0
			runtime.ReadMemStats(&ms1)
			recs := float64(b.N) * n
			b.ReportMetric(float64(cpu.Nanoseconds())/recs, "cpu-ns/record")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/recs, "ns/record")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/recs, "allocs/record")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/recs, "B/record")
		})
	}
}

// cpuTime is the CPU time the process has used (user and system): what
// reading costs the machine, whoever else shares it.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fill writes n records of partop's producer's shape to topic.
func fill(b *testing.B, cl *cluster.Cluster, topic string, n int) {
	kcl, err := kgo.NewClient(append(cl.ClientOpts(), kgo.DefaultProduceTopic(topic))...)
	if err != nil {
		b.Fatal(err)
	}
	defer kcl.Close()
	m := producer.NewRecords(producer.Config{}, 1)
	for range n {
		k, v := m.Next()
		kcl.Produce(context.Background(), &kgo.Record{Key: k, Value: v}, nil)
	}
	if err := kcl.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
}

func readAllPartop(b *testing.B, cl *cluster.Cluster, topic, group string, n uint64) {
	c, err := New(context.Background(), Config{Topic: topic, ClientOpts: cl.ClientOpts(), ConsumerConfig: source.ConsumerConfig{Group: group, Reset: "earliest"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, sourcetest.Discard) }()
	for readTotal(c) < n {
		time.Sleep(time.Millisecond)
	}
	stop()
	<-done
	_ = c.Close()
}

// readAllPlain reads with kgo's group consumer as partop's is set up,
// counting records per poll only.
func readAllPlain(b *testing.B, cl *cluster.Cluster, topic, group string, n uint64) {
	kcl, err := kgo.NewClient(append(cl.ClientOpts(), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeStartOffset(kgo.NewOffset().AtStart()), kgo.ServerSideBalancer(),
		kgo.FetchMaxWait(fetchMaxWait), kgo.AutoCommitInterval(commitEvery))...)
	if err != nil {
		b.Fatal(err)
	}
	defer kcl.Close()
	var got uint64
	for got < n {
		got += uint64(kcl.PollFetches(context.Background()).NumRecords())
	}
}
