package kproducer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
)

// The benchmarks here measure the goals against the embedded
// cluster. Most are measurement runs rather than loops: run them with
// -benchtime=1x (see docs/BENCHMARKS.md).

// firstWrites records when a plain kgo producer first got an ack on each
// partition: the baseline a user has today.
type firstWrites struct {
	mu sync.Mutex
	at map[int32]time.Time
}

func (f *firstWrites) promise(r *kgo.Record, err error) {
	if err != nil {
		return
	}
	f.mu.Lock()
	if _, ok := f.at[r.Partition]; !ok {
		f.at[r.Partition] = time.Now()
	}
	f.mu.Unlock()
}

// produceErrors counts produce errors a client retried, which make kgo
// refresh metadata early (and so pick up new partitions by chance).
type produceErrors struct {
	mu   sync.Mutex
	errs map[string]int
}

func (p *produceErrors) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e kgo.BrokerE2E) {
	if key != 0 || e.Err() == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.errs == nil {
		p.errs = map[string]int{}
	}
	p.errs[e.Err().Error()]++
}

func (p *produceErrors) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprint(p.errs)
}

// pickedUp is when all of partitions from..to-1 had a first ack, if they did.
func (f *firstWrites) pickedUp(from, to int) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last time.Time
	for p := from; p < to; p++ {
		at, ok := f.at[int32(p)]
		if !ok {
			return time.Time{}, false
		}
		if at.After(last) {
			last = at
		}
	}
	return last, true
}

func percentile(ds []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkPickup: 20 expansions made by partop, 20 made by another client,
// and a kgo producer with default options beside them for comparison.
// Goals: partop-made p99 <= 100 ms; external p99 <= interval + 200 ms.
func BenchmarkPickup(b *testing.B) {
	const (
		expansions = 20
		interval   = rules.DefaultDiscoveryInterval
		baseCap    = 30 * time.Second
	)
	for range b.N {
		c, _ := embeddedtest.Start(b, "pickup", 4)
		_, eng := running(b, c, Config{Config: producer.Config{Topic: "pickup", Rate: 2000, Partitioner: rules.RoundRobin}})
		base := &firstWrites{at: map[int32]time.Time{}}
		baseErrors := &produceErrors{}
		var baseMeta atomic.Int64
		bcl, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("pickup"), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
			kgo.WithHooks(cluster.MetadataCounter(func() { baseMeta.Add(1) }), baseErrors))...)
		if err != nil {
			b.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		go func() { // the baseline producer, 1000 records/s
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for ctx.Err() == nil {
				<-t.C
				bcl.Produce(ctx, kgo.StringRecord("baseline"), base.promise)
			}
		}()
		waitfor.That(b, 10*time.Second, "routing to 4", func() bool { return eng.Snapshot().TopicState.Partitions == 4 })

		type made struct {
			from, to int
			at       time.Time
		}
		var own, ext, extFromChange []time.Duration
		var all []made
		for range expansions {
			from := eng.Snapshot().TopicState.Cluster
			to := from + 1
			add(b, eng, 1)
			all = append(all, made{from, to, time.Now()})
			waitfor.That(b, 5*time.Second, "partop-made pickup", func() bool { e, _ := lastExpansion(eng); return e.Done && e.To == to })
			e, _ := lastExpansion(eng)
			own = append(own, e.Pickup)
		}
		adm := kadm.NewClient(bcl)
		for range expansions {
			cur := eng.Snapshot().TopicState.Cluster
			time.Sleep(time.Duration(rand.Int64N(int64(interval)))) // land anywhere in the poll cycle
			resp, err := adm.UpdatePartitions(ctx, cur+1, "pickup")
			if err == nil {
				err = resp.Error()
			}
			if err != nil {
				b.Fatal(err)
			}
			changed := time.Now()
			all = append(all, made{cur, cur + 1, changed})
			waitfor.That(b, interval+5*time.Second, "external pickup", func() bool { e, _ := lastExpansion(eng); return e.Done && e.To == cur+1 })
			e, _ := lastExpansion(eng)
			ext = append(ext, e.Pickup)
			extFromChange = append(extFromChange, e.FirstRecord.Sub(changed))
		}
		// Give the baseline its full cap on the last expansion.
		time.Sleep(time.Until(all[len(all)-1].at.Add(baseCap)))
		stop()
		bcl.Close()
		baseWithin := 0
		for _, m := range all {
			if at, ok := base.pickedUp(m.from, m.to); ok && at.Sub(m.at) <= baseCap {
				baseWithin++
			}
		}
		b.ReportMetric(ms(percentile(own, 0.5)), "own-p50-ms")
		b.ReportMetric(ms(percentile(own, 0.99)), "own-p99-ms")
		b.ReportMetric(ms(percentile(ext, 0.5)), "ext-p50-ms")
		b.ReportMetric(ms(percentile(ext, 0.99)), "ext-p99-ms")
		b.ReportMetric(ms(percentile(extFromChange, 0.99)), "ext-from-change-p99-ms")
		b.ReportMetric(float64(baseWithin), "kgo-default-within-30s")
		b.ReportMetric(float64(len(all)), "expansions")
		b.Logf("partop-made: %v", own)
		b.Logf("external (from seen): %v", ext)
		b.Logf("external (from the admin call returning): %v", extFromChange)
		b.Logf("kgo defaults picked up %d of %d expansions within %s (its client sent %d Metadata requests; produce errors it retried: %v)", baseWithin, len(all), baseCap, baseMeta.Load(), baseErrors.String())
	}
}

