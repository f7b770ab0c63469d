package groups

import (
	"fmt"
	"strings"

	"partop/source"
)

// What a group has of a partition.
const (
	assigned uint8 = 1 << iota
	target
	committed
)

// maxPartitions bounds the partition ids a poll believes (a broken answer
// must not make it allocate gigabytes).
const maxPartitions = 1 << 20

// slot is what one group has of the topic's partitions, by partition id:
// flags and the committed offset. Slots are cleared as they are reported
// and reused by later polls, so a poll allocates nothing per partition
// but what it reports.
type slot struct {
	flags     []uint8
	offset    []int64 // the commit, where flagged committed
	n         int     // partitions flagged
	committed int     // partitions flagged committed: n - committed have no commit
}

// slotOf is g's slot: one of an earlier poll's, or a new one.
func (p *Poller) slotOf(g *seen) *slot {
	if g.slot == nil {
		if n := len(p.st.free); n > 0 {
			g.slot, p.st.free = p.st.free[n-1], p.st.free[:n-1]
		} else {
			g.slot = new(slot)
		}
	}
	return g.slot
}

// mark notes f on partition part (and the committed offset).
func (s *slot) mark(part int32, f uint8, offset int64) {
	if part < 0 || part >= maxPartitions {
		return
	}
	i := int(part)
	if i >= len(s.flags) {
		s.flags, s.offset = grow(s.flags, i+1), grow(s.offset, i+1)
	}
	was := s.flags[i]
	if was == 0 {
		s.n++
	}
	if f&committed != 0 {
		if was&committed == 0 {
			s.committed++
		}
		s.offset[i] = offset
	}
	s.flags[i] = was | f
}

// grow lengthens s to n, zeroing what it adds.
func grow[T any](s []T, n int) []T {
	old := len(s)
	if n <= old {
		return s
	}
	if n <= cap(s) {
		s = s[:n]
	} else {
		s = append(s[:cap(s)], make([]T, n-cap(s))...)
	}
	clear(s[old:])
	return s
}

// build makes the report: every group with a stake in the topic, in name
// order, with its partitions (one allocation for all of them). Groups that
// could not be looked at and were not in the last list are left out:
// hidden says how many.
func (p *Poller) build(gs []seen, ends, starts []int64) (list []source.Group, hidden error) {
	total := 0
	for i := range gs {
		if gs[i].slot != nil {
			total += gs[i].slot.n
		}
	}
	all := make([]source.GroupPartition, total)
	known := make(map[string]bool, len(gs))
	var failed []string
	for i := range gs {
		g := &gs[i]
		var parts []source.GroupPartition
		var c counts
		if s := g.slot; s != nil {
			parts, all = all[:s.n:s.n], all[s.n:]
			c = s.fill(parts, ends, starts)
			p.st.free, g.slot = append(p.st.free, s), nil
		}
		stake := g.subscribed || len(parts) > 0 || g.rebalancing && p.st.known[g.name]
		switch {
		case g.gone:
			continue
		case g.err != "" && !stake && !p.st.known[g.name]:
			failed = append(failed, g.name+": "+g.err)
			continue
		case g.err == "" && !stake:
			continue
		}
		known[g.name] = true
		list = append(list, source.Group{Name: g.name, Protocol: g.protocol, State: g.state, Members: g.members,
			Note: note(g, c), Err: g.err, Partitions: parts})
	}
	p.st.known = known
	switch len(failed) {
	case 0:
	case 1:
		hidden = fmt.Errorf("could not look at group %s", failed[0])
	default:
		hidden = fmt.Errorf("could not look at %d groups (%s, …)", len(failed), failed[0])
	}
	return list, hidden
}

// counts are what fill found of a group's partitions.
type counts struct{ committed, assigned, open int }

// fill writes the slot's partitions into out, in partition order, with
// end offsets and lag, and clears the slot. A partition assigned (or in
// the target) with no commit lags by everything on it: its end offset
// minus its log start; when the log start is not known, neither is its
// end offset as far as lag goes (End -1).
func (s *slot) fill(out []source.GroupPartition, ends, starts []int64) (c counts) {
	k := 0
	for i, f := range s.flags {
		if f == 0 {
			continue
		}
		s.flags[i] = 0
		gp := source.GroupPartition{Partition: int32(i), Assigned: f&assigned != 0, Target: f&target != 0,
			Committed: -1, End: -1, Lag: -1}
		if i < len(ends) {
			gp.End = ends[i]
		}
		if gp.Assigned {
			c.assigned++
		}
		if f&committed != 0 {
			c.committed++
			gp.Committed = s.offset[i]
			if gp.End >= 0 {
				gp.Lag = max(gp.End-gp.Committed, 0) // a commit past a stale end offset is caught up
			}
		} else {
			c.open++
			gp.NoCommit = true
			if start := at(starts, i); gp.End >= 0 && start >= 0 {
				gp.Lag = max(gp.End-start, 0)
			} else {
				gp.End = -1
			}
		}
		out[k] = gp
		k++
	}
	s.n, s.committed = 0, 0
	return c
}

func at(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return -1
}

// Notes: what a group is when it is not an ordinary subscribed group.
const (
	NoteManual = "manually assigned: commits with no members (generation -1); " +
		"each commit expires offsets.retention.minutes (7 days by default) after it was made"
	NoteEmpty = "empty: no members; its commits expire offsets.retention.minutes " +
		"(7 days by default) after it emptied"
	NoteNoCommits   = "no commits on the topic yet"
	NoteRebalancing = "rebalancing: its assignment shows once the rebalance completes"
)

// note says what g is, from what the poll saw of it.
func note(g *seen, c counts) string {
	var notes []string
	switch {
	case g.protocol == "" && g.members == 0 && c.committed > 0:
		notes = append(notes, NoteManual)
	case g.state == "Empty" && c.committed > 0:
		notes = append(notes, NoteEmpty)
	}
	if g.rebalancing && c.assigned == 0 {
		notes = append(notes, NoteRebalancing)
	}
	if c.committed == 0 && g.err == "" && (g.subscribed || c.open > 0 || g.rebalancing) {
		notes = append(notes, NoteNoCommits)
	}
	return strings.Join(notes, "; ")
}
