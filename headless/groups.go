package headless

import (
	"partop/engine"
	"partop/source"
)

func consumerLine(s *engine.Snapshot) *ConsumerLine {
	if s.Group == "" {
		return nil
	}
	return &ConsumerLine{Group: s.Group, Protocol: s.GroupProtocol, Reset: s.GroupReset, ReadRate: s.Reads.Rate, Read: s.Reads.Acked}
}

func groupLines(gs source.Groups) []GroupLine {
	out := make([]GroupLine, 0, len(gs.List))
	for _, g := range gs.List {
		l := GroupLine{Group: g.Name, Protocol: g.Protocol, State: g.State, Members: g.Members, Note: g.Note, Error: g.Err,
			Partitions: make([]GroupPartitionLine, 0, len(g.Partitions))}
		if lag := g.Lag(); lag >= 0 {
			l.Lag = &lag
		}
		for _, p := range g.Partitions {
			pl := GroupPartitionLine{Partition: p.Partition, Assigned: p.Assigned, Lag: p.Lag, NoCommit: p.NoCommit}
			if p.Committed >= 0 {
				c := p.Committed
				pl.Committed = &c
			}
			if p.End >= 0 {
				e := p.End
				pl.End = &e
			}
			l.Partitions = append(l.Partitions, pl)
		}
		out = append(out, l)
	}
	return out
}

func pickupLines(ps []engine.GroupPickup) []GroupPickupLine {
	out := make([]GroupPickupLine, 0, len(ps))
	for _, p := range ps {
		l := GroupPickupLine{Group: p.Group, TargetAt: stamp(p.TargetAt),
			AssignedAfter: stamp(p.AssignedAfter), AssignedAt: stamp(p.AssignedAt),
			CommittedAfter: stamp(p.CommittedAfter), CommittedAt: stamp(p.CommittedAt), SkippedExact: p.SkippedExact}
		if p.UnreadAtAssignment >= 0 && !p.AssignedAt.IsZero() {
			u := p.UnreadAtAssignment
			l.UnreadAtAssignment = &u
			if !p.Narrow && p.UnreadMin != p.UnreadMax {
				lo, hi := p.UnreadMin, p.UnreadMax
				l.UnreadAtAssignmentMin, l.UnreadAtAssignmentMax = &lo, &hi
			}
		}
		if p.SkippedKnown {
			n := p.Skipped
			l.Skipped = &n
		}
		out = append(out, l)
	}
	return out
}
