// Package census takes a census of a Kafka cluster for the cluster view
// (package overview): every topic's partitions, leaders and replicas from
// one Metadata request, and every partition's end offset from one
// ListOffsets request per leader (in chunks of maxPerRequest partitions),
// all leaders at once. Nothing is retried within a look: a partition not
// answered is said (Census.Partial, End -1) and asked again at the next
// look, seconds later.
package census

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/overview"
)

// maxPerRequest bounds one ListOffsets request: about 16 bytes a
// partition, so some 160 KB, far below any broker's request limit, and
// a leader of 30,000 partitions answers a few requests at once rather than
// one slow one.
const maxPerRequest = 10_000

// Poller takes censuses over a kgo client.
type Poller struct {
	// Groups: each census lists the consumer groups and their commits
	// too (Census.Groups).
	Groups bool

	cl   *kgo.Client
	now  func() time.Time
	turn int // the broker asked for metadata next, among those the client knows
}

// New returns a Poller asking over cl.
func New(cl *kgo.Client) *Poller { return &Poller{cl: cl, now: time.Now} }

// Census implements overview.Poller.
func (p *Poller) Census(ctx context.Context) (overview.Census, error) {
	meta, err := p.metadata(ctx)
	if err != nil {
		return overview.Census{}, fmt.Errorf("metadata of every topic: %w", err)
	}
	c := overview.Census{Brokers: make([]overview.Broker, 0, len(meta.Brokers))}
	for _, b := range meta.Brokers {
		ob := overview.Broker{ID: b.NodeID}
		if b.Rack != nil {
			ob.Rack = *b.Rack
		}
		c.Brokers = append(c.Brokers, ob)
	}
	slices.SortFunc(c.Brokers, func(a, b overview.Broker) int { return int(a.ID - b.ID) })
	var missed []string
	denied := 0
	c.Topics = make([]overview.Topic, 0, len(meta.Topics))
	for _, t := range meta.Topics {
		if t.Topic == nil {
			continue
		}
		if t.ErrorCode != 0 {
			if err := kerr.ErrorForCode(t.ErrorCode); err == kerr.TopicAuthorizationFailed {
				denied++
			} else {
				missed = append(missed, fmt.Sprintf("topic %s: %v", *t.Topic, err))
			}
			continue
		}
		ot := overview.Topic{Name: *t.Topic, Internal: t.IsInternal, Partitions: make([]overview.Partition, len(t.Partitions))}
		for i := range ot.Partitions {
			ot.Partitions[i] = overview.Partition{Leader: -1, End: -1}
		}
		for _, tp := range t.Partitions {
			if tp.Partition < 0 || int(tp.Partition) >= len(ot.Partitions) {
				continue // a gap in the numbering: not a Kafka topic
			}
			op := &ot.Partitions[tp.Partition]
			op.Replicas = tp.Replicas
			if tp.ErrorCode == 0 || tp.Leader >= 0 {
				op.Leader = tp.Leader
			}
		}
		c.Topics = append(c.Topics, ot)
	}
	slices.SortFunc(c.Topics, func(a, b overview.Topic) int { return strings.Compare(a.Name, b.Name) })
	c.At = p.now()
	missed = append(missed, p.ends(ctx, &c)...)
	if p.Groups {
		var gm []string
		c.Groups, gm = p.groups(ctx)
		missed = append(missed, gm...)
	}
	if denied > 0 {
		missed = append(missed, fmt.Sprintf("%d topics not described (Describe denied)", denied))
	}
	sort.Strings(missed)
	if len(missed) > 3 {
		missed = append(missed[:3], fmt.Sprintf("and %d more", len(missed)-3))
	}
	c.Partial = strings.Join(missed, "; ")
	return c, nil
}

