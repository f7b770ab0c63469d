// Package kafka is partop's backend for Kafka-protocol clusters: the
// embedded kfake cluster or the user's brokers (package cluster), partop's
// producer (package kproducer) and the end-offsets observer (package
// observe), wired behind platform.Backend.
package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"partop/backend/kafka/census"
	"partop/backend/kafka/cluster"
	"partop/backend/kafka/consumer"
	"partop/backend/kafka/groups"
	"partop/backend/kafka/kproducer"
	"partop/backend/kafka/observe"
	"partop/backend/kafka/sample"
	"partop/overview"
	"partop/producer"
	"partop/rules"
	"partop/source"
)

// Options are the Kafka backend's settings; zero durations take the
// rules' defaults.
type Options struct {
	Cluster cluster.Config
	// DiscoveryInterval is how often the producer's watcher, and observe
	// mode's metadata poll, look at the topic.
	DiscoveryInterval time.Duration
	// PollInterval is how often end offsets are polled.
	PollInterval time.Duration
	// ProducersInterval and ProducersGrace shape observe mode's producers
	// list (observe.Config); a negative interval lists none.
	ProducersInterval, ProducersGrace time.Duration
	// GroupsInterval is how often every consumer group on the topic is
	// polled (default rules.DefaultGroupsInterval); negative: never.
	GroupsInterval time.Duration
	// SampleBytes is what a round of the record sampler fetches at most
	// (default sample.DefaultBudget); negative: records are not sampled.
	SampleBytes int
}

// Backend is a Kafka-protocol cluster as a platform.Backend.
type Backend struct {
	cl   *cluster.Cluster
	opts Options
}

// Open starts the embedded cluster or connects to the brokers opts name.
func Open(ctx context.Context, opts Options) (*Backend, error) {
	cl, err := cluster.Open(ctx, opts.Cluster)
	if err != nil {
		return nil, err
	}
	return &Backend{cl: cl, opts: opts}, nil
}

// Cluster is the connection (tests reach the embedded cluster through it).
func (b *Backend) Cluster() *cluster.Cluster { return b.cl }

// Census is the topics view's poll of the whole cluster, over the admin
// client (platform.Censuser); with groups, every consumer group's commits
// too.
func (b *Backend) Census(groups bool) overview.Poller {
	p := census.New(b.cl.Client())
	p.Groups = groups
	return p
}

// Name is "embedded 127.0.0.1:9092" or the broker list.
func (b *Backend) Name() string { return b.cl.Name() }

// Platform is rules.Kafka.
func (b *Backend) Platform() string { return rules.Kafka }

// Embedded reports whether this is partop's in-process cluster, where
// topics are created without being asked.
func (b *Backend) Embedded() bool { return b.cl.Embedded() }

// Topic describes topic with a fresh Metadata request.
func (b *Backend) Topic(ctx context.Context, name string) (source.Topic, error) {
	t, err := b.cl.Describe(ctx, name)
	if errors.Is(err, cluster.ErrUnknownTopic) {
		return source.Topic{}, fmt.Errorf("topic %q: %w", name, source.ErrUnknownTopic)
	}
	return source.Topic{Name: name, Leaders: t.Leaders()}, err
}

// CreateTopic creates topic (on the embedded cluster with a retention
// budget that keeps memory bounded) and describes it.
func (b *Backend) CreateTopic(ctx context.Context, name string, partitions int) (source.Topic, error) {
	t, err := b.cl.EnsureTopic(ctx, name, partitions, true)
	return source.Topic{Name: name, Leaders: t.Leaders()}, err
}

