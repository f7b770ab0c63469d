package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"partop/rules"
	"partop/source"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic is what partop knows of a topic's partitions.
type Topic struct {
	Name       string
	ID         [16]byte    // the topic's id (Kafka 2.8+; zero before): Fetch v13+ names topics by it
	Partitions []Partition // sorted by ID
}

// Partition is one partition, its leader (-1 while it has none) and its
// replicas (the metadata's order, the preferred leader first).
type Partition struct {
	ID       int32
	Leader   int32
	Replicas []int32
}

// Count is the number of partitions.
func (t Topic) Count() int { return len(t.Partitions) }

// Leaders are the partitions' leaders, by partition id.
func (t Topic) Leaders() []int32 {
	out := make([]int32, len(t.Partitions))
	for i, p := range t.Partitions {
		out[i] = p.Leader
	}
	return out
}

// Describe asks a broker for the topic's partitions with a direct Metadata
// request. kadm answers from kgo's metadata cache (up to MetadataMinAge
// old); a direct request is always fresh.
func (c *Cluster) Describe(ctx context.Context, topic string) (Topic, error) {
	return Describe(ctx, c.client, topic)
}

// Describe is Cluster.Describe over any client, for the producer's watcher.
func Describe(ctx context.Context, cl *kgo.Client, topic string) (Topic, error) {
	t, _, err := describe(ctx, cl, topic)
	return t, err
}

// DescribeLayout is Describe with the cluster's brokers and their racks,
// sorted by id, over any client (the sources' watchers report them).
func DescribeLayout(ctx context.Context, cl *kgo.Client, topic string) (Topic, []Broker, error) {
	return describe(ctx, cl, topic)
}

// MetadataOf is a look at t as the engine takes it: leaders, replicas and
// the cluster's brokers, or the error.
func MetadataOf(t Topic, brokers []Broker, err error) source.Metadata {
	m := source.Metadata{Leaders: t.Leaders(), Err: err}
	if err == nil {
		m.Replicas = t.Replicas()
		m.Brokers = make([]source.Broker, len(brokers))
		for i, b := range brokers {
			m.Brokers[i] = source.Broker{ID: b.ID, Rack: b.Rack}
		}
	}
	return m
}

// Replicas are the partitions' replicas, by partition id.
func (t Topic) Replicas() [][]int32 {
	out := make([][]int32, len(t.Partitions))
	for i, p := range t.Partitions {
		out[i] = p.Replicas
	}
	return out
}

// Layout is Describe with the cluster's brokers and their racks, sorted
// by id: what placing new partitions needs.
func (c *Cluster) Layout(ctx context.Context, topic string) (Topic, []Broker, error) {
	return describe(ctx, c.client, topic)
}

func describe(ctx context.Context, cl *kgo.Client, topic string) (Topic, []Broker, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return Topic{}, nil, fmt.Errorf("describe topic %q: %w", topic, err)
	}
	brokers := make([]Broker, 0, len(resp.Brokers))
	for _, b := range resp.Brokers {
		br := Broker{ID: b.NodeID}
		if b.Rack != nil {
			br.Rack = *b.Rack
		}
		brokers = append(brokers, br)
	}
	sort.Slice(brokers, func(i, j int) bool { return brokers[i].ID < brokers[j].ID })
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return Topic{}, nil, fmt.Errorf("topic %q: %w", topic, ErrUnknownTopic)
			}
			return Topic{}, nil, fmt.Errorf("describe topic %q: %w", topic, err)
		}
		out := Topic{Name: topic, ID: t.TopicID, Partitions: make([]Partition, 0, len(t.Partitions))}
		for _, p := range t.Partitions {
			out.Partitions = append(out.Partitions, Partition{ID: p.Partition, Leader: p.Leader, Replicas: p.Replicas})
		}
		sort.Slice(out.Partitions, func(i, j int) bool { return out.Partitions[i].ID < out.Partitions[j].ID })
		return out, brokers, nil
	}
	return Topic{}, nil, fmt.Errorf("topic %q: %w", topic, ErrUnknownTopic)
}

