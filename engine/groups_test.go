package engine_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"partop/engine"
	"partop/rules"
	"partop/source"
	"partop/source/sourcetest"
	"partop/stats"
)

// pickup is group's pickup of the only expansion in eng's log.
func pickup(t *testing.T, eng *engine.Engine, group string) engine.GroupPickup {
	t.Helper()
	e := expansions(eng.Snapshot())
	if len(e) != 1 {
		t.Fatalf("%d expansions", len(e))
	}
	for _, g := range e[0].Groups {
		if g.Group == group {
			return g
		}
	}
	t.Fatalf("no pickup for %s in %+v", group, e[0].Groups)
	return engine.GroupPickup{}
}

// TestOwnGroupPickupIsExact: partop's own consumer reports its assignment,
// first fetches and first commits; the expansion carries them to the
// instant, and the skipped count is exactly the first fetched offsets.
func TestOwnGroupPickupIsExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		cons := sourcetest.NewSource(4, source.About{})
		eng, _ := running(t, src, engine.Config{Consumer: cons})
		<-cons.Started()
		cons.Report(source.ConsumerStarted{Group: "partop", Protocol: rules.ProtocolConsumer, Reset: rules.ResetLatest})
		cons.Report(source.Assigned{Partitions: []int32{0, 1, 2, 3}})
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		time.Sleep(1200 * time.Millisecond) // the next heartbeat brings the new partitions
		cons.Report(source.Assigned{Partitions: []int32{4, 5}})
		time.Sleep(5 * time.Millisecond)
		cons.Report(source.EndsAtAssignment{Ends: map[int32]int64{4: 110, 5: 75}})
		time.Sleep(95 * time.Millisecond)
		cons.Report(source.FirstFetch{Partition: 4, Offset: 120, At: time.Now()})
		cons.Report(source.FirstFetch{Partition: 5, Offset: 80, At: time.Now()})
		time.Sleep(900 * time.Millisecond)
		cons.Report(source.Committed{Partition: 4, Offset: 300, At: time.Now()})
		time.Sleep(50 * time.Millisecond)
		cons.Report(source.Committed{Partition: 5, Offset: 250, At: time.Now()})
		time.Sleep(time.Second)
		p := pickup(t, eng, "partop")
		if p.AssignedAt.Sub(t0) != 1200*time.Millisecond || p.CommittedAt.Sub(t0) != 2250*time.Millisecond ||
			!p.AssignedAfter.Equal(p.AssignedAt) || !p.CommittedAfter.Equal(p.CommittedAt) {
			t.Fatalf("assigned +%s, first commit +%s; want +1.2s, +2.25s", p.AssignedAt.Sub(t0), p.CommittedAt.Sub(t0))
		}
		if !p.SkippedExact || p.Skipped != 200 {
			t.Fatalf("skipped %d (exact %v), want exactly 200 (120 + 80 records before the first fetches)", p.Skipped, p.SkippedExact)
		}
		if p.UnreadAtAssignment != 185 {
			t.Fatalf("unread at assignment %d, want 185 (110 + 75, the ends its consumer saw when assigned)", p.UnreadAtAssignment)
		}
		if s := eng.Snapshot(); s.Group != "partop" || s.GroupProtocol != rules.ProtocolConsumer || s.GroupReset != rules.ResetLatest {
			t.Fatalf("header group %q %q %q", s.Group, s.GroupProtocol, s.GroupReset)
		}
	})
}

// group is a polled group with partitions 0..n-1 assigned and the given
// commits and end offsets on the new ones.
func group(name string, n int, assigned bool, commits, ends map[int32]int64) source.Group {
	g := source.Group{Name: name, Protocol: rules.ProtocolClassic, State: "Stable", Members: 1}
	for p := range int32(n) {
		c, ok := commits[p]
		if !ok {
			c = -1
		}
		end, ok := ends[p]
		if !ok {
			end = 1000
		}
		g.Partitions = append(g.Partitions, source.GroupPartition{Partition: p, Assigned: assigned || p < 4, Target: assigned || p < 4, Committed: c, End: end})
	}
	return g
}

