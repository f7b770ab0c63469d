package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
	"partop/source"
)

// reports collects Sampled facts and problems.
type reports struct {
	mu       sync.Mutex
	sampled  []source.Sampled
	problems []string
}

func (r *reports) Report(f source.Fact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch f := f.(type) {
	case source.Sampled:
		r.sampled = append(r.sampled, f)
	case source.Problem:
		r.problems = append(r.problems, f.Message)
	}
}

func (r *reports) records() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.sampled {
		for _, ps := range s.Sample.Partitions {
			n += len(ps.Records)
		}
	}
	return n
}

// Producing and Observing set Sources.Keys unless sampling is off; the
// sampler reads the end offsets the observer beside it polls, so it
// samples once the observer has polled.
func TestKeysBesideTheSource(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	open := func(sampleBytes int) *Backend {
		b, err := Open(ctx, Options{Cluster: cluster.Config{Embedded: cluster.EmbeddedConfig{Port: -1}}, GroupsInterval: -1, SampleBytes: sampleBytes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		return b
	}
	off := open(-1)
	top, err := off.CreateTopic(ctx, "orders", 4)
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := off.Observing(ctx, top)
	if err != nil || srcs.Keys != nil {
		t.Fatalf("sampling off: Keys %v, %v", srcs.Keys, err)
	}
	_ = srcs.Source.Close()

	b := open(0)
	if top, err = b.CreateTopic(ctx, "orders", 4); err != nil {
		t.Fatal(err)
	}
	if srcs, err = b.Observing(ctx, top); err != nil || srcs.Keys == nil {
		t.Fatalf("observing: Keys %v, %v", srcs.Keys, err)
	}
	_ = srcs.Source.Close()
	_ = srcs.Keys.Close()

	srcs, err = b.Producing(ctx, producer.Config{Topic: "orders", Rate: 200, Partitioner: rules.RoundRobin}, nil, top)
	if err != nil || srcs.Keys == nil {
		t.Fatalf("producing: Keys %v, %v", srcs.Keys, err)
	}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var r reports
	wg.Go(func() { srcs.WholeTopic.Run(rctx, &r) })
	wg.Go(func() { srcs.Keys.Run(rctx, &r) })
	cl, err := kgo.NewClient(append(b.Cluster().ClientOpts(), kgo.DefaultProduceTopic("orders"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := range 400 {
		cl.Produce(ctx, &kgo.Record{Key: []byte{byte(i % 7)}, Value: []byte("v")}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	waitfor.That(t, 45*time.Second, "the sampler's first records", func() bool { return r.records() >= 100 })
	stop()
	wg.Wait()
	if len(r.problems) != 0 {
		t.Errorf("problems: %q", r.problems)
	}
	_ = srcs.Keys.Close()
	_ = srcs.WholeTopic.Close()
	_ = srcs.Source.Close()
}
