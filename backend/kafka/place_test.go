package kafka

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"partop/backend/kafka/cluster"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
	"partop/source"
)

// TestBalancedPlacementOnEmbedded: both Kafka sources, partop's producer
// and the observer, are Placers; through the engine a balanced add on the
// embedded cluster puts the new partitions' leaders where the plan said
// (kfake takes an explicit assignment's first replica as the leader), and
// the event log says so. Where the plan puts them is Place's, tested in
// package cluster.
func TestBalancedPlacementOnEmbedded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Open(ctx, Options{Cluster: cluster.Config{Embedded: cluster.EmbeddedConfig{Port: -1}}, GroupsInterval: -1, SampleBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, mode := range []string{engine.ModeProduce, engine.ModeObserve} {
		top, err := b.CreateTopic(ctx, "placed-"+mode, 3)
		if err != nil {
			t.Fatal(err)
		}
		var srcs source.Sources
		if mode == engine.ModeProduce {
			srcs, err = b.Producing(ctx, producer.Config{Topic: top.Name, Rate: 2000, Partitioner: rules.RoundRobin}, nil, top)
		} else {
			srcs, err = b.Observing(ctx, top)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := srcs.Source.(source.Placer); !ok {
			t.Fatalf("%s: the source is no source.Placer", mode)
		}
		eng := engine.New(srcs.Source, engine.Config{Tick: 100 * time.Millisecond})
		rctx, stop := context.WithCancel(ctx)
		go func() { _ = eng.Run(rctx) }()
		a := engine.Action{Kind: engine.ActAdd, N: 3, Place: rules.PlaceBalanced}
		plan, err := eng.PlanAdd(ctx, a)
		if err != nil || plan.From != 3 || plan.To != 6 {
			t.Fatalf("%s: PlanAdd = %+v, %v", mode, plan, err)
		}
		a.Plan = &plan
		if err := eng.Apply(ctx, a); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		after, err := b.Cluster().Describe(ctx, top.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got := after.Leaders()[3:]; !slices.Equal(got, plan.Leaders()) {
			t.Errorf("%s: new leaders %v, planned %v", mode, got, plan.Leaders())
		}
		want := fmt.Sprintf("partitions 3-5 placed by partop (balanced by traffic): %s", plan.LeadersText())
		waitfor.That(t, 10*time.Second, "the placement in the event log", func() bool {
			for _, e := range eng.Snapshot().Events {
				if e.Kind == engine.KindInfo && e.Message == want {
					return true
				}
			}
			return false
		})
		stop()
		<-eng.Done()
	}
}