// TestPolledGroupPickup: a group the poll sees assigned the new partitions
// is timed to the poll; where the poll cannot date records, the new
// partitions' end offsets then are what it had not read; with a bracket
// as wide as the poll's interval, a first commit at or above them says
// nothing of skipping. A group never assigned them stays pending.
func TestPolledGroupPickup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		polls := sourcetest.NewSource(4, source.About{})
		eng, _ := running(t, src, engine.Config{Groups: polls})
		<-polls.Started()
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2}); err != nil {
			t.Fatal(err)
		}
		seen := func(gs ...source.Group) {
			polls.Report(source.GroupsSeen{Groups: source.Groups{At: time.Now(), List: gs}})
		}
		time.Sleep(5 * time.Second)
		seen(group("billing", 6, false, nil, nil), group("audit", 6, false, nil, nil))
		time.Sleep(5 * time.Second)
		assigned := time.Now()
		seen(group("billing", 6, true, nil, map[int32]int64{4: 50, 5: 60}), group("audit", 6, false, nil, nil))
		time.Sleep(5 * time.Second)
		seen(group("billing", 6, true, map[int32]int64{4: 55, 5: 61}, map[int32]int64{4: 55, 5: 61}), group("audit", 6, false, nil, nil))
		time.Sleep(time.Second)
		b := pickup(t, eng, "billing")
		if !b.AssignedAt.Equal(assigned) || b.UnreadAtAssignment != 110 || b.CommittedAt.Sub(assigned) != 5*time.Second {
			t.Fatalf("billing %+v: want assigned at the second poll with 110 unread, first commit a poll later", b)
		}
		if b.SkippedKnown || b.Narrow {
			t.Fatalf("billing skipped %d known %v: assigned within a 5 s bracket, it is not said to have skipped anything", b.Skipped, b.SkippedKnown)
		}
		if a := pickup(t, eng, "audit"); !a.AssignedAt.IsZero() || a.SkippedKnown {
			t.Fatalf("audit %+v: never assigned the new partitions, so pending", a)
		}
		// billing's assignment is recorded once, though its pickup changed
		// after it; audit's is not recorded at all.
		x := expansions(eng.Snapshot())[0]
		want := []engine.Pickup{{ID: 1, Expansion: x.ID, By: engine.ByPartop, Group: "billing", Latency: assigned.Sub(x.Start())}}
		if ps := eng.Snapshot().PickupsSince(0); !slices.Equal(ps, want) {
			t.Fatalf("pickups %+v, want %+v", ps, want)
		}
		if gs := eng.Snapshot().Groups; len(gs.List) != 2 {
			t.Fatalf("groups %+v", gs)
		}
	})
}

// TestFirstWriteDatesTheFleetPickup: the new partitions' first records as
// they date themselves give the expansion's FirstWrite, the latest of
// them, and whether the broker stamped them.
func TestFirstWriteDatesTheFleetPickup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSource(2, source.About{Stepped: true})
		eng, _ := running(t, src, engine.Config{})
		src.Report(source.Metadata{Leaders: make([]int32, 4)})
		t0 := time.Now()
		src.Report(source.FirstWrite{Partition: 2, At: t0.Add(-300 * time.Millisecond)})
		time.Sleep(time.Second)
		if e := expansions(eng.Snapshot()); len(e) != 1 || !e[0].FirstWrite.IsZero() {
			t.Fatalf("first write with one of two partitions: %+v", e)
		}
		src.Report(source.FirstWrite{Partition: 3, At: t0.Add(-250 * time.Millisecond), LogAppendTime: true})
		time.Sleep(time.Second)
		e := expansions(eng.Snapshot())[0]
		if !e.FirstWrite.Equal(t0.Add(-250*time.Millisecond)) || !e.LogAppendTime {
			t.Fatalf("first write %v (log append %v), want t0-250ms, true", e.FirstWrite.Sub(t0), e.LogAppendTime)
		}
	})
}

