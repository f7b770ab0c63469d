package groups

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/rules"
	"partop/source"
)

// The burst: after an expansion, the assignments of the groups with a
// stake in the topic, looked at every BurstEvery until each group has
// every new partition or BurstFor passes.
const (
	// BurstEvery is how often a burst looks: an assignment is timed to
	// about this (and the look's round trip).
	BurstEvery = 100 * time.Millisecond
	// BurstFor bounds a burst: a KIP-848 group is assigned new partitions
	// at its members' next heartbeat (5 s by default), a classic group
	// when its leader's metadata refreshes (5 minutes by default in Kafka's
	// clients): the second must not keep partop looking fast that long.
	// The full poll (Config.Interval) sees it then.
	BurstFor = 30 * time.Second
)

// stake is a group a burst looks at: one with members and a stake in the
// topic at the latest full poll.
type stake struct{ name, protocol string }

// bursting is what Burst asks for and the full polls tell the burst,
// guarded by Poller.mu.
type bursting struct {
	from, to int       // the new partitions
	until    time.Time // zero: no burst asked
	stakes   []stake   // as of the latest full poll
	topicID  [16]byte
}

// Burst asks for a burst over partitions from..to-1 (source.Burster); a
// burst under way is widened and lasts Config.BurstFor from now. It never
// blocks.
func (p *Poller) Burst(from, to int) {
	p.mu.Lock()
	if p.b.until.After(time.Now()) {
		from, to = min(from, p.b.from), max(to, p.b.to)
	}
	p.b.from, p.b.to, p.b.until = from, to, time.Now().Add(p.cfg.BurstFor)
	p.mu.Unlock()
	select {
	case p.burst <- struct{}{}:
	default:
	}
}

// staked notes, after a full poll, the groups a burst looks at.
func (p *Poller) staked(gs source.Groups) {
	var ss []stake
	for _, g := range gs.List {
		if g.Members > 0 && g.Protocol != "" && g.Err == "" {
			ss = append(ss, stake{g.Name, g.Protocol})
		}
	}
	p.mu.Lock()
	p.b.stakes, p.b.topicID = ss, p.st.topicID
	p.mu.Unlock()
}

// bursts runs bursts as Burst asks for them, until ctx ends, reporting
// source.AssignmentsSeen after every look.
func (p *Poller) bursts(ctx context.Context, r source.Reporter) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.burst:
		}
		done := map[string]bool{} // groups with every new partition
		lastTo := -1
		timer := time.NewTimer(0)
		for {
			select {
			case <-p.burst: // a burst under way was widened: Burst's fields say how
			default:
			}
			p.mu.Lock()
			b := p.b
			p.mu.Unlock()
			if b.to != lastTo {
				clear(done)
				lastTo = b.to
			}
			var look []stake
			for _, s := range b.stakes {
				if !done[s.name] {
					look = append(look, s)
				}
			}
			if len(look) == 0 || !time.Now().Before(b.until) {
				break
			}
			asked := time.Now()
			gs := p.assignments(ctx, look, b)
			if ctx.Err() != nil {
				timer.Stop()
				return
			}
			r.Report(source.AssignmentsSeen{Groups: source.Groups{Asked: asked, At: time.Now(), List: gs.List}})
			for _, s := range look {
				if gs.has[s.name] || gs.gone[s.name] {
					done[s.name] = true
				}
			}
			timer.Reset(time.Until(asked.Add(p.cfg.BurstEvery)))
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
		}
		timer.Stop()
	}
}

// burstLook is one burst look: the groups described (each with the new
// partitions it has, maybe none), which have them all, which are gone.
type burstLook struct {
	List      []source.Group
	has, gone map[string]bool
}

