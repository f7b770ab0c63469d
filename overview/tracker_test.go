package overview

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// census builds a census at t0+sec of topic "orders" with the given end
// offsets, leaders p%3, and a quiet topic "idle".
func census(sec float64, ends ...int64) Census {
	c := Census{At: t0.Add(time.Duration(sec * float64(time.Second))), Brokers: []Broker{{ID: 0}, {ID: 1, Rack: "b"}, {ID: 2}}}
	var parts []Partition
	for p, e := range ends {
		parts = append(parts, Partition{Leader: int32(p % 3), Replicas: []int32{int32(p % 3)}, End: e})
	}
	c.Topics = []Topic{{Name: "idle", Partitions: []Partition{{Leader: 0, Replicas: []int32{0}, End: 7}}}, {Name: "orders", Partitions: parts}}
	return c
}

func TestTrackerRates(t *testing.T) {
	tr := NewTracker()
	first := tr.Take(census(0, 100, 100, 100, 100))
	if first.Rated {
		t.Fatalf("the first census has rates")
	}
	if r, _ := first.Topic("orders"); r.Partitions != 4 || r.Rate != 0 {
		t.Fatalf("first census row %+v", r)
	}
	// 2 s later: 400, 200, 200, 200 records more.
	s := tr.Take(census(2, 500, 300, 300, 300))
	r, ok := s.Topic("orders")
	if !ok || !s.Rated || s.Interval != 2*time.Second {
		t.Fatalf("second census: rated %v interval %v row found %v", s.Rated, s.Interval, ok)
	}
	if r.Rate != 500 || r.Rates[0] != 200 || r.Rates[1] != 100 {
		t.Fatalf("rates %v total %v; want 200, 100, 100, 100 and 500", r.Rates, r.Rate)
	}
	// Mean 125: partition 0 carries 75 over it.
	if r.Uneven != 75 || math.Abs(r.Balance.MaxMean-1.6) > 1e-9 {
		t.Errorf("uneven %v max/mean %v; want 75 and 1.6", r.Uneven, r.Balance.MaxMean)
	}
	if idle, _ := s.Topic("idle"); idle.Rate != 0 || idle.Uneven != 0 {
		t.Errorf("the idle topic: rate %v uneven %v", idle.Rate, idle.Uneven)
	}
	// Brokers: 0 leads partitions 0 and 3 of orders and idle's: 300 of 500.
	b := s.Brokers
	if len(b) != 3 || b[0].Leaders != 3 || b[0].Rate != 300 || b[0].Share != 0.6 || b[1].Rack != "b" || b[1].Replicas != 1 {
		t.Errorf("brokers %+v", b)
	}
	tb := s.TopicBrokers("orders")
	if tb[0].Leaders != 2 || tb[0].Share != 0.6 || tb[2].Share != 0.2 {
		t.Errorf("orders' brokers %+v", tb)
	}
}

// TestTrackerExpansion: partitions added between two censuses are an
// expansion bracketed by them; they count from offset 0; until each has
// a record it is unused; where their leaders went is said, and flagged
// when one broker took more than its part.
func TestTrackerExpansion(t *testing.T) {
	tr := NewTracker()
	tr.Take(census(0, 10, 10, 10, 10))
	s := tr.Take(census(1, 20, 20, 20, 20, 5, 0, 0, 0))
	r, _ := s.Topic("orders")
	if r.Expansion == nil || r.Expansion.From != 4 || r.Expansion.To != 8 || !r.Expansion.After.Equal(t0) || !r.Expansion.By.Equal(t0.Add(time.Second)) {
		t.Fatalf("expansion %+v", r.Expansion)
	}
	if r.Rates[4] != 5 || r.NewUnused != 3 {
		t.Errorf("new partition 4's rate %v (want 5: counted from 0), unused %d (want 3)", r.Rates[4], r.NewUnused)
	}
	text, uneven := r.NewLeaders(3)
	if text != "4 new: broker 1 ×2, broker 0 ×1, broker 2 ×1" || uneven {
		t.Errorf("NewLeaders = %q, %v", text, uneven)
	}
	r.Leaders[4], r.Leaders[5], r.Leaders[6] = 2, 2, 2
	if text, uneven := r.NewLeaders(3); text != "4 new: broker 2 ×3, broker 1 ×1" || !uneven {
		t.Errorf("NewLeaders with three on broker 2 = %q, %v; want flagged", text, uneven)
	}
	// Later: all four used; the expansion stays known.
	s = tr.Take(census(2, 30, 30, 30, 30, 10, 10, 10, 10))
	if r, _ := s.Topic("orders"); r.NewUnused != 0 || r.Expansion == nil {
		t.Errorf("after use: unused %d, expansion %v", r.NewUnused, r.Expansion)
	}
}

