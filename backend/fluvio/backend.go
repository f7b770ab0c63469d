package fluvio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"partop/backend/fluvio/client"
	"partop/producer"
	"partop/rules"
	"partop/source"
)

// Options are the Fluvio backend's settings.
type Options struct {
	// SC is the SC's public address, host:port.
	SC string
	// PollInterval is how often end offsets are polled (default
	// rules.DefaultPollInterval).
	PollInterval time.Duration
	// SampleBytes is what a round of the record sampler fetches at most
	// (default DefaultSampleBudget); negative: records are not sampled.
	SampleBytes int
}

// connectTimeout bounds connecting to the SC and each lookup: an SC that
// accepts but never answers fails with a message.
const connectTimeout = 10 * time.Second

// Backend is a Fluvio cluster as a platform.Backend.
type Backend struct {
	cl   *client.Client
	opts Options
}

// Open connects to the SC.
func Open(ctx context.Context, opts Options) (*Backend, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	cl, err := client.Dial(ctx, opts.SC)
	if err != nil {
		return nil, fmt.Errorf("--fluvio %s: %w", opts.SC, err)
	}
	return &Backend{cl: cl, opts: opts}, nil
}

// Name is "fluvio host:port".
func (b *Backend) Name() string { return "fluvio " + b.opts.SC }

// Platform is rules.Fluvio.
func (b *Backend) Platform() string { return rules.Fluvio }

// Embedded is false: partop embeds no Fluvio cluster.
func (b *Backend) Embedded() bool { return false }

// Topic describes topic as the SC has it.
func (b *Backend) Topic(ctx context.Context, name string) (source.Topic, error) {
	t, err := b.describe(ctx, name)
	return source.Topic{Name: name, Leaders: t.Leaders()}, err
}

func (b *Backend) describe(ctx context.Context, name string) (client.Topic, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	t, err := b.cl.Topic(ctx, name)
	switch {
	case errors.Is(err, client.ErrUnknownTopic):
		return t, fmt.Errorf("topic %q: %w", name, source.ErrUnknownTopic)
	case err != nil:
		return t, fmt.Errorf("%s: describing topic %q: %w", b.Name(), name, err)
	}
	return t, nil
}

// createWait bounds creating a topic: the SC answers once every partition
// is online, or after 90 s.
const createWait = 100 * time.Second

// CreateTopic creates topic with partitions and describes it.
func (b *Backend) CreateTopic(ctx context.Context, name string, partitions int) (source.Topic, error) {
	if err := rules.CheckPartitions(partitions); err != nil {
		return source.Topic{}, fmt.Errorf("create topic %q with %d partitions: %w", name, partitions, err)
	}
	cctx, cancel := context.WithTimeout(ctx, createWait)
	defer cancel()
	err := b.cl.CreateTopic(cctx, name, partitions)
	if err != nil && !errors.Is(err, client.ErrTopicExists) { // someone else being quicker is fine
		return source.Topic{}, fmt.Errorf("create topic %q on %s: %w", name, b.Name(), err)
	}
	return b.Topic(ctx, name)
}

// Producing makes partop's producer for w on t, and beside it an observer of
// the whole topic that reads the leaders the producer's watch stream
// announces instead of opening a stream of its own, and the record
// sampler, reading that observer's end offsets.
//
// Fluvio has no consumer groups partop can run or see: consume is
// refused (with the message Flags.Check gives --consume), and there is no
// groups poll.
func (b *Backend) Producing(ctx context.Context, w producer.Config, consume *source.ConsumerConfig, t source.Topic) (source.Sources, error) {
	if consume != nil {
		return source.Sources{}, noGroup("consume")
	}
	ft, err := b.describe(ctx, t.Name) // the routing table needs the leaders' addresses
	if err != nil {
		return source.Sources{}, err
	}
	p, err := NewProducer(w, b.cl, ft)
	if err != nil {
		return source.Sources{}, err
	}
	whole, err := NewObserver(ObserverConfig{Topic: t.Name, Interval: b.opts.PollInterval, Leaders: p.Leaders}, b.cl, ft)
	if err != nil {
		_ = p.Close()
		return source.Sources{}, err
	}
	keys, err := b.keys(t, whole)
	if err != nil {
		_ = p.Close()
		return source.Sources{}, err
	}
	return source.Sources{Source: p, WholeTopic: whole, Keys: keys}, nil
}

// Observing makes observe mode's source on t, and beside it the record
// sampler.
func (b *Backend) Observing(ctx context.Context, t source.Topic) (source.Sources, error) {
	ft, err := b.describe(ctx, t.Name)
	if err != nil {
		return source.Sources{}, err
	}
	o, err := NewObserver(ObserverConfig{Topic: t.Name, Interval: b.opts.PollInterval}, b.cl, ft)
	if err != nil {
		return source.Sources{}, err
	}
	keys, err := b.keys(t, o)
	if err != nil {
		return source.Sources{}, err
	}
	return source.Sources{Source: o, Keys: keys}, nil
}

// keys is the record sampler on t, reading the end offsets the observer
// o already polls, each partition's sample as large as the budget allows
// at t's partition count; nil when the options turned it off.
func (b *Backend) keys(t source.Topic, o *Observer) (source.Runner, error) {
	if b.opts.SampleBytes < 0 {
		return nil, nil
	}
	budget := cmp.Or(b.opts.SampleBytes, DefaultSampleBudget)
	s, err := NewSampler(SamplerConfig{Topic: t.Name, Budget: budget,
		Capacity: sampleCapacityFor(budget, t.Partitions()), EndOffsets: o.Ends}, b.cl)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the connection to the SC.
func (b *Backend) Close() { _ = b.cl.Close() }
