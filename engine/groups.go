package engine

import (
	"cmp"
	"slices"
	"time"

	"partop/source"
)

// GroupPickup is what one consumer group made of an expansion's new
// partitions: when they were in its target assignment and in a member's
// assignment, when it first committed on all of them, how many records
// were on them when it was assigned them, and how many it skipped.
//
// An outside observer (the groups poll) knows assignment and commits only
// to its poll interval; partop's own group reports its own exactly.
type GroupPickup struct {
	Group         string
	TargetAt      time.Time // all new partitions in the target assignment (KIP-848); zero: not yet
	AssignedAt    time.Time // all new partitions assigned to members; zero: pending
	FirstCommitAt time.Time // a commit on every new partition; zero: not yet
	// UnreadAtAssignment is the new partitions' end offsets when the group
	// was assigned them: what a group that resets to latest skips. -1:
	// not known.
	UnreadAtAssignment int64
	// Skipped is how many records on the new partitions the group did not
	// read, when known (SkippedKnown): exactly for partop's own group
	// (SkippedExact, from its first fetched offsets), or likely for a
	// group whose first commits were at or above the end offsets at its
	// assignment.
	Skipped                    int64
	SkippedKnown, SkippedExact bool
}

// groupWatch follows the groups' pickups of one expansion.
type groupWatch struct {
	ev     *Event
	groups map[string]*groupState
}

// groupState is one group's progress on an expansion's new partitions.
type groupState struct {
	pick       GroupPickup
	recorded   bool            // its assignment is in the topic's pickups
	endAtAssig map[int32]int64 // end offsets when assigned
	firstFetch map[int32]int64 // partop's own group: first fetched offsets
	commits    map[int32]commit
}

type commit struct {
	offset int64
	at     time.Time
}

// own is what partop's own consumer reported: its group, the partitions
// it has now, and each partition's end offset when it was assigned, first
// fetch and first commit (kept for an expansion recorded after them).
type own struct {
	group, protocol, reset string
	assigned               map[int32]bool
	endAtAssig             map[int32]int64
	firstFetch             map[int32]int64
	commits                map[int32]commit
}

// watchGroups starts following the groups' pickups of e, from what
// partop's own consumer already did on its partitions.
func (t *topic) watchGroups(now time.Time, e *Event) {
	w := &groupWatch{ev: e, groups: map[string]*groupState{}}
	t.groupWatches = append(t.groupWatches, w)
	if t.own.group == "" {
		return
	}
	st := w.state(t.own.group)
	parts := newParts(e)
	if t.ownHas(parts) {
		st.pick.AssignedAt, st.pick.TargetAt = now, now
	}
	for _, p := range parts {
		if end, ok := t.own.endAtAssig[p]; ok {
			st.endAtAssig[p] = end
		}
		if off, ok := t.own.firstFetch[p]; ok {
			st.firstFetch[p] = off
		}
		if c, ok := t.own.commits[p]; ok {
			st.commits[p] = c
		}
	}
	st.settle(parts)
	t.publishGroups(w)
}

func (w *groupWatch) state(group string) *groupState {
	g := w.groups[group]
	if g == nil {
		g = &groupState{pick: GroupPickup{Group: group, UnreadAtAssignment: -1},
			endAtAssig: map[int32]int64{}, firstFetch: map[int32]int64{}, commits: map[int32]commit{}}
		w.groups[group] = g
	}
	return g
}

// newParts are the partitions e added.
func newParts(e *Event) []int32 {
	out := make([]int32, 0, e.To-e.From)
	for p := e.From; p < e.To; p++ {
		out = append(out, int32(p))
	}
	return out
}

// groupsSeen takes a groups poll: each group's target, assignment, commits
// and end offsets as of gs.At.
func (t *topic) groupsSeen(gs source.Groups) {
	t.groups = gs
	for _, w := range t.groupWatches {
		parts := newParts(w.ev)
		changed := false
		for _, g := range gs.List {
			// partop's own group too: its consumer's exact facts cover only
			// the partitions it holds, the poll the whole group's.
			_, known := w.groups[g.Name]
			if st := w.state(g.Name); st.observe(g, parts, gs.At) || !known {
				changed = true
			}
		}
		if changed {
			t.publishGroups(w)
			t.log.changed()
		}
	}
}

// observe takes one group as a poll at at saw it; it reports a change.
func (st *groupState) observe(g source.Group, parts []int32, at time.Time) bool {
	// g.Partitions are ascending: a few lookups, no index of thousands.
	find := func(p int32) (source.GroupPartition, bool) {
		i, ok := slices.BinarySearchFunc(g.Partitions, p, func(gp source.GroupPartition, p int32) int { return cmp.Compare(gp.Partition, p) })
		if !ok {
			return source.GroupPartition{}, false
		}
		return g.Partitions[i], true
	}
	all := func(ok func(source.GroupPartition) bool) bool {
		for _, p := range parts {
			if gp, found := find(p); !found || !ok(gp) {
				return false
			}
		}
		return true
	}
	changed := false
	if st.pick.TargetAt.IsZero() && all(func(p source.GroupPartition) bool { return p.Target }) {
		st.pick.TargetAt, changed = at, true
	}
	if st.pick.AssignedAt.IsZero() && all(func(p source.GroupPartition) bool { return p.Assigned }) {
		st.pick.AssignedAt, changed = at, true
		st.pick.UnreadAtAssignment = 0
		for _, p := range parts {
			gp, _ := find(p)
			end := gp.End
			if end < 0 {
				st.pick.UnreadAtAssignment = -1
				break
			}
			st.endAtAssig[p] = end
			st.pick.UnreadAtAssignment += end
		}
	}
	for _, p := range parts {
		if gp, ok := find(p); ok && gp.Committed >= 0 {
			if _, seen := st.commits[p]; !seen {
				st.commits[p] = commit{offset: gp.Committed, at: at}
				changed = true
			}
		}
	}
	return st.settle(parts) || changed
}