// wakingPoll is a groups poll that counts the engine's Wakes.
type wakingPoll struct {
	*sourcetest.Source
	woken atomic.Int32
}

func (w *wakingPoll) Wake() { w.woken.Add(1) }

// TestOwnAssignmentWakesTheGroupsPoll: partop's consumer being assigned
// partitions makes the engine ask the groups poll for a poll at once, so
// the groups panel does not say "no consumer group" for up to an interval
// after partop's own group is up.
func TestOwnAssignmentWakesTheGroupsPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		cons := sourcetest.NewSource(4, source.About{})
		polls := &wakingPoll{Source: sourcetest.NewSource(4, source.About{})}
		_, _ = running(t, src, engine.Config{Consumer: cons, Groups: polls})
		<-cons.Started()
		cons.Report(source.ConsumerStarted{Group: "partop", Protocol: rules.ProtocolConsumer, Reset: rules.ResetEarliest})
		polls.Report(source.GroupsSeen{}) // a poll's facts wake nothing
		if n := polls.woken.Load(); n != 0 {
			t.Fatalf("%d wakes before any assignment", n)
		}
		cons.Report(source.Assigned{Partitions: []int32{0, 1, 2, 3}})
		if n := polls.woken.Load(); n != 1 {
			t.Fatalf("%d wakes after partop's consumer was assigned, want 1", n)
		}
	})
}

// TestOwnGroupSharedWithAnotherMember: when partop's group has another
// member (a second partop with the same --group), partop's consumer holds
// only some new partitions and starts others from the other member's
// commits: the group's assignment comes from the poll, and the skipped
// count is not called exact.
func TestOwnGroupSharedWithAnotherMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		cons := sourcetest.NewSource(4, source.About{})
		polls := sourcetest.NewSource(4, source.About{})
		eng, _ := running(t, src, engine.Config{Consumer: cons, Groups: polls})
		<-cons.Started()
		<-polls.Started()
		cons.Report(source.ConsumerStarted{Group: "shared", Protocol: rules.ProtocolConsumer, Reset: rules.ResetLatest})
		cons.Report(source.Assigned{Partitions: []int32{0, 1, 2, 3}})
		cons.Report(source.Revoked{Partitions: []int32{2, 3}}) // the other member joined
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		cons.Report(source.Assigned{Partitions: []int32{4}}) // the other member got 5
		cons.Report(source.FirstFetch{Partition: 4, Offset: 30, At: time.Now()})
		time.Sleep(time.Second)
		if p := pickup(t, eng, "shared"); !p.AssignedAt.IsZero() {
			t.Fatalf("assigned at %v with partition 5 on another member: the group's assignment is the poll's to say", p.AssignedAt)
		}
		polled := time.Now()
		polls.Report(source.GroupsSeen{Groups: source.Groups{At: polled, List: []source.Group{group("shared", 6, true, nil, map[int32]int64{4: 30, 5: 40})}}})
		time.Sleep(time.Second)
		cons.Report(source.Revoked{Partitions: []int32{0, 1}})
		cons.Report(source.Assigned{Partitions: []int32{5}}) // the other member left
		cons.Report(source.FirstFetch{Partition: 5, Offset: 900, At: time.Now(), FromCommit: true})
		time.Sleep(time.Second)
		p := pickup(t, eng, "shared")
		if !p.AssignedAt.Equal(polled) || p.SkippedExact {
			t.Fatalf("pickup %+v: want assigned at the poll, and no exact skipped count (5 started at the other member's commit)", p)
		}
	})
}

// burstingPoll is a groups poll that keeps the engine's Burst calls.
type burstingPoll struct {
	*sourcetest.Source
	mu     sync.Mutex
	bursts [][2]int
}

func (b *burstingPoll) Burst(from, to int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bursts = append(b.bursts, [2]int{from, to})
}