// EnsureTopic makes sure the topic exists. The embedded cluster always
// creates it; a real cluster only when create is set, since creating topics
// on someone's production cluster by accident is worse than an error.
func (c *Cluster) EnsureTopic(ctx context.Context, topic string, partitions int, create bool) (Topic, error) {
	if err := rules.KafkaRules.CheckTopicName(topic); err != nil {
		return Topic{}, err
	}
	t, err := c.Describe(ctx, topic)
	if err == nil || !errors.Is(err, ErrUnknownTopic) {
		return t, err
	}
	if !create && c.fake == nil {
		return Topic{}, fmt.Errorf("topic %q does not exist on %s; pass --create to create it with --partitions %d", topic, c.Name(), partitions)
	}
	if err := rules.CheckPartitions(partitions); err != nil {
		return Topic{}, fmt.Errorf("create topic %q with %d partitions: %w", topic, partitions, err)
	}
	var configs map[string]*string
	if c.fake != nil {
		configs = c.emb.topicConfigs(partitions)
	}
	resp, err := c.adm.CreateTopic(ctx, int32(partitions), -1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return Topic{}, fmt.Errorf("create topic %q with %d partitions: %w", topic, partitions, err)
	}
	return c.describeNew(ctx, topic)
}

// describeNew describes a topic that was just created. Kafka answers
// CreateTopics once the controller has the topic; the broker that answers
// the next Metadata request may apply it a few milliseconds later and say
// UNKNOWN_TOPIC_OR_PARTITION meanwhile (seen in 2 of 10 creations on a
// 3-node Kafka 4.1 cluster), so ask again for a while.
func (c *Cluster) describeNew(ctx context.Context, topic string) (Topic, error) {
	deadline := time.Now().Add(newTopicWait)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		t, err := c.Describe(ctx, topic)
		if !errors.Is(err, ErrUnknownTopic) || time.Now().After(deadline) {
			return t, err
		}
		select {
		case <-ctx.Done():
			return Topic{}, fmt.Errorf("topic %q: created, but not in the brokers' metadata yet: %w", topic, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// newTopicWait bounds how long describeNew waits for a new topic to show.
const newTopicWait = 10 * time.Second

// Grower grows a topic: what a source needs to add partitions, placed by
// the cluster (Grow) or by partop (Plan, then GrowPlaced). *Cluster is the
// real one; tests use their own.
type Grower interface {
	Grow(ctx context.Context, topic string, target func(current int) int) (from, to int, err error)
	Plan(ctx context.Context, topic string, target func(current int) int, load []float64) (source.Plan, error)
	GrowPlaced(ctx context.Context, topic string, plan source.Plan) (from, to int, err error)
}

// Grow raises the topic's partition count to target and returns the counts
// before and after. The current count comes from a fresh Metadata request,
// so a target computed from a stale view fails with a clear message rather
// than asking Kafka to shrink.
func (c *Cluster) Grow(ctx context.Context, topic string, target func(current int) int) (from, to int, err error) {
	t, err := c.Describe(ctx, topic)
	if err != nil {
		return 0, 0, err
	}
	from, to = t.Count(), target(t.Count())
	if err := rules.CheckGrow(rules.Kafka, from, to); err != nil {
		return from, from, err
	}
	resp, err := c.adm.UpdatePartitions(ctx, to, topic)
	if err == nil {
		var r kadm.CreatePartitionsResponse
		if r, err = resp.On(topic, nil); err == nil {
			err = r.Err
			if err != nil && r.ErrMessage != "" {
				err = fmt.Errorf("%w (%s)", err, r.ErrMessage)
			}
		}
	}
	if err != nil {
		return from, from, fmt.Errorf("add partitions to %q (%d→%d): %w", topic, from, to, err)
	}
	if c.fake != nil {
		c.rebudget(ctx, topic, to)
	}
	return from, to, nil
}

// Plan says where balanced placement (Place) would put the partitions
// added to reach target, from a fresh look at the topic and its brokers
// and the topic's records/s by partition. It changes nothing.
func (c *Cluster) Plan(ctx context.Context, topic string, target func(current int) int, load []float64) (source.Plan, error) {
	t, brokers, err := c.Layout(ctx, topic)
	if err != nil {
		return source.Plan{}, err
	}
	from, to := t.Count(), target(t.Count())
	if err := rules.CheckGrow(rules.Kafka, from, to); err != nil {
		return source.Plan{}, err
	}
	placed, err := Place(brokers, t.Partitions, load, to-from)
	if err != nil {
		return source.Plan{}, fmt.Errorf("place %d new partitions of %q: %w", to-from, topic, err)
	}
	return source.Plan{From: from, To: to, Replicas: placed, Brokers: brokerLoads(brokers, t.Partitions, load, placed)}, nil
}

// GrowPlaced adds the partitions plan places, with an explicit assignment
// in CreatePartitions (the first replica leads). A topic that no longer
// has plan.From partitions (someone added some since) gets none: the plan
// was for the topic as it was.
func (c *Cluster) GrowPlaced(ctx context.Context, topic string, plan source.Plan) (from, to int, err error) {
	t, err := c.Describe(ctx, topic)
	if err != nil {
		return 0, 0, err
	}
	from = t.Count()
	if from != plan.From {
		return from, from, fmt.Errorf("the topic has %d partitions now, not the %d the placement was planned for: partitions were added meanwhile; look at the placement again", from, plan.From)
	}
	if err := rules.CheckGrow(rules.Kafka, from, plan.To); err != nil {
		return from, from, err
	}
	if len(plan.Replicas) != plan.To-plan.From {
		return from, from, fmt.Errorf("the placement names %d partitions' replicas for %d new partitions", len(plan.Replicas), plan.To-plan.From)
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.TimeoutMillis = createTimeoutMillis(ctx)
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic, rt.Count = topic, int32(plan.To)
	for _, r := range plan.Replicas {
		a := kmsg.NewCreatePartitionsRequestTopicAssignment()
		a.Replicas = r
		rt.Assignment = append(rt.Assignment, a)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.client)
	if err == nil {
		err = kerr.UnknownTopicOrPartition
		for _, r := range resp.Topics {
			if r.Topic != topic {
				continue
			}
			if err = kerr.ErrorForCode(r.ErrorCode); err != nil && r.ErrorMessage != nil && *r.ErrorMessage != "" {
				err = fmt.Errorf("%w (%s)", err, *r.ErrorMessage)
			}
		}
	}
	if err != nil {
		return from, from, fmt.Errorf("add partitions to %q (%d→%d) placed %s: %w", topic, from, plan.To, plan.LeadersText(), err)
	}
	if c.fake != nil {
		c.rebudget(ctx, topic, plan.To)
	}
	return from, plan.To, nil
}

// createTimeoutMillis is how long the controller may take to create
// partitions: the context's time left, or kadm's default of 15 s.
func createTimeoutMillis(ctx context.Context) int32 {
	if d, ok := ctx.Deadline(); ok {
		return int32(max(time.Until(d).Milliseconds(), 1))
	}
	return 15000
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// rebudget spreads the embedded retention budget over the new partition
// count, so widening the topic does not widen memory use. Best effort: the
// old per-partition limit still bounds memory if it fails.
func (c *Cluster) rebudget(ctx context.Context, topic string, partitions int) {
	v := c.emb.topicConfigs(partitions)["retention.bytes"]
	_, _ = c.adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.bytes", Value: v}}, topic)
}

// EndOffsets returns each partition's high watermark (fresh, not cached):
// ListOffsets over every partition the topic's metadata lists.
func (c *Cluster) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	got, err := c.ListOffsets(ctx, topic, AtEnd, nil)
	out := make(map[int32]int64, len(got))
	for p, o := range got {
		out[p] = o.Offset
	}
	if err != nil {
		err = fmt.Errorf("end offsets of %q: %w", topic, err)
	}
	return out, err
}