// settle completes what the group's facts decide: the first commit on
// every new partition, and the skipped count. It reports a change.
func (st *groupState) settle(parts []int32) bool {
	changed := false
	if st.pick.UnreadAtAssignment < 0 && !st.pick.AssignedAt.IsZero() && len(st.endAtAssig) == len(parts) {
		var n int64 // partop's own group: its consumer asked when assigned
		for _, end := range st.endAtAssig {
			n += end
		}
		st.pick.UnreadAtAssignment, changed = n, true
	}
	if st.pick.FirstCommitAt.IsZero() && len(st.commits) == len(parts) {
		var last time.Time
		for _, c := range st.commits {
			last = maxTime(last, c.at)
		}
		st.pick.FirstCommitAt, changed = last, true
	}
	if !st.pick.SkippedExact && len(st.firstFetch) == len(parts) {
		var n int64
		for _, off := range st.firstFetch {
			n += off // new partitions start at 0: every record before the first fetched one was skipped
		}
		st.pick.Skipped, st.pick.SkippedKnown, st.pick.SkippedExact, changed = n, true, true, true
	}
	if !st.pick.SkippedKnown && !st.pick.AssignedAt.IsZero() && st.pick.UnreadAtAssignment >= 0 && len(st.commits) == len(parts) {
		likely := true
		for p, c := range st.commits {
			likely = likely && c.offset >= st.endAtAssig[p]
		}
		if likely { // it committed past everything there at assignment: likely never read it
			st.pick.Skipped, st.pick.SkippedKnown, changed = st.pick.UnreadAtAssignment, true, true
		}
	}
	return changed
}

// publishGroups copies the groups' pickups into the event, by group name,
// and records each group's assignment of the new partitions once.
func (t *topic) publishGroups(w *groupWatch) {
	names := make([]string, 0, len(w.groups))
	for n := range w.groups {
		names = append(names, n)
	}
	slices.Sort(names)
	w.ev.Groups = w.ev.Groups[:0:0]
	for _, n := range names {
		st := w.groups[n]
		w.ev.Groups = append(w.ev.Groups, st.pick)
		if !st.recorded && !st.pick.AssignedAt.IsZero() {
			st.recorded = true
			t.pickups.add(w.ev, n, st.pick.AssignedAt.Sub(w.ev.Start()))
		}
	}
}

// ownFact takes a fact from partop's own consumer at now.
func (t *topic) ownFact(now time.Time, f source.Fact) {
	switch f := f.(type) {
	case source.ConsumerStarted:
		t.own.group, t.own.protocol, t.own.reset = f.Group, f.Protocol, f.Reset
		t.note(now, KindInfo, "consumer group "+f.Group+" up ("+f.Protocol+" protocol, reset "+f.Reset+")")
		return
	case source.Assigned:
		for _, p := range f.Partitions {
			t.own.assigned[p] = true
		}
	case source.Revoked:
		for _, p := range f.Partitions {
			delete(t.own.assigned, p)
		}
	case source.EndsAtAssignment:
		for p, end := range f.Ends {
			if _, seen := t.own.endAtAssig[p]; !seen {
				t.own.endAtAssig[p] = end
			}
		}
	case source.FirstFetch:
		if !f.FromCommit { // a start at a commit says nothing of what was skipped
			t.own.firstFetch[f.Partition] = f.Offset
		}
	case source.Committed:
		if _, seen := t.own.commits[f.Partition]; !seen {
			t.own.commits[f.Partition] = commit{offset: f.Offset, at: f.At}
		}
	}
	if t.own.group == "" {
		return
	}
	for _, w := range t.groupWatches {
		parts := newParts(w.ev)
		st := w.state(t.own.group)
		changed := false
		switch f := f.(type) {
		case source.Assigned:
			if st.pick.AssignedAt.IsZero() && t.ownHas(parts) {
				st.pick.AssignedAt, st.pick.TargetAt, changed = now, now, true
			}
		case source.EndsAtAssignment:
			for p, end := range f.Ends {
				if _, seen := st.endAtAssig[p]; inRange(p, w.ev) && !seen {
					st.endAtAssig[p], changed = end, true
				}
			}
		case source.FirstFetch:
			if inRange(f.Partition, w.ev) && !f.FromCommit {
				st.firstFetch[f.Partition], changed = f.Offset, true
			}
		case source.Committed:
			if _, seen := st.commits[f.Partition]; inRange(f.Partition, w.ev) && !seen {
				st.commits[f.Partition], changed = commit{offset: f.Offset, at: f.At}, true
			}
		}
		if st.settle(parts) || changed {
			t.publishGroups(w)
			t.log.changed()
		}
	}
}

func (t *topic) ownHas(parts []int32) bool {
	for _, p := range parts {
		if !t.own.assigned[p] {
			return false
		}
	}
	return true
}

func inRange(p int32, e *Event) bool { return int(p) >= e.From && int(p) < e.To }

// dropGroupWatches stops following expansions older than settleFor, so
// the watches stay bounded however long partop runs.
func (t *topic) dropGroupWatches(now time.Time) {
	keep := t.groupWatches[:0]
	for _, w := range t.groupWatches {
		if now.Sub(w.ev.Start()) < settleFor {
			keep = append(keep, w)
		}
	}
	clear(t.groupWatches[len(keep):])
	t.groupWatches = keep
}