// TestPolledGroupBracket: an expansion makes the engine ask the groups
// poll to burst; each group's assignment is bracketed by the last look
// that did not see it and the first that did (a burst's looks, which
// say nothing of commits, or a full poll's), its first commit by full
// polls only; a group first heard of after the expansion starts its
// bracket at the last full poll before, or when partop asked for the
// partitions, whichever is later; a look arriving late does not widen a
// bracket.
func TestPolledGroupBracket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		src.GrowTakes = 50 * time.Millisecond
		polls := &burstingPoll{Source: sourcetest.NewSource(4, source.About{})}
		eng, _ := running(t, src, engine.Config{Groups: polls})
		<-polls.Started()
		full := func(asked time.Time, gs ...source.Group) {
			polls.Report(source.GroupsSeen{Groups: source.Groups{Asked: asked, At: time.Now(), List: gs}})
		}
		burst := func(asked time.Time, gs ...source.Group) {
			for i := range gs {
				gs[i].Partitions = slices.DeleteFunc(gs[i].Partitions, func(p source.GroupPartition) bool { return p.Partition < 4 || !p.Assigned })
				for j := range gs[i].Partitions {
					gs[i].Partitions[j].Committed, gs[i].Partitions[j].End = -1, -1
				}
			}
			polls.Report(source.AssignmentsSeen{Groups: source.Groups{Asked: asked, At: time.Now(), List: gs}})
		}
		asked := time.Now()
		time.Sleep(10 * time.Millisecond)
		full(asked, group("billing", 4, true, nil, nil))
		time.Sleep(3 * time.Second)
		t0 := time.Now()
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2}); err != nil {
			t.Fatal(err)
		}
		polls.mu.Lock()
		if !slices.Equal(polls.bursts, [][2]int{{4, 6}}) {
			t.Fatalf("bursts %v, want one over 4..5", polls.bursts)
		}
		polls.mu.Unlock()
		look := func(d time.Duration, f func(time.Time, ...source.Group), gs ...source.Group) (asked, at time.Time) {
			asked = time.Now()
			time.Sleep(d)
			f(asked, gs...)
			return asked, time.Now()
		}
		lastNot, _ := look(10*time.Millisecond, burst, group("billing", 6, false, nil, nil))
		time.Sleep(190 * time.Millisecond)
		lastNot, _ = look(10*time.Millisecond, burst, group("billing", 6, false, nil, nil))
		time.Sleep(190 * time.Millisecond)
		denied := group("billing", 6, false, nil, nil)
		denied.Err = "describing: denied"
		look(10*time.Millisecond, burst, denied) // says nothing of its assignment
		time.Sleep(190 * time.Millisecond)
		_, first := look(10*time.Millisecond, burst, group("billing", 6, true, nil, nil))
		// a full poll asked before the burst's first look that saw it,
		// answering after: it changes nothing
		full(lastNot.Add(-time.Second), group("billing", 6, false, nil, nil))
		time.Sleep(time.Second) // the next snapshot
		b := pickup(t, eng, "billing")
		if !b.AssignedAfter.Equal(lastNot) || !b.AssignedAt.Equal(first) {
			t.Fatalf("billing assigned +%s..+%s, want +%s..+%s", b.AssignedAfter.Sub(t0), b.AssignedAt.Sub(t0), lastNot.Sub(t0), first.Sub(t0))
		}
		if !b.CommittedAt.IsZero() || b.UnreadAtAssignment >= 0 {
			t.Fatalf("billing %+v: a burst says nothing of commits or end offsets", b)
		}
		time.Sleep(3 * time.Second)
		notCommitted, _ := look(20*time.Millisecond, full,
			group("billing", 6, true, nil, map[int32]int64{4: 50, 5: 60}), group("late", 6, true, nil, nil))
		time.Sleep(5 * time.Second)
		_, committed := look(20*time.Millisecond, full,
			group("billing", 6, true, map[int32]int64{4: 70, 5: 80}, map[int32]int64{4: 70, 5: 80}), group("late", 6, true, nil, nil))
		time.Sleep(time.Second)
		b = pickup(t, eng, "billing")
		if !b.CommittedAfter.Equal(notCommitted) || !b.CommittedAt.Equal(committed) || b.UnreadAtAssignment != 110 {
			t.Fatalf("billing committed +%s..+%s, unread %d; want +%s..+%s, 110 (the ends the first full look after the assignment knew)",
				b.CommittedAfter.Sub(t0), b.CommittedAt.Sub(t0), b.UnreadAtAssignment, notCommitted.Sub(t0), committed.Sub(t0))
		}
		// late was first heard of at a full poll: not listed before, so
		// not assigned when partop asked for the partitions
		if l := pickup(t, eng, "late"); !l.AssignedAfter.Equal(t0) || l.AssignedAt.Sub(notCommitted) != 20*time.Millisecond {
			t.Fatalf("late assigned +%s..+%s, want +0s..+%s", l.AssignedAfter.Sub(t0), l.AssignedAt.Sub(t0), notCommitted.Add(20*time.Millisecond).Sub(t0))
		}
		x := expansions(eng.Snapshot())[0]
		if ps := eng.Snapshot().PickupsSince(0); len(ps) != 2 || ps[0].Group != "billing" || ps[0].Latency != first.Sub(x.Start()) {
			t.Fatalf("pickups %+v: want billing's recorded at its bracket's end", ps)
		}
	})
}

