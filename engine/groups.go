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
// between two looks: each is a bracket, from the last look that did not
// see it (…After) to the first that did (…At). The groups poll bursts
// after an expansion (source.Burster), so an assignment's bracket is a
// fraction of a second wide; commits are looked at only by the full poll
// (--groups-interval). partop's own group reports its own exactly: its
// brackets are points.
type GroupPickup struct {
	Group    string
	TargetAt time.Time // all new partitions in the target assignment (KIP-848); zero: not yet
	// AssignedAfter is the last look that did not see every new partition
	// assigned (zero: no look before, not known), AssignedAt the first
	// that did (zero: pending).
	AssignedAfter, AssignedAt time.Time
	// CommittedAfter is the last look that did not see a commit on every
	// new partition, CommittedAt the first that did (zero: not yet).
	CommittedAfter, CommittedAt time.Time
	// UnreadAtAssignment is the new partitions' end offsets when the group
	// was assigned them: what a group that resets to latest skips (at
	// least: a client may ask for the end a while later). -1: not known.
	// Where the groups poll can date records (a source.Backdater), it is
	// found after the fact from the records' own times at each
	// partition's bracket: at least UnreadMin (the ends at the last look
	// that did not see it assigned, or what partop's producer had heard
	// acknowledged by then where that is less), at most UnreadMax (the
	// ends at the first that did). Narrow says every new partition's
	// bracket is at most NarrowBracket wide, none became readable within
	// it (a backlog readable at once, as a new partition's first half
	// second on Kafka with acks=all), and the range is narrow (half of it
	// at most a tenth of its middle, or 10 records): the value is then the
	// middle of the range; otherwise UnreadMax, and the range is what is
	// known. partop's own group's is exact (its consumer asked when
	// assigned).
	UnreadAtAssignment, UnreadMin, UnreadMax int64
	Narrow                                   bool
	// Skipped is how many records on the new partitions the group did not
	// read, when known (SkippedKnown): exactly for partop's own group
	// (SkippedExact, from its first fetched offsets), or likely for a
	// group whose first commits were at or above the end offsets at its
	// assignment.
	Skipped                    int64
	SkippedKnown, SkippedExact bool
}

// NarrowBracket is the widest assignment bracket whose unread count is
// given as a value: a burst's looks (100 ms apart) make brackets this
// narrow, the full poll (every second at the most often) never does.
const NarrowBracket = time.Second

// groupWatch follows the groups' pickups of one expansion.
type groupWatch struct {
	ev     *Event
	groups map[string]*groupState
	// floor is where a group's brackets start when it is first heard
	// of: the last full look before (which did not list it with the new
	// partitions), or, for partop's own expansion, when partop asked
	// for them, whichever is later.
	floor time.Time
	// endsAt are the new partitions' end offsets at past times, by
	// UnixNano, as the groups poll dated them (source.EndsAt); a time in
	// it with a nil map is asked for and not answered yet.
	endsAt map[int64]map[int32]int64
}

// groupState is one group's progress on an expansion's new partitions.
type groupState struct {
	pick     GroupPickup
	recorded bool      // its assignment is in the topic's pickups
	assign   []bracket // by new partition (partition - From)
	commit   []bracket
	// end offsets when assigned: partop's own consumer's, or the first
	// look that saw the partition assigned and knew its end offset.
	endAtAssig map[int32]int64
	firstFetch map[int32]int64 // partop's own group: first fetched offsets
	commits    map[int32]int64 // first commits' offsets
	exactEnds  bool            // endAtAssig is partop's own consumer's
}

// bracket is when something happened as looks saw it: after the last
// look that did not see it (after) and by the first that did (at).
type bracket struct{ after, at time.Time }

// notSeen takes a look, asked at asked, that did not see it.
func (b *bracket) notSeen(asked time.Time) {
	if (b.at.IsZero() || asked.Before(b.at)) && asked.After(b.after) {
		b.after = asked
	}
}

// seen takes a look, done by at, that saw it.
func (b *bracket) seen(at time.Time) bool {
	if !b.at.IsZero() && !at.Before(b.at) {
		return false
	}
	b.at = at
	if b.after.After(at) {
		b.after = at
	}
	return true
}

// exact takes partop's own consumer's word: it happened at at.
func (b *bracket) exact(at time.Time) bool {
	if !b.at.IsZero() {
		return false
	}
	b.after, b.at = at, at
	return true
}

