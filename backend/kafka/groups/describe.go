package groups

import (
	"context"
	"errors"
	"slices"
	"time"

	"partop/backend/kafka/cluster"
	"partop/rules"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// idRecheck bounds how often the topic's id is looked up again when a
// KIP-848 assignment names a topic by an id not the topic's (another
// topic, or the topic recreated).
const idRecheck = time.Minute

// describeClassic describes the classic consumer groups (DescribeGroups):
// their state, members, subscriptions and assignments.
func (p *Poller) describeClassic(ctx context.Context, gs []seen, idx map[string]int) {
	req := kmsg.NewPtrDescribeGroupsRequest()
	for i := range gs {
		if gs[i].protocol == rules.ProtocolClassic {
			req.Groups = append(req.Groups, gs[i].name)
		}
	}
	if len(req.Groups) == 0 {
		return
	}
	for _, sh := range p.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			for _, name := range sh.Req.(*kmsg.DescribeGroupsRequest).Groups {
				gs[idx[name]].fail("describing", sh.Err)
			}
			continue
		}
		for _, rg := range sh.Resp.(*kmsg.DescribeGroupsResponse).Groups {
			if i, ok := idx[rg.Group]; ok {
				p.classic(&gs[i], rg)
			}
		}
	}
}

// classic takes one described classic group. Before Kafka 3.8 ListGroups
// does not say a group's type: Kafka answers DescribeGroups on a KIP-848
// group with GROUP_ID_NOT_FOUND, and kfake with a group without members
// that is not empty; either way it is described again as KIP-848.
func (p *Poller) classic(g *seen, rg kmsg.DescribeGroupsResponseGroup) {
	err := kerr.ErrorForCode(rg.ErrorCode)
	switch {
	case g.typ == "" && errors.Is(err, kerr.GroupIDNotFound):
		g.protocol = rules.ProtocolConsumer
		return
	case errors.Is(err, kerr.GroupIDNotFound) || err == nil && rg.State == "Dead":
		g.gone = true // deleted since it was listed
		return
	case err != nil:
		g.fail("describing", err)
		return
	}
	g.state, g.members = rg.State, len(rg.Members)
	if g.typ == "" && g.members == 0 && rg.State != "Empty" {
		g.protocol = rules.ProtocolConsumer
		return
	}
	// Members come with their subscription and assignment only once the
	// group is stable.
	g.rebalancing = g.members > 0 && rg.State != "Stable"
	if rg.ProtocolType != protoConsume {
		return
	}
	for _, m := range rg.Members {
		var meta kmsg.ConsumerMemberMetadata
		if meta.ReadFrom(m.ProtocolMetadata) == nil && slices.Contains(meta.Topics, p.cfg.Topic) {
			g.subscribed = true
		}
		if parts := classicAssigned(m, p.cfg.Topic); len(parts) > 0 {
			s := p.slotOf(g)
			for _, part := range parts {
				s.mark(part, assigned|target, 0)
			}
		}
	}
}

// classicAssigned is the partitions of topic in a classic group member's
// assignment (the consumer protocol's bytes; none when they do not parse).
// The full poll and the burst both read assignments with it.
func classicAssigned(m kmsg.DescribeGroupsResponseGroupMember, topic string) []int32 {
	var a kmsg.ConsumerMemberAssignment
	if a.ReadFrom(m.MemberAssignment) != nil {
		return nil
	}
	var out []int32
	for _, t := range a.Topics {
		if t.Topic == topic {
			out = append(out, t.Partitions...)
		}
	}
	return out
}

// describeConsumer describes the KIP-848 consumer groups
// (ConsumerGroupDescribe): state, members, subscriptions, each member's
// assignment and target assignment.
func (p *Poller) describeConsumer(ctx context.Context, gs []seen, idx map[string]int) {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	for i := range gs {
		if gs[i].protocol == rules.ProtocolConsumer {
			req.Groups = append(req.Groups, gs[i].name)
		}
	}
	if len(req.Groups) == 0 {
		return
	}
	p.lookUpTopicID(ctx)
	for _, sh := range p.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			for _, name := range sh.Req.(*kmsg.ConsumerGroupDescribeRequest).Groups {
				gs[idx[name]].fail("describing (ConsumerGroupDescribe)", sh.Err)
			}
			continue
		}
		for _, rg := range sh.Resp.(*kmsg.ConsumerGroupDescribeResponse).Groups {
			if i, ok := idx[rg.Group]; ok {
				p.kip848(&gs[i], rg)
			}
		}
	}
}

// kip848 takes one described KIP-848 group.
func (p *Poller) kip848(g *seen, rg kmsg.ConsumerGroupDescribeResponseGroup) {
	if err := kerr.ErrorForCode(rg.ErrorCode); err != nil {
		if errors.Is(err, kerr.GroupIDNotFound) {
			g.gone = true // deleted since it was listed
			return
		}
		g.fail("describing (ConsumerGroupDescribe)", err)
		return
	}
	g.state, g.members = rg.State, len(rg.Members)
	for _, m := range rg.Members {
		if slices.Contains(m.SubscribedTopics, p.cfg.Topic) {
			g.subscribed = true
		}
		p.markAssignment(g, m.Assignment, assigned)
		p.markAssignment(g, m.TargetAssignment, target)
	}
}

// markAssignment marks the topic's partitions in a KIP-848 assignment.
// Kafka names each topic and gives its id; kfake gives only the id.
func (p *Poller) markAssignment(g *seen, a kmsg.Assignment, f uint8) {
	for _, t := range a.TopicPartitions {
		switch {
		case t.Topic != "":
			if t.Topic != p.cfg.Topic {
				continue
			}
		case p.st.topicID == [16]byte{}:
			g.fail("assignment", errors.New("names topics by id, and the topic's id could not be looked up"))
			continue
		case t.TopicID != p.st.topicID:
			p.st.foreignID = true
			continue
		}
		if len(t.Partitions) > 0 {
			s := p.slotOf(g)
			for _, part := range t.Partitions {
				s.mark(part, f, 0)
			}
		}
	}
}

// lookUpTopicID learns the topic's id (Metadata v10+) when it is not
// known, and again at most every idRecheck while assignments name other
// ids. A failed look is tried again at the next poll.
func (p *Poller) lookUpTopicID(ctx context.Context) {
	st := &p.st
	if st.topicID != [16]byte{} && (!st.foreignID || time.Since(st.idAt) < idRecheck) {
		return
	}
	st.foreignID = false
	t, err := cluster.Describe(ctx, p.cl, p.cfg.Topic)
	if err != nil {
		return
	}
	st.topicID, st.idAt = t.ID, time.Now()
}