// datingPoll is a groups poll that bursts and dates: it keeps the times
// the engine asks end offsets at.
type datingPoll struct {
	burstingPoll
	asked []time.Time
}

func (d *datingPoll) AskEndsAt(at time.Time, parts []int32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if slices.Equal(parts, []int32{4, 5}) {
		d.asked = append(d.asked, at)
	}
}

// lookWithout reports a burst look, asked at asked, that saw group
// billing without the new partitions.
func lookWithout(polls *datingPoll, asked time.Time) {
	polls.Report(source.AssignmentsSeen{Groups: source.Groups{Asked: asked, At: asked.Add(5 * time.Millisecond),
		List: []source.Group{{Name: "billing", Protocol: rules.ProtocolClassic}}}})
}

// lookWith reports a burst look, asked now, that saw billing assigned the
// new partitions 4 and 5; it returns when the look was done.
func lookWith(polls *datingPoll) time.Time {
	g := group("billing", 6, true, nil, nil)
	g.Partitions = g.Partitions[4:]
	seen := time.Now().Add(5 * time.Millisecond)
	polls.Report(source.AssignmentsSeen{Groups: source.Groups{Asked: time.Now(), At: seen, List: []source.Group{g}}})
	return seen
}

// answerDated answers every time the engine asked end offsets at: with
// atNotYet and atSeen at the bracket's ends, nothing at any other.
func (d *datingPoll) answerDated(notYet, seen time.Time, atNotYet, atSeen map[int32]int64) {
	d.mu.Lock()
	asked := slices.Clone(d.asked)
	d.mu.Unlock()
	for _, at := range asked {
		ends := map[int32]int64{4: 0, 5: 0}
		switch {
		case at.Equal(notYet):
			ends = atNotYet
		case at.Equal(seen):
			ends = atSeen
		}
		d.Report(source.EndsAt{At: at, Ends: ends})
	}
}

// expandedBesideDating runs an engine over a 4-partition sender beside a
// groups poll that bursts and dates, with group billing on the 4
// partitions; 2 s in, partop adds 2 (at t0), and 10 ms pass.
func expandedBesideDating(t *testing.T) (*sourcetest.Sender, *datingPoll, *engine.Engine, time.Time) {
	t.Helper()
	src := sourcetest.NewSender(4, 1000, source.About{})
	polls := &datingPoll{burstingPoll: burstingPoll{Source: sourcetest.NewSource(4, source.About{})}}
	eng, _ := running(t, src, engine.Config{Groups: polls})
	<-polls.Started()
	polls.Report(source.GroupsSeen{Groups: source.Groups{Asked: time.Now(), At: time.Now(), List: []source.Group{group("billing", 4, true, nil, nil)}}})
	time.Sleep(2 * time.Second)
	t0 := time.Now()
	if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	return src, polls, eng, t0
}