// span is when every bracket's event had happened: after the latest
// after, by the latest at; ok is false while one has not.
func span(bs []bracket) (after, at time.Time, ok bool) {
	for _, b := range bs {
		if b.at.IsZero() {
			return time.Time{}, time.Time{}, false
		}
		after, at = maxTime(after, b.after), maxTime(at, b.at)
	}
	return after, at, true
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
// partop's own consumer already did on its partitions. asked is when
// partop asked for the new partitions (zero: someone else added them).
func (t *topic) watchGroups(now, asked time.Time, e *Event) {
	w := &groupWatch{ev: e, groups: map[string]*groupState{}, floor: maxTime(cmp.Or(t.groups.Asked, t.groups.At), asked),
		endsAt: map[int64]map[int32]int64{}}
	t.groupWatches = append(t.groupWatches, w)
	if t.burst != nil {
		t.burst(e.From, e.To)
	}
	if t.own.group == "" {
		return
	}
	st := w.state(t.own.group)
	parts := newParts(e)
	if t.ownHas(parts) {
		st.pick.TargetAt = now
		for i := range st.assign {
			st.assign[i].exact(now)
		}
	}
	for _, p := range parts {
		if end, ok := t.own.endAtAssig[p]; ok {
			st.endAtAssig[p], st.exactEnds = end, true
		}
		if off, ok := t.own.firstFetch[p]; ok {
			st.firstFetch[p] = off
		}
		if c, ok := t.own.commits[p]; ok {
			st.commits[p] = c.offset
			st.commit[int(p)-e.From].exact(c.at)
		}
	}
	t.settleGroup(w, st)
	t.publishGroups(w)
}

func (w *groupWatch) state(group string) *groupState {
	g := w.groups[group]
	if g == nil {
		n := w.ev.To - w.ev.From
		g = &groupState{pick: GroupPickup{Group: group, UnreadAtAssignment: -1},
			assign: make([]bracket, n), commit: make([]bracket, n),
			endAtAssig: map[int32]int64{}, firstFetch: map[int32]int64{}, commits: map[int32]int64{}}
		for i := range n {
			g.assign[i].after, g.commit[i].after = w.floor, w.floor
		}
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

// groupsSeen takes a look at the groups: each group's target, assignment,
// end offsets and, unless burst (an AssignmentsSeen), commits, as of
// gs.Asked..gs.At. A full look also says that a group it does not list
// had nothing then.
func (t *topic) groupsSeen(gs source.Groups, burst bool) {
	if !burst {
		t.groups = gs
	}
	asked := cmp.Or(gs.Asked, gs.At)
	for _, w := range t.groupWatches {
		parts := newParts(w.ev)
		changed := false
		listed := make(map[string]bool, len(gs.List))
		for _, g := range gs.List {
			listed[g.Name] = true
			// partop's own group too: its consumer's exact facts cover only
			// the partitions it holds, the poll the whole group's.
			_, known := w.groups[g.Name]
			st := w.state(g.Name)
			observed := st.observe(g, parts, asked, gs.At, !burst)
			if t.settleGroup(w, st) || observed || !known {
				changed = true
			}
		}
		if !burst && gs.Err == "" {
			for name, st := range w.groups {
				if !listed[name] {
					st.observe(source.Group{}, parts, asked, gs.At, true)
					t.settleGroup(w, st)
				}
			}
			w.floor = maxTime(w.floor, asked)
		}
		if changed {
			t.publishGroups(w)
			t.log.changed()
		}
	}
}

// observe takes one group as a look from asked to at saw it (commits: the
// look fetched its commits); it reports a change.
func (st *groupState) observe(g source.Group, parts []int32, asked, at time.Time, commits bool) bool {
	// g.Partitions are ascending: a few lookups, no index of thousands.
	find := func(p int32) (source.GroupPartition, bool) {
		i, ok := slices.BinarySearchFunc(g.Partitions, p, func(gp source.GroupPartition, p int32) int { return cmp.Compare(gp.Partition, p) })
		if !ok {
			return source.GroupPartition{}, false
		}
		return g.Partitions[i], true
	}
	changed := false
	targeted := true
	for i, p := range parts {
		gp, found := find(p)
		targeted = targeted && found && gp.Target
		if found && gp.Assigned {
			changed = st.assign[i].seen(at) || changed
			if _, known := st.endAtAssig[p]; !known && gp.End >= 0 {
				st.endAtAssig[p], changed = gp.End, true
			}
		} else if g.Err == "" { // a group the look could not describe may have them
			st.assign[i].notSeen(asked)
		}
		if !commits {
			continue
		}
		if found && gp.Committed >= 0 {
			if _, seen := st.commits[p]; !seen {
				st.commits[p] = gp.Committed
				st.commit[i].seen(at)
				changed = true
			}
		} else {
			st.commit[i].notSeen(asked)
		}
	}
	if st.pick.TargetAt.IsZero() && targeted {
		st.pick.TargetAt, changed = at, true
	}
	return changed
}

// settleGroup completes what st's facts decide (groupState.settle), first
// asking the groups poll to date the ends of st's assignment brackets
// where it can, and taking its answers.
func (t *topic) settleGroup(w *groupWatch, st *groupState) bool {
	if t.askEnds != nil && !st.exactEnds {
		parts := newParts(w.ev)
		for _, b := range st.assign {
			if b.at.IsZero() {
				continue
			}
			for _, at := range []time.Time{b.after, b.at} {
				if k := at.UnixNano(); !at.IsZero() {
					if _, asked := w.endsAt[k]; !asked {
						w.endsAt[k] = nil
						t.askEnds(at, parts)
					}
				}
			}
		}
	}
	return st.settle(newParts(w.ev), w.endsAt, t.askEnds != nil, t)
}

// endsAt takes the groups poll's dated end offsets.
func (t *topic) endsAt(f source.EndsAt) {
	t.landedBy(f.At, f.Ends)
	k := f.At.UnixNano()
	for _, w := range t.groupWatches {
		if ends, asked := w.endsAt[k]; !asked || ends != nil {
			continue
		}
		w.endsAt[k] = f.Ends
		changed := false
		for _, st := range w.groups {
			changed = t.settleGroup(w, st) || changed
		}
		if changed {
			t.publishGroups(w)
			t.log.changed()
		}
	}
}

// settle completes what the group's facts decide: the assignment of and
// first commit on every new partition, the unread count at assignment and
// the skipped count. It reports a change.
func (st *groupState) settle(parts []int32, endsAt map[int64]map[int32]int64, dated bool, own readable) bool {
	changed := false
	if after, at, ok := span(st.assign); ok && (!at.Equal(st.pick.AssignedAt) || !after.Equal(st.pick.AssignedAfter)) {
		st.pick.AssignedAfter, st.pick.AssignedAt, changed = after, at, true
	}
	if after, at, ok := span(st.commit); ok && (!at.Equal(st.pick.CommittedAt) || !after.Equal(st.pick.CommittedAfter)) {
		st.pick.CommittedAfter, st.pick.CommittedAt, changed = after, at, true
	}
	if st.pick.UnreadAtAssignment < 0 && !st.pick.AssignedAt.IsZero() {
		switch {
		case st.exactEnds || !dated:
			// partop's own consumer's ends when assigned; or, where the
			// poll cannot date records, the ends the first look that saw
			// each partition assigned knew.
			if len(st.endAtAssig) == len(parts) {
				var n int64
				for _, end := range st.endAtAssig {
					n += end
				}
				st.pick.UnreadAtAssignment, st.pick.UnreadMin, st.pick.UnreadMax = n, n, n
				st.pick.Narrow = st.exactEnds || narrow(st.assign)
				changed = true
			}
		default:
			changed = st.dated(parts, endsAt, own) || changed
		}
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
		for p, off := range st.commits {
			likely = likely && off >= st.endAtAssig[p]
		}
		likely = likely && st.pick.Narrow
		if likely { // it committed past everything there at assignment: likely never read it
			st.pick.Skipped, st.pick.SkippedKnown, changed = st.pick.UnreadAtAssignment, true, true
		}
	}
	return changed
}

// readable is what partop's own producer knows of when records on new
// partitions became readable: the topic's (landing, ackedBy).
type readable interface {
	// landing is when a partition's first record (offset 0) was heard
	// acknowledged, where it is partop's; zero otherwise.
	landing(p int32) time.Time
	// ackedBy is how many records on a partition partop heard
	// acknowledged by a time (stats.Counters.AckedBy): readable by then.
	ackedBy(p int32, at time.Time) (int64, bool)
}

// dated computes the unread count at assignment from the dated end
// offsets at each new partition's bracket, once every one is answered:
// the range, and the value (the middle of a narrow range, else its top).
// The range's floor is the ends at the bracket's start by the records'
// times, or what partop's producer had heard acknowledged by then where
// that is less: records stamped before a time were not all readable then
// (right after an expansion a new partition's high watermark lags the
// stamps by up to a second), acknowledged ones were. A partition that
// became readable within its bracket (landing: when partop's producer
// heard of its first record) had nothing before and its whole backlog
// after: the count is then a range however narrow the bracket. The value
// is given where the bracket is narrow and so is the range (narrowRange).
// endAtAssig then holds each partition's value, for the skipped count.
func (st *groupState) dated(parts []int32, endsAt map[int64]map[int32]int64, own readable) bool {
	var lo, hi int64
	los := make(map[int32]int64, len(parts))
	his := make(map[int32]int64, len(parts))
	jumped := false
	for i, p := range parts {
		b := st.assign[i]
		var min int64 // no look before: nothing is known to have been there
		if !b.after.IsZero() {
			ends := endsAt[b.after.UnixNano()]
			end, ok := ends[p]
			if !ok {
				return false
			}
			min = end
			if n, ok := own.ackedBy(p, b.after); ok && n < min {
				min = n
			}
		}
		end, ok := endsAt[b.at.UnixNano()][p]
		if !ok {
			return false
		}
		los[p], his[p] = min, max(end, min)
		lo, hi = lo+los[p], hi+his[p]
		jumped = jumped || (his[p] > los[p] && within(own.landing(p), b))
	}
	isNarrow := narrow(st.assign) && !jumped && narrowRange(lo, hi)
	st.pick.UnreadMin, st.pick.UnreadMax, st.pick.Narrow = lo, hi, isNarrow
	st.pick.UnreadAtAssignment = hi
	for _, p := range parts {
		st.endAtAssig[p] = his[p]
		if isNarrow {
			st.endAtAssig[p] = (los[p] + his[p] + 1) / 2
		}
	}
	if isNarrow {
		st.pick.UnreadAtAssignment = 0
		for _, p := range parts {
			st.pick.UnreadAtAssignment += st.endAtAssig[p]
		}
	}
	return true
}

// within says a partition that partop heard became readable at landed
// (zero: not known) may have become readable inside bracket b: at most
// LandingSlack before.
func within(landed time.Time, b bracket) bool {
	if landed.IsZero() {
		return false
	}
	return landed.Add(-LandingSlack).Before(b.at) && landed.After(b.after)
}

// narrowRange says a count known to lie in lo..hi is given as the
// middle: half the range is at most a tenth of the middle, or 10 records.
func narrowRange(lo, hi int64) bool { return hi-lo <= max((lo+hi)/10, 20) }

// narrow says every bracket is known to within NarrowBracket.
func narrow(bs []bracket) bool {
	for _, b := range bs {
		if b.after.IsZero() || b.at.Sub(b.after) > NarrowBracket {
			return false
		}
	}
	return true
}

// publishGroups copies the groups' pickups into the event, by group name,
// and records each group's assignment of the new partitions once, at the
// end of its bracket.
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
			for _, p := range f.Partitions {
				if inRange(p, w.ev) && st.assign[int(p)-w.ev.From].exact(now) {
					changed = true
				}
			}
			if st.pick.TargetAt.IsZero() && t.ownHas(parts) {
				st.pick.TargetAt, changed = now, true
			}
		case source.EndsAtAssignment:
			for p, end := range f.Ends {
				if inRange(p, w.ev) && (!st.exactEnds || !hasKey(st.endAtAssig, p)) {
					if !st.exactEnds {
						clear(st.endAtAssig) // a poll's ends give way to the consumer's own
					}
					st.endAtAssig[p], st.exactEnds, changed = end, true, true
				}
			}
		case source.FirstFetch:
			if inRange(f.Partition, w.ev) && !f.FromCommit {
				st.firstFetch[f.Partition], changed = f.Offset, true
			}
		case source.Committed:
			if _, seen := st.commits[f.Partition]; inRange(f.Partition, w.ev) && !seen {
				st.commits[f.Partition], changed = f.Offset, true
				st.commit[int(f.Partition)-w.ev.From].exact(f.At)
			}
		}
		if t.settleGroup(w, st) || changed {
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

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// LandingSlack is how long before partop's producer hears of a record
// that the record may have become readable: the acknowledgement's way
// back from the leader after the high watermark moved past it.
const LandingSlack = 25 * time.Millisecond

// landing is when partition p's first record landed, as partop's own
// producer heard of it, where that record was p's first (offset 0);
// zero otherwise.
func (t *topic) landing(p int32) time.Time {
	if at, off := t.counters.FirstRecord(p); off == 0 {
		return at
	}
	return time.Time{}
}

// ackedBy is how many records on p partop's producer heard acknowledged
// by at (stats.Counters.AckedBy).
func (t *topic) ackedBy(p int32, at time.Time) (int64, bool) { return t.counters.AckedBy(p, at) }

// landedBy corrects by-timestamp end offsets at at with what partop's own
// producer knows: a partition whose first record is partop's, at offset
// 0, acknowledged later than LandingSlack after at, was empty at at, as
// readers saw it. The records' own times say otherwise when records were
// stamped long before they could be read: on Kafka with acks=all a new
// partition's high watermark stays at 0 until its followers replicate it
// (measured on the project's 3-node Kafka 4.1: first acknowledgement 1.06
// s after CreatePartitions with acks=all, 47 ms with acks=1), and every
// record stamped meanwhile is dated before it was readable (seen: a group
// assigned at +0.1 s reading from offset 0 where the records' times
// counted 24 before its assignment). It corrects ends in place: each
// source.EndsAt is a map of its own, the engine's once reported.
func (t *topic) landedBy(at time.Time, ends map[int32]int64) {
	for p, end := range ends {
		if first := t.landing(p); end > 0 && !first.IsZero() && at.Add(LandingSlack).Before(first) {
			ends[p] = 0
		}
	}
}
