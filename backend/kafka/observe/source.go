package observe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/rules"
	"partop/source"
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

// Observer counts every producer's records on a topic from end offsets. It
// is a source.Source whose counts come in steps.
type Observer struct {
	cfg   Config
	cl    *kgo.Client
	admin cluster.Grower
	*source.Tally
	wakeMeta chan struct{} // the topic grew: poll metadata now

	mu      sync.Mutex
	leaders []int32 // as the metadata poll last saw them
	latest  *latest // the latest expansion; nil: none seen

	producers *producerPoller // nil when producers are not listed
	firsts    source.Undated  // new partitions whose first record is not dated yet
	topicID   topicID         // for reading their first records

	closeOnce sync.Once
}

// New makes a source for the topic as described by initial. Partitions the
// topic has now count from their current end offsets (what was written
// before partop started is not traffic it saw); partitions added later
// count from their start.
func New(cfg Config, admin cluster.Grower, initial cluster.Topic) (*Observer, error) {
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
	s := &Observer{
		cfg:      cfg,
		admin:    admin,
		Tally:    source.NewTally(initial.Leaders()),
		wakeMeta: make(chan struct{}, 1),
	}
	s.leaders = s.Initial()
	if cfg.ProducersInterval > 0 {
		s.producers = newProducerPoller(s)
	}
	cl, err := kgo.NewClient(append(append([]kgo.Opt(nil), cfg.ClientOpts...), kgo.WithHooks(cluster.MetadataCounter(func() { s.Report(source.MetadataSent{}) })))...)
	if err != nil {
		return nil, fmt.Errorf("observer client: %w", err)
	}
	s.cl = cl
	return s, nil
}

// About says what the engine needs to know of the observer: its counts
// come in steps, and whether it lists producers.
func (s *Observer) About() source.About {
	a := s.Tally.About()
	if s.producers == nil {
		a.NoProducers = ProducersOff
	}
	return a
}

// Run polls metadata, end offsets and producers until ctx ends, reporting
// to r.
func (s *Observer) Run(ctx context.Context, r source.Reporter) {
	s.Set(r)
	var wg sync.WaitGroup
	if s.cfg.Leaders == nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			source.Poll(ctx, s.cfg.DiscoveryInterval, true, s.wakeMeta, s.watch)
		}()
	}
	if s.producers != nil {
		wg.Go(func() { s.producers.run(ctx) })
	}
	// Offsets are polled on a steady clock: every poll is a sample. After
	// an expansion, a poll that sees records on a new partition then reads
	// the first one for its timestamp.
	source.Poll(ctx, s.cfg.Interval, false, nil, func(ctx context.Context) error {
		if err := s.pollOffsets(ctx); err != nil {
			return err
		}
		s.readFirstRecords(ctx)
		return nil
	})
	wg.Wait()
}

// watch describes the topic: its partition count and leaders. A larger
// count is an expansion the producers list judges producers by.
func (s *Observer) watch(ctx context.Context) error {
	t, brokers, err := cluster.DescribeLayout(ctx, s.cl, s.cfg.Topic)
	if errors.Is(err, context.Canceled) {
		return err
	}
	leaders := t.Leaders()
	s.Report(cluster.MetadataOf(t, brokers, err))
	if err != nil {
		return err
	}
	s.mu.Lock()
	from := len(s.leaders)
	s.leaders = leaders
	s.mu.Unlock()
	s.expanded(from, len(leaders))
	return nil
}

// expanded notes that the topic grew from..to (nothing when it did not):
// the producers list looks at once, for a baseline.
func (s *Observer) expanded(from, to int) {
	s.mu.Lock()
	grew := to > from && (s.latest == nil || to > s.latest.to)
	if grew {
		s.latest = &latest{from: from, to: to, at: time.Now()}
	}
	s.mu.Unlock()
	if grew {
		s.firsts.Add(from, to)
	}
	if grew && s.producers != nil {
		s.producers.expanded()
	}
}

// latestExpansion is the latest expansion seen; nil before one.
func (s *Observer) latestExpansion() *latest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest
}

// partitionLeaders are the partitions' leaders by id, as last seen.
func (s *Observer) partitionLeaders() []int32 {
	if s.cfg.Leaders != nil {
		return s.cfg.Leaders()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leaders
}

// Close releases the client. Observing has nothing in flight to lose.
func (s *Observer) Close() error {
	s.closeOnce.Do(s.cl.Close)
	return nil
}

// pollMetaNow makes the metadata poll come at once (a wake-up already
// pending is enough).
func (s *Observer) pollMetaNow() {
	select {
	case s.wakeMeta <- struct{}{}:
	default:
	}
}

// Grow adds partitions through the admin client; the next metadata poll
// comes at once so their leaders are known for the next offsets poll.
func (s *Observer) Grow(ctx context.Context, target func(current int) int) (from, to int, err error) {
	if from, to, err = s.admin.Grow(ctx, s.cfg.Topic, target); err != nil {
		return from, to, err
	}
	s.expanded(from, to)
	s.pollMetaNow()
	return from, to, nil
}

// Plan says where balanced placement would put the partitions added to
// reach target (source.Placer), from the topic's records/s by partition.
func (s *Observer) Plan(ctx context.Context, target func(current int) int, load []float64) (source.Plan, error) {
	return s.admin.Plan(ctx, s.cfg.Topic, target, load)
}

// GrowPlaced adds partitions where plan puts them (source.Placer); the
// next metadata poll comes at once, as after Grow.
func (s *Observer) GrowPlaced(ctx context.Context, plan source.Plan) (from, to int, err error) {
	if from, to, err = s.admin.GrowPlaced(ctx, s.cfg.Topic, plan); err != nil {
		return from, to, err
	}
	s.expanded(from, to)
	s.pollMetaNow()
	return from, to, nil
}

var _ source.Placer = (*Observer)(nil)
