package cluster

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// parts builds partitions from their replicas (the leader first).
func parts(replicas ...[]int32) []Partition {
	out := make([]Partition, len(replicas))
	for i, r := range replicas {
		out[i] = Partition{ID: int32(i), Leader: r[0], Replicas: r}
	}
	return out
}

func r(ids ...int32) []int32 { return ids }

func TestPlace(t *testing.T) {
	t.Parallel()
	noRacks := []Broker{{ID: 1}, {ID: 2}, {ID: 3}}
	racks := []Broker{{ID: 1, Rack: "a"}, {ID: 2, Rack: "a"}, {ID: 3, Rack: "b"}, {ID: 4, Rack: "b"}}
	cases := []struct {
		name    string
		brokers []Broker
		parts   []Partition
		load    []float64
		add     int
		want    [][]int32
		err     string
	}{
		{
			name:    "RF 1, leaders skewed to broker 1: the new leaders go to the others until even",
			brokers: noRacks,
			parts:   parts(r(1), r(1), r(1), r(1), r(2), r(3)),
			load:    []float64{100, 100, 100, 100, 100, 100},
			add:     6,
			want:    [][]int32{r(2), r(3), r(2), r(3), r(2), r(3)},
		},
		{
			name:    "RF 1, even counts but one hot partition: its broker gets none",
			brokers: noRacks,
			parts:   parts(r(1), r(2), r(3)),
			load:    []float64{900, 50, 50},
			add:     3,
			// mean 333: 2 (50) → 383, 3 (50) → 383, then 2 again (383 = 383, same leaders: lower id)
			want: [][]int32{r(2), r(3), r(2)},
		},
		{
			name:    "no traffic: ties go to fewer leaders, then the lowest id",
			brokers: noRacks,
			parts:   parts(r(2), r(3), r(3)),
			load:    nil,
			add:     4,
			want:    [][]int32{r(1), r(1), r(2), r(1)},
		},
		{
			name:    "a broker the topic does not use yet leads first",
			brokers: []Broker{{ID: 0}, {ID: 1}, {ID: 2}, {ID: 3}},
			parts:   parts(r(0), r(1), r(2)),
			load:    []float64{10, 10, 10},
			add:     2,
			want:    [][]int32{r(3), r(0)},
		},
		{
			name:    "RF 3 on three brokers: every broker holds a replica, leaders still balance",
			brokers: noRacks,
			parts:   parts(r(1, 2, 3), r(1, 3, 2), r(2, 3, 1)),
			load:    []float64{300, 300, 0},
			add:     3,
			// led 600/0/0, mean 200: 3 leads (0, no leader yet), then 2 (0),
			// then 3 (200 = 200, fewer leaders); followers: equal replicas,
			// the less loaded first
			want: [][]int32{r(3, 2, 1), r(2, 3, 1), r(3, 2, 1)},
		},
		{
			name:    "RF 2 with racks: the follower is on the other rack",
			brokers: racks,
			parts:   parts(r(1, 3), r(1, 4), r(3, 1), r(4, 2)),
			load:    []float64{100, 100, 100, 100},
			add:     4,
			// led 200/0/100/100: 2 leads, then 2 again (100 each, one
			// leader each: the lowest id), then 3 and 4; each follower on
			// the other rack, the one with fewer replicas first
			want: [][]int32{r(2, 3), r(2, 4), r(3, 1), r(4, 2)},
		},
		{
			name:    "a partition without a leader counts for no broker",
			brokers: noRacks,
			parts:   []Partition{{ID: 0, Leader: -1, Replicas: r(1)}, {ID: 1, Leader: 2, Replicas: r(2)}, {ID: 2, Leader: 3, Replicas: r(3)}},
			load:    []float64{0, 60, 30},
			add:     1,
			want:    [][]int32{r(1)},
		},
		{
			name:    "RF 3 on two brokers",
			brokers: []Broker{{ID: 1}, {ID: 2}},
			parts:   parts(r(1, 2, 3)),
			add:     1,
			err:     "replication factor is 3 but the cluster lists 2 brokers",
		},
		{
			name:    "no replicas known",
			brokers: noRacks,
			parts:   []Partition{{ID: 0, Leader: 1}},
			add:     1,
			err:     "replication factor is not known",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Place(tc.brokers, tc.parts, tc.load, tc.add)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Place = %v, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Place = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestGrowPlacedEmbedded checks what kfake does with an explicit
// assignment: it takes the first replica as the leader, as Kafka does
// (its Metadata then lists replicas of its own from the leader on, so
// only the leaders are compared).
func TestGrowPlacedEmbedded(t *testing.T) {
	t.Parallel()
	c := openEmbedded(t)
	ctx := context.Background()
	top, err := c.EnsureTopic(ctx, "placed", 3, false)
	if err != nil {
		t.Fatal(err)
	}
	load := make([]float64, 3)
	hot := top.Partitions[0].Leader
	for _, p := range top.Partitions {
		if p.Leader == hot {
			load[p.ID] = 1000 // every partition hot broker leads carries the traffic
		}
	}
	plan, err := c.Plan(ctx, "placed", func(n int) int { return n + 4 }, load)
	if err != nil {
		t.Fatal(err)
	}
	if plan.From != 3 || plan.To != 7 || len(plan.Replicas) != 4 {
		t.Fatalf("plan %+v", plan)
	}
	for _, l := range plan.Leaders() {
		if l == hot {
			t.Fatalf("plan %v puts a new leader on the hot broker %d", plan.Leaders(), hot)
		}
	}
	from, to, err := c.GrowPlaced(ctx, "placed", plan)
	if err != nil || from != 3 || to != 7 {
		t.Fatalf("GrowPlaced = %d→%d, %v", from, to, err)
	}
	after, err := c.Describe(ctx, "placed")
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Leaders()[3:]; !reflect.DeepEqual(got, plan.Leaders()) {
		t.Fatalf("new partitions' leaders %v, planned %v", got, plan.Leaders())
	}
	// The plan was for 3 partitions: the topic has 7 now.
	if _, _, err := c.GrowPlaced(ctx, "placed", plan); err == nil || !strings.Contains(err.Error(), "has 7 partitions now, not the 3") {
		t.Fatalf("a stale plan: %v", err)
	}
	bad := plan
	bad.From, bad.To, bad.Replicas = 7, 8, [][]int32{{99}}
	if _, _, err := c.GrowPlaced(ctx, "placed", bad); err == nil || !strings.Contains(err.Error(), "INVALID_REPLICA_ASSIGNMENT") {
		t.Fatalf("an unknown broker: %v", err)
	}
	if n, _ := c.Describe(ctx, "placed"); n.Count() != 7 {
		t.Fatalf("refused placements added partitions: %d", n.Count())
	}
}
