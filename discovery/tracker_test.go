package discovery

import (
	"errors"
	"testing"
	"time"

	"partop/stats"
)

func newTracker(n int) (*Tracker, *stats.Counters) {
	c := stats.NewCounters(n)
	return NewTracker(c, make([]int32, n), true), c
}

// TestExternalGrowthIsAnExpansion: the watcher seeing more partitions is
// an expansion by someone else, unless partop's own admin call is in
// flight; it is done when every new partition had its first record.
func TestExternalGrowthIsAnExpansion(t *testing.T) {
	tr, c := newTracker(2)
	refreshed := 0
	tr.OnExpansion(func() { refreshed++ })
	tr.Watched(make([]int32, 4), nil)
	evs := tr.Events()
	if len(evs) != 1 || evs[0].By != ByExternal || evs[0].From != 2 || evs[0].To != 4 || refreshed != 1 {
		t.Fatalf("events %+v, refreshes %d", evs, refreshed)
	}
	if c.Len() != 4 {
		t.Fatalf("counters not grown: %d", c.Len())
	}
	tr.Routed(4)
	c.Ack(2, 1)
	tr.FirstAck(2)
	if tr.Events()[0].Done {
		t.Fatal("done with one of two new partitions acknowledged")
	}
	c.Ack(3, 1)
	tr.FirstAck(3)
	e := tr.Events()[0]
	if !e.Done || e.Pickup < 0 || e.Routed.IsZero() || e.FirstAck.Before(e.Seen) {
		t.Fatalf("expansion %+v", e)
	}
	if tr.PickingUp() {
		t.Fatal("still picking up")
	}

	tr.startAdd() // partop's own call: the watcher must not report it
	tr.Watched(make([]int32, 6), nil)
	tr.endAdd()
	if n := len(tr.Events()); n != 1 {
		t.Fatalf("%d events: the watcher reported partop's own change", n)
	}
}

// TestSettleMarksBalance: an expansion is balanced once every new
// partition carries 80% of its fair share.
func TestSettleMarksBalance(t *testing.T) {
	tr, _ := newTracker(2)
	tr.Expanded(2, 4, ByPartop, time.Now(), time.Now())
	now := time.Now()
	tr.Settle(now, []float64{0.3, 0.3, 0.3, 0.1}) // p3 at 40% of fair
	if !tr.Events()[0].Balanced.IsZero() {
		t.Fatal("balanced with a new partition at 40% of fair share")
	}
	tr.Settle(now.Add(time.Second), []float64{0.26, 0.26, 0.25, 0.23})
	if got := tr.Events()[0].Balanced; !got.Equal(now.Add(time.Second)) {
		t.Fatalf("balanced at %v", got)
	}
}

// TestLogVersionAndBound: Log hands out a copy only when something changed,
// and the log keeps the newest maxEvents.
func TestLogVersionAndBound(t *testing.T) {
	tr, _ := newTracker(1)
	tr.Note(KindInfo, "a")
	evs, v, changed := tr.Log(0)
	if !changed || len(evs) != 1 {
		t.Fatalf("first read: %v %v", evs, changed)
	}
	if _, v2, changed := tr.Log(v); changed || v2 != v {
		t.Fatal("unchanged log reported changed")
	}
	for i := range maxEvents + 10 {
		tr.Note(KindInfo, string(rune('a'+i%26)))
	}
	if n := len(tr.Events()); n != maxEvents {
		t.Fatalf("%d events kept, want %d", n, maxEvents)
	}
	tr.Watched(nil, errors.New("down"))
	tr.Watched(nil, errors.New("down"))
	if v := tr.View(); v.WatchError != "down" {
		t.Fatalf("watch error %q", v.WatchError)
	}
	tr.Watched([]int32{1}, nil)
	if v := tr.View(); v.WatchError != "" || v.Leaders[0] != 1 {
		t.Fatalf("view after recovery %+v", v)
	}
}
