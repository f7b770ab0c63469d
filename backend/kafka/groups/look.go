package groups

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/internal/fanout"
	"partop/rules"
	"partop/source"
)

// Group types as ListGroups (v5+, Kafka 3.8+) gives them, and the classic
// protocol type of consumers.
const (
	typeClassic  = "classic"
	typeConsumer = "consumer"
	protoConsume = "consumer"
)

// seen is one listed group as a poll sees it.
type seen struct {
	name      string
	typ       string // ListGroups' group type, lower case; empty: the broker does not say (before Kafka 3.8)
	protoType string // the classic protocol type: consumer; empty: a group with commits only
	protocol  string // rules.ProtocolClassic, rules.ProtocolConsumer; empty: commits only
	state     string
	members   int
	// subscribed says a member subscribes to the topic by name.
	subscribed bool
	// rebalancing: a classic group's members are listed without their
	// assignment until the rebalance completes.
	rebalancing bool
	gone        bool // deleted since it was listed
	err         string
	slot        *slot // what the group has of the topic's partitions; nil: nothing
}

// fail notes the first thing that went wrong looking at the group.
func (g *seen) fail(what string, err error) {
	if g.err == "" {
		g.err = what + ": " + errText(err)
	}
}

// state is what the poller keeps between polls, so that a poll allocates
// little beyond what it reports. Only the polling goroutine touches it.
type state struct {
	topicID   [16]byte  // the topic's id (KIP-848 assignments name topics by id); zero: not known
	idAt      time.Time // when topicID was looked up
	foreignID bool      // an assignment named a topic by an id not the topic's: the topic may have been recreated
	free      []*slot   // slots of earlier polls, cleared, for reuse
	known     map[string]bool
	need      []int32 // partitions whose log start this poll needs
	needed    []bool  // need as a set, by partition
	starts    []int64 // log starts by partition, where needed
}

// look polls once: every group with a stake in the topic, by name.
func (p *Poller) look(ctx context.Context) (source.Groups, error) {
	asked := time.Now()
	gs, partial, err := p.list(ctx)
	if err != nil {
		return source.Groups{}, err
	}
	idx := make(map[string]int, len(gs))
	for i := range gs {
		idx[gs[i].name] = i
	}
	p.describeClassic(ctx, gs, idx)
	p.describeConsumer(ctx, gs, idx)
	p.fetchCommits(ctx, gs, idx)
	at := time.Now()
	ends, endErr := p.endOffsets(ctx)
	starts := p.logStarts(ctx, gs)
	list, hidden := p.build(gs, ends, starts)
	var errs []string
	for _, e := range []error{partial, endErr, hidden} {
		if e != nil {
			errs = append(errs, e.Error())
		}
	}
	return source.Groups{Asked: asked, At: at, List: list, Err: strings.Join(errs, "; ")}, nil
}

// list asks every broker for its groups: classic and KIP-848 consumer
// groups, and groups with commits only; not share, streams or connect
// groups, nor dead ones. partial says which brokers did not answer; err,
// that none did.
func (p *Poller) list(ctx context.Context) (gs []seen, partial, err error) {
	req := kmsg.NewPtrListGroupsRequest()
	req.TypesFilter = []string{typeClassic, typeConsumer} // dropped before v5: every group is listed, typeless
	failed := &fanout.Errors{What: "listing groups"}
	answered := 0
	for _, sh := range p.cl.RequestSharded(ctx, req) {
		err := sh.Err
		if err == nil {
			err = kerr.ErrorForCode(sh.Resp.(*kmsg.ListGroupsResponse).ErrorCode)
		}
		if err != nil {
			failed.Add(fmt.Errorf("broker %d: %s", sh.Meta.NodeID, errText(err)))
			continue
		}
		answered++
		for _, g := range sh.Resp.(*kmsg.ListGroupsResponse).Groups {
			if s, ok := listed(g); ok {
				gs = append(gs, s)
			}
		}
	}
	if answered == 0 {
		failed.AllFailed = true
		return nil, nil, failed
	}
	slices.SortFunc(gs, func(a, b seen) int { return cmp.Compare(a.name, b.name) })
	// A group moving between coordinators can be listed by both.
	gs = slices.CompactFunc(gs, func(a, b seen) bool { return a.name == b.name })
	return gs, failed.Err(), nil
}

// listed reads one listed group; false: not a consumer group.
func listed(g kmsg.ListGroupsResponseGroup) (seen, bool) {
	s := seen{name: g.Group, typ: strings.ToLower(g.GroupType), protoType: g.ProtocolType, state: g.GroupState}
	switch {
	case s.typ != "" && s.typ != typeClassic && s.typ != typeConsumer, g.GroupState == "Dead":
		return s, false
	case s.typ == typeConsumer:
		s.protocol = rules.ProtocolConsumer
	case g.ProtocolType == protoConsume:
		s.protocol = rules.ProtocolClassic // or KIP-848 when the type is not known: describing tells
	case g.ProtocolType != "":
		return s, false // connect and other protocols: no consumers
	case s.typ == "" && s.state != "" && s.state != "Empty":
		// No protocol type, yet members: not a group with commits only,
		// which never has members. kfake lists KIP-848 groups so.
		s.protocol = rules.ProtocolConsumer
	}
	return s, true
}

// errText says what err means for a look at a group.
func errText(err error) string {
	switch {
	case errors.Is(err, kerr.GroupAuthorizationFailed):
		return "denied: not authorized on the group (GROUP_AUTHORIZATION_FAILED)"
	case errors.Is(err, kerr.TopicAuthorizationFailed):
		return "denied: not authorized on the topic (TOPIC_AUTHORIZATION_FAILED)"
	case errors.Is(err, kerr.ClusterAuthorizationFailed):
		return "denied: not authorized on the cluster (CLUSTER_AUTHORIZATION_FAILED)"
	case strings.Contains(err.Error(), "broker is too old"), // kgo's errBrokerTooOld and errUnknownRequestKey, not exported
		strings.Contains(err.Error(), "request key is unknown"):
		return "not supported by this cluster"
	}
	return err.Error()
}
