package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"partop/engine"
	"partop/rules"
	"partop/source"
)

// consuming is the picked-up expansion with partop's consumer group beside
// the producer (it read the new partitions after skipping what was on
// them) and two more groups: one assigned them at its next poll, one whose
// classic leader has not refreshed its metadata yet.
func consuming() *fakeEngine {
	f := fixture(pickedUp, 8)
	s := *f.snap
	s.Group, s.GroupProtocol, s.GroupReset = "partop", rules.ProtocolConsumer, rules.ResetLatest
	reads := simulate(4, 8, testNow.Add(-6*time.Second), func(p int, _ time.Time) float64 { return 120 })
	s.Reads = reads
	created := s.Events[len(s.Events)-1].Created
	exp := s.Events[len(s.Events)-1]
	exp.Groups = []engine.GroupPickup{
		{Group: "billing", TargetAt: created.Add(4 * time.Second), AssignedAfter: created.Add(-time.Second), AssignedAt: created.Add(4 * time.Second),
			UnreadAtAssignment: 310, UnreadMax: 310},
		{Group: "partop", TargetAt: created.Add(1200 * time.Millisecond), AssignedAfter: created.Add(1200 * time.Millisecond), AssignedAt: created.Add(1200 * time.Millisecond),
			CommittedAfter: created.Add(2300 * time.Millisecond), CommittedAt: created.Add(2300 * time.Millisecond), Skipped: 142, SkippedKnown: true, SkippedExact: true},
		{Group: "reports"},
	}
	s.Events = append(append([]engine.Event(nil), s.Events[:len(s.Events)-1]...), exp)
	group := func(name, proto, state string, members int, newAssigned bool, lag int64) source.Group {
		g := source.Group{Name: name, Protocol: proto, State: state, Members: members}
		for p := range int32(8) {
			assigned := p < 4 || newAssigned
			gp := source.GroupPartition{Partition: p, Assigned: assigned, Target: assigned, Committed: 1000, End: 1000 + lag, Lag: lag}
			g.Partitions = append(g.Partitions, gp)
		}
		return g
	}
	s.Groups = source.Groups{At: testNow.Add(-2 * time.Second), List: []source.Group{
		group("billing", rules.ProtocolClassic, "Stable", 3, true, 12),
		group("partop", rules.ProtocolConsumer, "Stable", 1, true, 3),
		group("reports", rules.ProtocolClassic, "Stable", 2, false, 40),
	}}
	f.snap = &s
	return f
}

func TestConsumingScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := newTestModel(consuming(), size[0], size[1])
			out := screen(m)
			golden.RequireEqual(t, out)
			if size[0] >= 120 {
				for _, want := range []string{"READ/s", "LAG", "GROUPS", "skipped 142", "not assigned yet", "group partop"} {
					if !strings.Contains(out, want) {
						t.Errorf("%dx%d: no %q", size[0], size[1], want)
					}
				}
			}
		})
	}
}

// TestPickupText: what the groups panel says of one group's pickup, from
// exact figures (partop's own group) to a guess it names as one.
func TestPickupText(t *testing.T) {
	created := testNow
	ev := &engine.Event{Kind: engine.KindExpansion, From: 4, To: 8, Created: created}
	assigned, committed := created.Add(300*time.Millisecond), created.Add(1500*time.Millisecond)
	for _, tc := range []struct {
		pick engine.GroupPickup
		want string
	}{
		{engine.GroupPickup{}, "4→8 not assigned yet"},
		{engine.GroupPickup{AssignedAfter: assigned, AssignedAt: assigned, UnreadAtAssignment: -1}, "4→8 assigned +300ms"},
		{engine.GroupPickup{AssignedAfter: assigned, AssignedAt: assigned, CommittedAfter: committed, CommittedAt: committed, Skipped: 484, SkippedKnown: true, SkippedExact: true, UnreadAtAssignment: 480},
			"4→8 assigned +300ms · skipped 484 · committed +1.5s"},
		{engine.GroupPickup{AssignedAfter: assigned, AssignedAt: assigned, CommittedAfter: committed, CommittedAt: committed, SkippedKnown: true, SkippedExact: true, UnreadAtAssignment: 484},
			"4→8 assigned +300ms · skipped 0 of 484 · committed +1.5s"},
		{engine.GroupPickup{AssignedAfter: assigned, AssignedAt: assigned, SkippedKnown: true, SkippedExact: true, UnreadAtAssignment: 0}, "4→8 assigned +300ms · skipped none"},
		// an outside group timed by a burst: a narrow bracket, a value, a likely skip
		{engine.GroupPickup{AssignedAfter: created.Add(100 * time.Millisecond), AssignedAt: created.Add(320 * time.Millisecond),
			CommittedAfter: created.Add(time.Second), CommittedAt: committed, Skipped: 39, SkippedKnown: true, UnreadAtAssignment: 39, UnreadMin: 20, UnreadMax: 58, Narrow: true},
			"4→8 assigned +0.10–0.32s · likely skipped 39 · committed +1.00–1.50s"},
		{engine.GroupPickup{AssignedAfter: created.Add(100 * time.Millisecond), AssignedAt: created.Add(320 * time.Millisecond),
			UnreadAtAssignment: 39, UnreadMin: 20, UnreadMax: 58, Narrow: true},
			"4→8 assigned +0.10–0.32s · 39 unread at assignment (a latest group skips these)"},
		// seen only by the full poll: a wide bracket, a range, no claim
		{engine.GroupPickup{AssignedAfter: created.Add(-2 * time.Second), AssignedAt: created.Add(5100 * time.Millisecond),
			UnreadAtAssignment: 2120, UnreadMax: 2120},
			"4→8 assigned by +5.1s · up to 2.12k unread at assignment (a latest group skips these)"},
		{engine.GroupPickup{AssignedAfter: created.Add(2 * time.Second), AssignedAt: created.Add(5100 * time.Millisecond),
			UnreadAtAssignment: 2120, UnreadMin: 800, UnreadMax: 2120},
			"4→8 assigned by +5.1s · 800–2.12k unread at assignment (a latest group skips these)"},
	} {
		tc.pick.Group = "g"
		ev.Groups = []engine.GroupPickup{tc.pick}
		st := DefaultStyles(true)
		if got := ansi.Strip(pickupText(ev, "g", &st)); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.pick, got, tc.want)
		}
	}
}