// Producing makes partop's producer for w on t, and beside it an observer of
// the whole topic that reads the producer's leaders instead of polling
// metadata itself, the groups poll and the record sampler (both reading
// the observer's end offsets), and partop's consumer group when consume
// is set (it asks the brokers which group protocol they support).
func (b *Backend) Producing(ctx context.Context, w producer.Config, consume *source.ConsumerConfig, t source.Topic) (source.Sources, error) {
	p, err := kproducer.New(kproducer.Config{Config: w, DiscoveryInterval: b.opts.DiscoveryInterval, ClientOpts: b.cl.ClientOpts()}, b.cl, clusterTopic(t))
	if err != nil {
		return source.Sources{}, err
	}
	cfg := b.observeConfig(t.Name)
	cfg.Leaders, cfg.ProducersInterval = p.Leaders, -1 // the producers list is observe mode's
	whole, err := observe.New(cfg, b.cl, clusterTopic(t))
	if err != nil {
		_ = p.Close()
		return source.Sources{}, err
	}
	srcs := source.Sources{Source: p, WholeTopic: whole}
	srcs.Groups, err = b.groups(t.Name, whole)
	if err == nil {
		srcs.Keys, err = b.keys(t, whole)
	}
	if err == nil && consume != nil {
		srcs.Consumer, err = consumer.New(ctx, consumer.Config{Topic: t.Name, ClientOpts: b.cl.ClientOpts(), ConsumerConfig: *consume, DiscoveryInterval: b.opts.DiscoveryInterval})
	}
	if err != nil {
		_ = p.Close()
		_ = whole.Close()
		closeRunners(srcs)
		return source.Sources{}, err
	}
	return srcs, nil
}

// Observing makes observe mode's source on t, and beside it the groups
// poll and the record sampler.
func (b *Backend) Observing(_ context.Context, t source.Topic) (source.Sources, error) {
	o, err := observe.New(b.observeConfig(t.Name), b.cl, clusterTopic(t))
	if err != nil {
		return source.Sources{}, err
	}
	srcs := source.Sources{Source: o}
	srcs.Groups, err = b.groups(t.Name, o)
	if err == nil {
		srcs.Keys, err = b.keys(t, o)
	}
	if err != nil {
		_ = o.Close()
		closeRunners(srcs)
		return source.Sources{}, err
	}
	return srcs, nil
}

// closeRunners closes the runners made before a later one failed.
func closeRunners(srcs source.Sources) {
	for _, r := range []source.Runner{srcs.Groups, srcs.Keys} {
		if r != nil {
			_ = r.Close()
		}
	}
}

// groups is the poll of every consumer group on topic, reading the end
// offsets the observer o already polls; nil when the flags turned it off.
func (b *Backend) groups(topic string, o *observe.Observer) (source.Runner, error) {
	if b.opts.GroupsInterval < 0 {
		return nil, nil
	}
	return groups.New(groups.Config{Topic: topic, ClientOpts: b.cl.ClientOpts(), Interval: b.opts.GroupsInterval, EndOffsets: o.Ends})
}

// keys is the record sampler on t, reading the end offsets the observer
// o already polls, each partition's sample as large as the budget allows
// at t's partition count; nil when the flags turned it off.
func (b *Backend) keys(t source.Topic, o *observe.Observer) (source.Runner, error) {
	if b.opts.SampleBytes < 0 {
		return nil, nil
	}
	budget := cmp.Or(b.opts.SampleBytes, sample.DefaultBudget)
	return sample.New(sample.Config{Topic: t.Name, ClientOpts: b.cl.ClientOpts(), Budget: budget,
		Capacity: sample.CapacityFor(budget, t.Partitions()), EndOffsets: o.Ends})
}

func (b *Backend) observeConfig(topic string) observe.Config {
	return observe.Config{
		Topic: topic, Interval: b.opts.PollInterval, DiscoveryInterval: b.opts.DiscoveryInterval, ClientOpts: b.cl.ClientOpts(),
		ProducersInterval: b.opts.ProducersInterval, ProducersGrace: b.opts.ProducersGrace,
	}
}

// Close closes the admin client and stops an embedded cluster.
func (b *Backend) Close() { b.cl.Close() }

func clusterTopic(t source.Topic) cluster.Topic {
	ct := cluster.Topic{Name: t.Name, Partitions: make([]cluster.Partition, len(t.Leaders))}
	for i, l := range t.Leaders {
		ct.Partitions[i] = cluster.Partition{ID: int32(i), Leader: l}
	}
	return ct
}
