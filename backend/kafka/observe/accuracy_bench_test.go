package observe

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/source/sourcetest"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkRateAccuracy compares the per-partition rates observe mode
// reads from end offsets with what a producer had acknowledged over the
// same windows: an idempotent kgo producer writes 8,000 records/s to 8
// partitions of the embedded cluster, round-robin or with kgo's default
// sticky partitioner; the source polls end offsets every second (the
// default), and at each poll the producer's acknowledged counts are read
// too. Over 10 s windows (three of them) the largest per-partition error
// is err-10s-max-%; over 1 s windows, err-1s-max-%.
func BenchmarkRateAccuracy(b *testing.B) {
	for _, c := range []struct {
		name string
		opt  kgo.Opt
	}{
		{"round-robin", kgo.RecordPartitioner(kgo.RoundRobinPartitioner())},
		{"sticky", kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil))},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				ten, one := rateErrors(b, c.opt, 8, 8000, 3)
				b.ReportMetric(100*ten, "err-10s-max-%")
				b.ReportMetric(100*one, "err-1s-max-%")
			}
		})
	}
}

// rateErrors runs the comparison over windows 10 s windows and returns the
// largest relative error of a partition's rate over 10 s and over 1 s.
func rateErrors(b *testing.B, partitioner kgo.Opt, partitions, rate, windows int) (ten, one float64) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, top := embeddedtest.Start(b, "accuracy", partitions)
	acked := make([]atomic.Int64, partitions)
	p, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("accuracy"), partitioner)...)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			for range rate / 100 {
				p.Produce(ctx, kgo.StringRecord("x"), func(r *kgo.Record, err error) {
					if err == nil {
						acked[r.Partition].Add(1)
					}
				})
			}
		}
	}()
	s, err := New(Config{Topic: "accuracy", ClientOpts: c.ClientOpts(), ProducersInterval: -1}, c, top)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rec := sourcetest.NewRecorder()
	go s.Run(ctx, rec)

	type sample struct {
		at        time.Time
		obs, acks []float64
	}
	var samples []sample
	for len(samples) <= 10*windows+1 {
		at := <-rec.Steps()
		sm := sample{at: at, obs: make([]float64, partitions), acks: make([]float64, partitions)}
		for i, t := range s.Counters().Read() {
			sm.obs[i], sm.acks[i] = float64(t.Acked), float64(acked[i].Load())
		}
		samples = append(samples, sm)
	}
	worst := func(from, to sample) float64 {
		e := 0.0
		for i := range from.obs {
			o, a := to.obs[i]-from.obs[i], to.acks[i]-from.acks[i]
			if a <= 0 {
				b.Fatalf("partition %d acknowledged nothing between %v and %v", i, from.at, to.at)
			}
			e = math.Max(e, math.Abs(o-a)/a) // both over the same real time
		}
		return e
	}
	samples = samples[1:] // the first poll is the baseline
	for w := range windows {
		ten = math.Max(ten, worst(samples[10*w], samples[10*w+10]))
	}
	for i := 1; i < len(samples); i++ {
		one = math.Max(one, worst(samples[i-1], samples[i]))
	}
	return ten, one
}
