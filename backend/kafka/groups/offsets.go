package groups

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
)

// fetchCommits fetches every listed group's commits in one request
// (OffsetFetch v8+, split per group by kgo for older brokers) and keeps
// the topic's. It asks for all of each group's topics: naming the topic
// would mean naming each of its partitions for each group, where all
// topics costs what the groups have committed.
func (p *Poller) fetchCommits(ctx context.Context, gs []seen, idx map[string]int) {
	req := kmsg.NewPtrOffsetFetchRequest()
	for i := range gs {
		if gs[i].gone {
			continue
		}
		rg := kmsg.NewOffsetFetchRequestGroup() // no member, epoch -1: an admin's fetch
		rg.Group = gs[i].name
		req.Groups = append(req.Groups, rg) // Topics nil: all
	}
	if len(req.Groups) == 0 {
		return
	}
	for _, sh := range p.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			for _, rg := range sh.Req.(*kmsg.OffsetFetchRequest).Groups {
				gs[idx[rg.Group]].fail("fetching commits", sh.Err)
			}
			continue
		}
		for _, rg := range sh.Resp.(*kmsg.OffsetFetchResponse).Groups {
			if i, ok := idx[rg.Group]; ok {
				p.commits(&gs[i], rg)
			}
		}
	}
}

// commits takes one group's fetched commits.
func (p *Poller) commits(g *seen, rg kmsg.OffsetFetchResponseGroup) {
	if err := kerr.ErrorForCode(rg.ErrorCode); err != nil {
		if errors.Is(err, kerr.GroupIDNotFound) {
			return // deleted since it was listed: nothing committed
		}
		g.fail("fetching commits", err)
		return
	}
	for _, t := range rg.Topics {
		// kgo names v10's topics from their ids; an id it could not name
		// may still be the topic's.
		if t.Topic != p.cfg.Topic && (t.Topic != "" || t.TopicID != p.st.topicID || t.TopicID == [16]byte{}) {
			continue
		}
		var s *slot
		for _, part := range t.Partitions {
			if part.ErrorCode != 0 { // ErrorForCode is a map lookup: not for every partition
				g.fail(fmt.Sprintf("fetching the commit on partition %d", part.Partition), kerr.ErrorForCode(part.ErrorCode))
				continue
			}
			if part.Offset >= 0 {
				if s == nil {
					s = p.slotOf(g)
				}
				s.mark(part.Partition, committed, part.Offset)
			}
		}
	}
}

// endOffsets are the topic's end offsets by partition (-1: not known):
// Config.EndOffsets', or the leaders' (cluster.ListOffsets over every
// partition the topic's metadata lists now, so a partition added a moment
// ago is there).
func (p *Poller) endOffsets(ctx context.Context) ([]int64, error) {
	if p.cfg.EndOffsets != nil {
		return p.cfg.EndOffsets(), nil
	}
	got, err := cluster.ListOffsets(ctx, p.cl, p.cfg.Topic, cluster.AtEnd, nil, nil)
	n := 0
	for part := range got {
		n = max(n, int(part)+1)
	}
	var oe *cluster.OffsetsError
	if errors.As(err, &oe) {
		for part := range oe.Failed {
			n = max(n, int(part)+1)
		}
	}
	ends := make([]int64, min(n, maxPartitions))
	for i := range ends {
		ends[i] = -1
	}
	for part, o := range got {
		if int(part) < len(ends) {
			ends[part] = o.Offset
		}
	}
	if err != nil {
		err = fmt.Errorf("end offsets: %s", errText(err))
	}
	return ends, err
}

// logStarts asks the leaders for the log start of only the partitions a
// group has assigned, or in its target, with no commit (everything on them
// is unread), and returns log starts by partition, set where needed (-1:
// not known).
func (p *Poller) logStarts(ctx context.Context, gs []seen) []int64 {
	st := &p.st
	st.need = st.need[:0]
	for i := range gs {
		if s := gs[i].slot; s != nil && s.n > s.committed {
			for part, f := range s.flags {
				if f&(assigned|target) != 0 && f&committed == 0 {
					st.needs(part)
				}
			}
		}
	}
	if len(st.need) == 0 {
		return st.starts
	}
	for _, part := range st.need {
		st.needed[part], st.starts[part] = false, -1
	}
	// What is not answered is not known: those partitions' lag is not
	// known this poll.
	got, _ := cluster.ListOffsets(ctx, p.cl, p.cfg.Topic, cluster.AtStart, st.need, nil)
	for part, o := range got {
		if part >= 0 && int(part) < len(st.starts) {
			st.starts[part] = o.Offset
		}
	}
	return st.starts
}

// needs adds partition part to the log starts this poll needs.
func (st *state) needs(part int) {
	if part >= len(st.needed) {
		st.needed = grow(st.needed, part+1)
		st.starts = grow(st.starts, part+1)
	}
	if !st.needed[part] {
		st.needed[part] = true
		st.need = append(st.need, int32(part))
	}
}