// metadata asks one broker for every topic's metadata. Directly, not
// through the client's Request: that caches a copy of every response for
// the client's own use (kgo's storeCachedMeta), 40% of a census's
// allocations at 100,000 partitions. Before the client knows a broker,
// or when the one asked fails, the client's Request (any broker) answers.
func (p *Poller) metadata(ctx context.Context) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest() // Topics nil: every topic
	if bs := p.cl.DiscoveredBrokers(); len(bs) > 0 {
		b := bs[p.turn%len(bs)]
		p.turn++
		if resp, err := req.RequestWith(ctx, b); err == nil {
			return resp, nil
		}
	}
	return req.RequestWith(ctx, p.cl)
}

// where is one partition: its topic's index in the census and its id.
type where struct {
	topic int
	part  int32
}

// ends asks every leader for the end offsets of the partitions it leads
// and fills them in; it returns what was not answered.
func (p *Poller) ends(ctx context.Context, c *overview.Census) []string {
	led := map[int32]int{}
	for _, t := range c.Topics {
		for _, part := range t.Partitions {
			led[part.Leader]++
		}
	}
	noLeader := led[-1]
	byLeader := make(map[int32][]where, len(led))
	for l, n := range led {
		byLeader[l] = make([]where, 0, n)
	}
	for ti, t := range c.Topics {
		for pi, part := range t.Partitions {
			if part.Leader >= 0 {
				byLeader[part.Leader] = append(byLeader[part.Leader], where{ti, int32(pi)})
			}
		}
	}
	delete(byLeader, -1)
	var (
		mu     sync.Mutex
		missed []string
		wg     sync.WaitGroup
	)
	if noLeader > 0 {
		missed = append(missed, fmt.Sprintf("%d partitions without a leader", noLeader))
	}
	for leader, ws := range byLeader {
		for start := 0; start < len(ws); start += maxPerRequest {
			chunk := ws[start:min(start+maxPerRequest, len(ws))]
			wg.Go(func() {
				failed := p.ask(ctx, c, leader, chunk)
				if failed != "" {
					mu.Lock()
					missed = append(missed, failed)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return missed
}

// ask sends one ListOffsets request to leader for the partitions ws and
// fills in what it answers. Each goroutine writes only its own
// partitions' End.
func (p *Poller) ask(ctx context.Context, c *overview.Census, leader int32, ws []where) string {
	req := kmsg.NewPtrListOffsetsRequest() // ReplicaID -1, read uncommitted: the high watermark
	idx := map[int]int{}                   // census topic index -> request topic index
	for _, w := range ws {
		i, ok := idx[w.topic]
		if !ok {
			i = len(req.Topics)
			idx[w.topic] = i
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = c.Topics[w.topic].Name
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = w.part, -1
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	resp, err := req.RequestWith(ctx, p.cl.Broker(int(leader)))
	if err != nil {
		return fmt.Sprintf("broker %d: %d partitions: %v", leader, len(ws), err)
	}
	byName := make(map[string]int, len(req.Topics))
	for _, w := range ws {
		byName[c.Topics[w.topic].Name] = w.topic
	}
	var errs map[string]int
	for _, rt := range resp.Topics {
		ti, ok := byName[rt.Topic]
		if !ok {
			continue
		}
		parts := c.Topics[ti].Partitions
		for _, rp := range rt.Partitions {
			if rp.Partition < 0 || int(rp.Partition) >= len(parts) || parts[rp.Partition].Leader != leader {
				continue
			}
			if rp.ErrorCode != 0 {
				if errs == nil {
					errs = map[string]int{}
				}
				errs[kerr.ErrorForCode(rp.ErrorCode).Error()]++
				continue
			}
			parts[rp.Partition].End = rp.Offset
		}
	}
	if len(errs) == 0 {
		return ""
	}
	var out []string
	for e, n := range errs {
		out = append(out, fmt.Sprintf("%d partitions: %s", n, e))
	}
	sort.Strings(out)
	return fmt.Sprintf("broker %d: %s", leader, strings.Join(out, ", "))
}