// BenchmarkMetadataCost: steady-state Metadata requests per second of one
// producer at the default discovery interval. Goal: <= 1.
func BenchmarkMetadataCost(b *testing.B) {
	const window = 20 * time.Second
	for range b.N {
		c, _ := embeddedtest.Start(b, "meta", 4)
		p, eng := running(b, c, Config{Config: producer.Config{Topic: "meta", Rate: 1000}})
		waitfor.That(b, 10*time.Second, "records to flow", func() bool { return total(p) > 100 })
		time.Sleep(2 * time.Second) // past start-up metadata
		n0, t0 := eng.Snapshot().TopicState.MetadataRequests, time.Now()
		time.Sleep(window)
		n1 := eng.Snapshot().TopicState.MetadataRequests
		b.ReportMetric(float64(n1-n0)/time.Since(t0).Seconds(), "metadata-req/s")
	}
}

func round0(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}

// BenchmarkMemory60s: RSS of partop's producer and the embedded cluster in
// one process after 60 s at full speed. Goals: under 1 GiB, and not growing
// over the last 30 s.
func BenchmarkMemory60s(b *testing.B) {
	for range b.N {
		c, _ := embeddedtest.Start(b, "mem", 4)
		p, _ := running(b, c, Config{Config: producer.Config{Topic: "mem", Rate: 0}})
		var samples []float64
		for i := 0; i < 12; i++ {
			time.Sleep(5 * time.Second)
			samples = append(samples, rssMiB(b))
		}
		first30, last := samples[5], samples[len(samples)-1]
		peak := 0.0
		for _, s := range samples {
			peak = max(peak, s)
		}
		b.ReportMetric(last, "rss-MiB")
		b.ReportMetric(peak, "peak-rss-MiB")
		b.ReportMetric(last-first30, "growth-last-30s-MiB")
		b.ReportMetric(float64(total(p))/60, "rec/s")
		b.Logf("RSS every 5 s (MiB): %v", round0(samples))
	}
}

func rssMiB(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("VmRSS not found")
	return 0
}

// BenchmarkRecordPath is the cost of one record through partop's send path
// (produce: the record, kgo's Produce with the routing wrapper, and the
// promise counting the ack) against a plain kgo client sending the same
// records with no promise, both into an embedded cluster in this process:
// ns/op is the whole process's time per record from one sending
// goroutine, allocs/op everything allocated per record (kgo, kfake and
// the garbage collector's bookkeeping included). Compare with benchstat:
//
//	go test -run '^$' -bench RecordPath -benchmem -count 10 ./producer/
func BenchmarkRecordPath(b *testing.B) {
	b.Run("partop", func(b *testing.B) {
		c, top := embeddedtest.Start(b, "path", 4)
		p, err := New(Config{Config: producer.Config{Topic: "path", Rate: 0}, ClientOpts: c.ClientOpts()}, c, top)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for n := b.N; n > 0; n -= 256 {
			p.produce(ctx, min(n, 256))
		}
		if err := p.cl.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := total(p); n != uint64(b.N) {
			b.Fatalf("%d records acknowledged, want %d", n, b.N)
		}
	})
	b.Run("kgo", func(b *testing.B) {
		c, _ := embeddedtest.Start(b, "path", 4)
		cl, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("path"))...)
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		m := producer.NewRecords(producer.Config{}, 1)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			k, v := m.Next()
			cl.Produce(ctx, &kgo.Record{Key: k, Value: v}, nil)
		}
		if err := cl.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	})
}