// TestTrackerUnanswered: a partition the census lacks has no rate that
// round and keeps its last end, so the next round's rate is right.
func TestTrackerUnanswered(t *testing.T) {
	tr := NewTracker()
	tr.Take(census(0, 10, 10))
	s := tr.Take(census(1, 20, -1))
	if r, _ := s.Topic("orders"); r.Unanswered != 1 || r.Rates[1] != 0 || r.Rate != 10 {
		t.Fatalf("unanswered round: %+v", r)
	}
	s = tr.Take(census(2, 30, 30))
	if r, _ := s.Topic("orders"); r.Rates[1] != 20 {
		t.Fatalf("after the gap partition 1's rate %v, want 20 (from its last known end, over 1 s)", r.Rates[1])
	}
}

// TestTrackerGroups: each topic's groups with commits and the largest
// lag among them, from the census's end offsets.
func TestTrackerGroups(t *testing.T) {
	tr := NewTracker()
	c := census(0, 100, 100, 100)
	c.Groups = []GroupCommits{
		{Group: "billing", Commits: map[string]map[int32]int64{"orders": {0: 90, 1: 100}}},               // lag 10
		{Group: "search", Commits: map[string]map[int32]int64{"orders": {0: 50, 2: 70}, "gone": {0: 1}}}, // lag 80
	}
	s := tr.Take(c)
	r, _ := s.Topic("orders")
	if !s.Grouped || r.Groups != 2 || r.Lag != 80 || r.LagGroup != "search" {
		t.Fatalf("groups %d, lag %d of %q (grouped %v); want 2, 80 of search", r.Groups, r.Lag, r.LagGroup, s.Grouped)
	}
	if idle, _ := s.Topic("idle"); idle.Groups != 0 || idle.LagGroup != "" {
		t.Fatalf("idle has groups: %+v", idle)
	}
}

// TestBrokersOf: a topic's brokers from its dashboard's metadata: every
// broker of the cluster (one leading nothing too), leaders, replicas and
// the records/s of the partitions each leads.
func TestBrokersOf(t *testing.T) {
	bs := BrokersOf([]Broker{{ID: 0, Rack: "a"}, {ID: 1, Rack: "b"}, {ID: 2, Rack: "c"}},
		[]int32{0, 0, 1, -1}, [][]int32{{0, 1}, {0, 2}, {1, 0}, {2}}, []float64{30, 50, 20, 0})
	if len(bs) != 3 {
		t.Fatalf("%d brokers: %+v", len(bs), bs)
	}
	want := []BrokerRow{
		{ID: 0, Rack: "a", Leaders: 2, Replicas: 3, Rate: 80, Share: 0.8},
		{ID: 1, Rack: "b", Leaders: 1, Replicas: 2, Rate: 20, Share: 0.2},
		{ID: 2, Rack: "c", Leaders: 0, Replicas: 2, Rate: 0, Share: 0},
	}
	for i, w := range want {
		w.FairShare = 1.0 / 3
		if bs[i] != w {
			t.Errorf("broker %d: %+v, want %+v", i, bs[i], w)
		}
	}
}