// assignments describes the groups ss (DescribeGroups for classic groups,
// ConsumerGroupDescribe for KIP-848 groups, nothing else) and keeps what
// each has of the new partitions b.from..b.to-1.
func (p *Poller) assignments(ctx context.Context, ss []stake, b bursting) burstLook {
	n := b.to - b.from
	out := burstLook{has: map[string]bool{}, gone: map[string]bool{}}
	flags := map[string][]uint8{}
	mark := func(group string, part int32, f uint8) {
		i := int(part) - b.from
		if i < 0 || i >= n {
			return
		}
		fs := flags[group]
		if fs == nil {
			fs = make([]uint8, n)
			flags[group] = fs
		}
		fs[i] |= f
	}
	classic := kmsg.NewPtrDescribeGroupsRequest()
	consumer := kmsg.NewPtrConsumerGroupDescribeRequest()
	for _, s := range ss {
		if s.protocol == rules.ProtocolClassic {
			classic.Groups = append(classic.Groups, s.name)
		} else {
			consumer.Groups = append(consumer.Groups, s.name)
		}
	}
	state := map[string]*source.Group{}
	p.burstClassic(ctx, classic, state, out.gone, mark)
	p.burstConsumer(ctx, consumer, b.topicID, state, out.gone, mark)
	var ends []int64
	if p.cfg.EndOffsets != nil && len(flags) > 0 {
		ends = p.cfg.EndOffsets()
	}
	for _, s := range ss {
		g := state[s.name]
		if g == nil {
			continue // not described: the look says nothing of it
		}
		fs := flags[s.name]
		all := fs != nil
		for i, f := range fs {
			all = all && f&assigned != 0
			if f != 0 {
				g.Partitions = append(g.Partitions, source.GroupPartition{Partition: int32(b.from + i),
					Assigned: f&assigned != 0, Target: f&target != 0, Committed: -1, End: at(ends, b.from+i), Lag: -1})
			}
		}
		out.has[s.name] = all
		out.List = append(out.List, *g)
	}
	slices.SortFunc(out.List, func(a, b source.Group) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// burstClassic describes the classic groups of a burst look: their state,
// members, and (mark) the topic's partitions each member holds.
func (p *Poller) burstClassic(ctx context.Context, req *kmsg.DescribeGroupsRequest, state map[string]*source.Group, gone map[string]bool, mark func(string, int32, uint8)) {
	if len(req.Groups) == 0 {
		return
	}
	for _, sh := range p.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			continue // the next look asks again
		}
		for _, rg := range sh.Resp.(*kmsg.DescribeGroupsResponse).Groups {
			err := kerr.ErrorForCode(rg.ErrorCode)
			if errors.Is(err, kerr.GroupIDNotFound) || err == nil && rg.State == "Dead" {
				gone[rg.Group] = true
				continue
			}
			if err != nil {
				continue
			}
			state[rg.Group] = &source.Group{Name: rg.Group, Protocol: rules.ProtocolClassic, State: rg.State, Members: len(rg.Members)}
			for _, m := range rg.Members {
				for _, part := range classicAssigned(m, p.cfg.Topic) {
					mark(rg.Group, part, assigned|target)
				}
			}
		}
	}
}

// burstConsumer describes the KIP-848 groups of a burst look: their state,
// members, and (mark) each member's assignment and target assignment.
func (p *Poller) burstConsumer(ctx context.Context, req *kmsg.ConsumerGroupDescribeRequest, topicID [16]byte, state map[string]*source.Group, gone map[string]bool, mark func(string, int32, uint8)) {
	if len(req.Groups) == 0 {
		return
	}
	ours := func(t kmsg.AssignmentTopicPartition) bool {
		return t.Topic == p.cfg.Topic || t.Topic == "" && topicID != [16]byte{} && t.TopicID == topicID
	}
	for _, sh := range p.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			continue
		}
		for _, rg := range sh.Resp.(*kmsg.ConsumerGroupDescribeResponse).Groups {
			err := kerr.ErrorForCode(rg.ErrorCode)
			if errors.Is(err, kerr.GroupIDNotFound) {
				gone[rg.Group] = true
				continue
			}
			if err != nil {
				continue
			}
			state[rg.Group] = &source.Group{Name: rg.Group, Protocol: rules.ProtocolConsumer, State: rg.State, Members: len(rg.Members)}
			for _, m := range rg.Members {
				for _, t := range m.Assignment.TopicPartitions {
					if ours(t) {
						for _, part := range t.Partitions {
							mark(rg.Group, part, assigned)
						}
					}
				}
				for _, t := range m.TargetAssignment.TopicPartitions {
					if ours(t) {
						for _, part := range t.Partitions {
							mark(rg.Group, part, target)
						}
					}
				}
			}
		}
	}
}
