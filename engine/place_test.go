package engine_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"partop/engine"
	"partop/rules"
	"partop/source"
	"partop/source/sourcetest"
)

// TestBalancedPlacement: a balanced add hands the placer the topic's
// measured records/s by partition, places where the plan says (the
// previewed plan when the action carries one), and logs the leaders; a
// plain add is still the cluster's.
func TestBalancedPlacement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewPlacer(4, 3, source.About{})
		eng, _ := running(t, src, engine.Config{Tick: 100 * time.Millisecond})
		for range 60 { // partition 2 carries most: 50 records per 100 ms
			src.Ack(2, 50)
			src.Ack(0, 5)
			time.Sleep(100 * time.Millisecond)
		}
		ctx := context.Background()
		add := engine.Action{Kind: engine.ActAdd, N: 2, Place: rules.PlaceBalanced}
		plan, err := eng.PlanAdd(ctx, add)
		if err != nil || plan.From != 4 || plan.To != 6 || plan.LeadersText() != "leaders → 0, 1" {
			t.Fatalf("PlanAdd = %+v (%s), %v", plan, plan.LeadersText(), err)
		}
		load := src.Loads()[0]
		if len(load) != 4 || load[2] < 450 || load[2] > 550 || load[0] < 40 || load[0] > 60 || load[1] != 0 {
			t.Fatalf("the placer was given %v: want partition 2 at about 500/s, 0 at 50/s", load)
		}
		previewed := plan
		previewed.Replicas = [][]int32{{2}, {2}} // what the operator saw is what is placed
		add.Plan = &previewed
		if err := eng.Apply(ctx, add); err != nil {
			t.Fatal(err)
		}
		if len(src.Loads()) != 1 {
			t.Fatalf("Apply planned again (%d plans) instead of placing the previewed plan", len(src.Loads()))
		}
		if m := messages(eng.Snapshot()); !strings.Contains(m, "info:partitions 4-5 placed by partop (balanced by traffic): leaders → 2, 2") {
			t.Fatalf("events %s", m)
		}
		// A plan for another count: planned again at Apply.
		stale := add
		if err := eng.Apply(ctx, stale); err != nil {
			t.Fatal(err)
		}
		if len(src.Loads()) != 2 || eng.Snapshot().TopicState.Cluster != 8 {
			t.Fatalf("%d plans, %d partitions: a plan for 4→6 on 6 partitions must be made again", len(src.Loads()), eng.Snapshot().TopicState.Cluster)
		}
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 1}); err != nil || len(src.Loads()) != 2 {
			t.Fatalf("a plain add: %v, %d plans (want the cluster's placement, no plan)", err, len(src.Loads()))
		}
		x := expansions(eng.Snapshot())
		if len(x) != 3 || x[0].To != 6 || x[1].To != 8 || x[2].To != 9 || x[0].By != engine.ByPartop {
			t.Fatalf("expansions %+v", x)
		}
	})
}

// TestBalancedByDefault: --placement balanced (Config.Place) places every
// add that does not say; ,cluster still leaves it to the cluster.
func TestBalancedByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewPlacer(2, 2, source.About{})
		eng, _ := running(t, src, engine.Config{Place: rules.PlaceBalanced})
		if s := eng.Snapshot(); s.AddPlace != rules.PlaceBalanced || s.NoPlacement != "" {
			t.Fatalf("info: AddPlace %q NoPlacement %q", s.AddPlace, s.NoPlacement)
		}
		ctx := context.Background()
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 1}); err != nil || len(src.Loads()) != 1 {
			t.Fatalf("default add: %v, %d plans", err, len(src.Loads()))
		}
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 1, Place: rules.PlaceCluster}); err != nil || len(src.Loads()) != 1 {
			t.Fatalf(",cluster add: %v, %d plans", err, len(src.Loads()))
		}
	})
}

// TestBalancedRefused: a source that cannot place partitions refuses a
// balanced add with its own reason, adds nothing, and logs the refusal.
func TestBalancedRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		why := rules.FluvioRules.CheckPlacement(rules.PlaceBalanced).Error()
		src := sourcetest.NewSender(4, 1000, source.About{NoPlacement: why})
		eng, _ := running(t, src, engine.Config{})
		if s := eng.Snapshot(); s.NoPlacement != why || s.AddPlace != rules.PlaceCluster {
			t.Fatalf("info: AddPlace %q NoPlacement %q", s.AddPlace, s.NoPlacement)
		}
		a := engine.Action{Kind: engine.ActAdd, N: 2, Place: rules.PlaceBalanced}
		if _, err := eng.PlanAdd(context.Background(), a); err == nil || err.Error() != why {
			t.Fatalf("PlanAdd: %v", err)
		}
		err := eng.Apply(context.Background(), a)
		if err == nil || err.Error() != why {
			t.Fatalf("Apply: %v, want %q", err, why)
		}
		s := eng.Snapshot()
		if s.TopicState.Cluster != 4 || len(expansions(s)) != 0 {
			t.Fatalf("a refused add added partitions: %+v", s.TopicState)
		}
		if m := messages(s); !strings.Contains(m, "error:add=2,balanced: balanced placement is not available on Fluvio") {
			t.Fatalf("events %s", m)
		}
	})
}