// TestUnreadFromDatedEnds: where the groups poll dates records, the
// engine asks for the new partitions' end offsets at both ends of each
// group's assignment bracket and takes what was unread at assignment
// from them: a narrow bracket gives a value (the middle) and allows
// "likely skipped"; a wide one gives a range, its top as the value, and
// no claim about skipping.
func TestUnreadFromDatedEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, polls, eng, t0 := expandedBesideDating(t)
		notYet := time.Now()
		lookWithout(polls, notYet)
		time.Sleep(200 * time.Millisecond)
		seen := lookWith(polls)
		time.Sleep(5 * time.Second)
		fullAt := time.Now().Add(10 * time.Millisecond)
		polls.Report(source.GroupsSeen{Groups: source.Groups{Asked: time.Now(), At: fullAt, List: []source.Group{
			group("billing", 6, true, map[int32]int64{4: 145, 5: 145}, nil), group("late", 6, true, map[int32]int64{4: 90, 5: 90}, nil)}}})
		polls.mu.Lock()
		asked := slices.Clone(polls.asked)
		polls.mu.Unlock()
		want := []time.Time{t0, notYet, seen, fullAt}
		slices.SortFunc(asked, time.Time.Compare)
		if !slices.EqualFunc(asked, want, time.Time.Equal) {
			t.Fatalf("asked end offsets at %v, want at %v (each bracket's ends, once each)", asked, want)
		}
		polls.Report(source.EndsAt{At: notYet, Ends: map[int32]int64{4: 100, 5: 102}})
		polls.Report(source.EndsAt{At: seen, Ends: map[int32]int64{4: 110, 5: 108}})
		polls.Report(source.EndsAt{At: t0, Ends: map[int32]int64{4: 0, 5: 0}})
		polls.Report(source.EndsAt{At: fullAt, Ends: map[int32]int64{4: 700, 5: 800}})
		time.Sleep(time.Second)
		b := pickup(t, eng, "billing")
		if !b.Narrow || b.UnreadMin != 202 || b.UnreadMax != 218 || b.UnreadAtAssignment != 210 {
			t.Fatalf("billing unread %d (%d..%d, narrow %v), want 210, the middle of 202..218", b.UnreadAtAssignment, b.UnreadMin, b.UnreadMax, b.Narrow)
		}
		if !b.SkippedKnown || b.SkippedExact || b.Skipped != 210 {
			t.Fatalf("billing skipped %d (known %v): its first commits are above what was there: likely 210", b.Skipped, b.SkippedKnown)
		}
		l := pickup(t, eng, "late")
		if l.Narrow || l.UnreadMin != 0 || l.UnreadMax != 1500 || l.UnreadAtAssignment != 1500 || l.SkippedKnown {
			t.Fatalf("late %+v: a 5 s bracket gives 0..1500 and no claim of skipping", l)
		}
	})
}

// TestUnreadRangeWhereWide: a narrow bracket whose ends differ by more
// than a fifth of their middle (and 20 records) gives a range, not a
// value: the middle would be more precise than what partop knows.
func TestUnreadRangeWhereWide(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, polls, eng, _ := expandedBesideDating(t)
		notYet := time.Now()
		lookWithout(polls, notYet)
		time.Sleep(100 * time.Millisecond)
		seen := lookWith(polls)
		time.Sleep(3 * time.Second)
		polls.answerDated(notYet, seen, map[int32]int64{4: 10, 5: 12}, map[int32]int64{4: 30, 5: 28})
		time.Sleep(time.Second)
		b := pickup(t, eng, "billing")
		if b.Narrow || b.UnreadMin != 22 || b.UnreadMax != 58 || b.UnreadAtAssignment != 58 {
			t.Fatalf("billing unread %d (%d..%d, narrow %v), want up to 58 (22..58, not narrow: its middle, 40, is 18 from either end)",
				b.UnreadAtAssignment, b.UnreadMin, b.UnreadMax, b.Narrow)
		}
	})
}

