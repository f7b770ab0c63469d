package observe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/cluster"
	"partop/discovery"
	"partop/rules"
	"partop/stats"
)

// Config sets up a Source.
type Config struct {
	Topic string
	// Interval is how often end offsets are polled (default rules.DefaultPollInterval).
	Interval time.Duration
	// DiscoveryInterval is how often the topic's metadata is polled for
	// new partitions and leaders (default 1s).
	DiscoveryInterval time.Duration
	// ClientOpts reach the cluster (seeds, TLS, SASL).
	ClientOpts []kgo.Opt
	// Leaders, when set, gives the partitions' leaders by id from a
	// watcher that already polls the topic (partop's producer): the
	// source then polls no metadata of its own.
	Leaders func() []int32
	// ProducersInterval is how often the topic's producer ids are listed
	// with DescribeProducers (default 10s); negative: never.
	ProducersInterval time.Duration
	// ProducersGrace is how long after an expansion producers have to
	// write to the new partitions before one that does not is stale
	// (default 10s).
	ProducersGrace time.Duration
	// ProducersWindow is how recent a write must be for a producer not to
	// be idle (default 3 intervals); ids silent for two windows are dropped.
	ProducersWindow time.Duration
}

// Source counts every producer's records on a topic from end offsets. It is
// an engine.Source and an engine.Stepped.
type Source struct {
	cfg      Config
	cl       *kgo.Client
	admin    cluster.Grower
	counters *stats.Counters
	tracker  *discovery.Tracker
	steps    chan time.Time
	wakeMeta chan struct{} // the topic grew: poll metadata now

	offsets   *stats.Offsets  // only the offsets poll touches it
	producers *producerPoller // nil when producers are not listed

	closeOnce sync.Once
}

// New makes a source for the topic as described by initial. Partitions the
// topic has now count from their current end offsets (what was written
// before partop started is not traffic it saw); partitions added later
// count from their start.
func New(cfg Config, admin cluster.Grower, initial cluster.Topic) (*Source, error) {
	cfg.Interval = cmp.Or(cfg.Interval, rules.DefaultPollInterval)
	cfg.DiscoveryInterval = cmp.Or(cfg.DiscoveryInterval, rules.DefaultDiscoveryInterval)
	if err := rules.CheckPollInterval(cfg.Interval); err != nil {
		return nil, fmt.Errorf("observe interval %s: %w", cfg.Interval, err)
	}
	if err := rules.CheckDiscoveryInterval(cfg.DiscoveryInterval); err != nil {
		return nil, fmt.Errorf("discovery interval %s: %w", cfg.DiscoveryInterval, err)
	}
	if err := producersDefaults(&cfg); err != nil {
		return nil, err
	}
	s := &Source{
		cfg:      cfg,
		admin:    admin,
		counters: stats.NewCounters(initial.Count()),
		steps:    make(chan time.Time, 1),
		wakeMeta: make(chan struct{}, 1),
		offsets:  stats.NewOffsets(initial.Count()),
	}
	s.tracker = discovery.NewTracker(s.counters, initial.Leaders(), false)
	if cfg.ProducersInterval > 0 {
		s.producers = newProducerPoller(s)
	}
	s.tracker.OnExpansion(func() {
		s.pollMetaNow()
		if s.producers != nil {
			s.producers.expanded()
		}
	})
	cl, err := kgo.NewClient(append(append([]kgo.Opt(nil), cfg.ClientOpts...), kgo.WithHooks(cluster.MetadataCounter(s.tracker.CountMetadataRequest)))...)
	if err != nil {
		return nil, fmt.Errorf("observer client: %w", err)
	}
	s.cl = cl
	return s, nil
}

// Counters are the per-partition record counts seen so far.
func (s *Source) Counters() *stats.Counters { return s.counters }

// Tracker is the source's view of the topic and its event log.
func (s *Source) Tracker() *discovery.Tracker { return s.tracker }

// Steps delivers the time of every offsets poll that counted records.
func (s *Source) Steps() <-chan time.Time { return s.steps }

// Run polls metadata, end offsets and producers until ctx ends.
func (s *Source) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if s.cfg.Leaders == nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			discovery.Poll(ctx, s.cfg.DiscoveryInterval, true, s.wakeMeta, s.watch)
		}()
	}
	if s.producers != nil {
		wg.Go(func() { s.producers.run(ctx) })
	}
	// Offsets are polled on a steady clock: every poll is a sample.
	discovery.Poll(ctx, s.cfg.Interval, false, nil, s.pollOffsets)
	wg.Wait()
}

// watch describes the topic: its partition count and leaders.
func (s *Source) watch(ctx context.Context) error {
	t, err := cluster.Describe(ctx, s.cl, s.cfg.Topic)
	if errors.Is(err, context.Canceled) {
		return err
	}
	s.tracker.Watched(t.Leaders(), err)
	return err
}

// leaders are the partitions' leaders by id, as last seen.
func (s *Source) leaders() []int32 {
	if s.cfg.Leaders != nil {
		return s.cfg.Leaders()
	}
	return s.tracker.View().Leaders
}

// Close releases the client. Observing has nothing in flight to lose.
func (s *Source) Close() error {
	s.closeOnce.Do(s.cl.Close)
	return nil
}

// pollMetaNow makes the metadata poll come at once (a wake-up already
// pending is enough).
func (s *Source) pollMetaNow() {
	select {
	case s.wakeMeta <- struct{}{}:
	default:
	}
}

// Grow adds partitions through the admin client; the next metadata poll
// comes at once so their leaders are known for the next offsets poll.
func (s *Source) Grow(ctx context.Context, target func(current int) int) (from, to int, err error) {
	return s.tracker.Grow(func() (int, int, error) { return s.admin.Grow(ctx, s.cfg.Topic, target) })
}