// TestUnreadFloorFromAcks: records stamped before a time were not all
// readable then (a new partition's followers lag right after it is
// added), acknowledged ones were (acks=all). Where partop's producer had
// heard fewer acknowledged by a bracket's start than the records' times
// count there, the range starts at what it had heard.
func TestUnreadFloorFromAcks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, polls, eng, _ := expandedBesideDating(t)
		ack := func(offset int64) {
			for _, p := range []int32{4, 5} {
				src.Counters().LogAck(p, offset)
			}
		}
		ack(0)      // the log's sampler notes every 10 ms from now
		go func() { // offset k acknowledged at +(10k-5) ms
			time.Sleep(5 * time.Millisecond)
			for k := int64(1); k <= 40; k++ {
				ack(k)
				time.Sleep(10 * time.Millisecond)
			}
		}()
		time.Sleep(105 * time.Millisecond)
		notYet := time.Now() // +105 ms: noted at +100 ms, offsets up to 10: 11 records each
		lookWithout(polls, notYet)
		time.Sleep(100 * time.Millisecond)
		seen := lookWith(polls)
		time.Sleep(3 * time.Second)
		polls.answerDated(notYet, seen, map[int32]int64{4: 18, 5: 18}, map[int32]int64{4: 40, 5: 40}) // at notYet: stamped by then
		time.Sleep(time.Second)
		b := pickup(t, eng, "billing")
		if b.Narrow || b.UnreadMin != 22 || b.UnreadMax != 80 || b.UnreadAtAssignment != 80 {
			t.Fatalf("billing unread %d (%d..%d, narrow %v), want up to 80 (22..80): 11 records a partition were acknowledged by the bracket's start, not the 18 stamped",
				b.UnreadAtAssignment, b.UnreadMin, b.UnreadMax, b.Narrow)
		}
		time.Sleep(stats.AckLogFor) // the log's sampler stops: the bubble ends only then
	})
}

// TestUnreadCountsOnlyLandedRecords: a by-timestamp answer counts records
// partop's producer stamped before a time and could land only later (on
// Kafka, a new partition's leader refuses them for about half a second).
// Where partop's producer wrote a new partition's first record, at offset
// 0, the partition was empty until that record's acknowledgement, less
// engine.LandingSlack: the ends there are 0, whatever the records' times;
// and where it became readable within the assignment's bracket, the
// count is a range (nothing before, the backlog after), not a value,
// however narrow the bracket.
func TestUnreadCountsOnlyLandedRecords(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, polls, eng, _ := expandedBesideDating(t)
		first := func(p int32) {
			src.Ack(p, 1)
			src.Counters().SetFirstOffset(p, 0)
		}
		notYet := time.Now() // the bracket: notYet .. notYet+105ms
		lookWithout(polls, notYet)
		time.Sleep(65 * time.Millisecond)
		first(5) // readable by +65 ms: inside the bracket
		time.Sleep(35 * time.Millisecond)
		seen := lookWith(polls)
		time.Sleep(100 * time.Millisecond)
		first(4) // well after the bracket
		time.Sleep(3 * time.Second)
		polls.answerDated(notYet, seen, map[int32]int64{4: 10, 5: 12}, map[int32]int64{4: 30, 5: 28}) // at notYet: stamped before, landed after
		time.Sleep(time.Second)
		b := pickup(t, eng, "billing")
		// partition 4: empty at both ends (0..0); partition 5: empty at
		// the first, 28 at the second: 0..28, a range, its top the value
		if b.Narrow || b.UnreadMin != 0 || b.UnreadMax != 28 || b.UnreadAtAssignment != 28 {
			t.Fatalf("billing unread %d (%d..%d, narrow %v), want up to 28 (0..28, not narrow): records stamped before a look but readable only after it were not there then",
				b.UnreadAtAssignment, b.UnreadMin, b.UnreadMax, b.Narrow)
		}
		if !b.AssignedAt.Equal(seen) || b.AssignedAt.Sub(b.AssignedAfter) > 200*time.Millisecond {
			t.Fatalf("billing assigned %v..%v: the bracket itself stays as the looks saw it", b.AssignedAfter, b.AssignedAt)
		}
	})
}
