package producer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/cluster"
	"partop/discovery"
	"partop/rules"
	"partop/stats"
	"partop/workload"
)

// Producer sends records to one topic and feeds the per-partition counts
// and the discovery tracker. It is an engine.Sender: create it with New,
// run it with Run, stop it with Close.
type Producer struct {
	cfg      Config
	cl       *kgo.Client // produces
	watchCl  *kgo.Client // polls the topic's metadata
	admin    cluster.Grower
	counters *stats.Counters
	tracker  *discovery.Tracker
	part     *observing
	records  *workload.Records
	// onAck is p.promise, bound once: a method value passed to Produce
	// would allocate a closure per record (measured: 10-15% of throughput).
	onAck func(*kgo.Record, error)

	*workload.Pacer // the send loop's rate and pause

	confirming atomic.Bool // a confirmRefresh loop is running

	refreshMu   sync.Mutex
	lastRefresh time.Time

	// produceCtx outlives Run: records already handed to kgo must not fail
	// just because sending stopped. Close cancels it only once the flush
	// deadline has passed.
	produceCtx    context.Context
	cancelProduce context.CancelFunc

	closeOnce sync.Once
	life      *workload.Lifecycle
}

// New makes a producer for the topic as described by initial (from
// cluster.EnsureTopic). It connects lazily; nothing is sent before Run.
func New(cfg Config, admin cluster.Grower, initial cluster.Topic) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	p := &Producer{
		cfg: cfg, admin: admin,
		counters: stats.NewCounters(initial.Count()),
		life:     workload.NewLifecycle(),
	}
	p.produceCtx, p.cancelProduce = context.WithCancel(context.Background())
	p.Pacer = workload.NewPacer(cfg.Rate, cfg.Paused)
	p.tracker = discovery.NewTracker(p.counters, initial.Leaders(), true)
	p.tracker.OnExpansion(p.refreshNow)
	if cfg.Partitioner == rules.UniformSticky {
		p.tracker.ExplainSlowPickup(workload.SlowPickupAfter, workload.StickyNote)
	}
	p.part = &observing{inner: basePartitioner(cfg.Partitioner), onChange: p.tracker.Routed}
	p.records = workload.NewRecords(cfg.Config, rand.Uint64())
	p.onAck = p.promise
	meta := kgo.WithHooks(cluster.MetadataCounter(p.tracker.CountMetadataRequest))
	opts := append(append([]kgo.Opt(nil), cfg.ClientOpts...),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RecordPartitioner(p.part),
		meta,
		kgo.MetadataMinAge(time.Second),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("producer client: %w", err)
	}
	// The watcher has a client of its own: a Metadata request issued
	// through the producing client goes through kgo's metadata handling
	// and cost about 8% of throughput at full speed (docs/BENCHMARKS.md).
	wcl, err := kgo.NewClient(append(append([]kgo.Opt(nil), cfg.ClientOpts...), meta)...)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("watcher client: %w", err)
	}
	p.cl, p.watchCl = cl, wcl
	return p, nil
}

// Client is the producer's kgo client (for tests and benchmarks).
func (p *Producer) Client() *kgo.Client { return p.cl }

// Counters are the per-partition acknowledgement counters.
func (p *Producer) Counters() *stats.Counters { return p.counters }

// Tracker is the producer's view of its topic and its event log.
func (p *Producer) Tracker() *discovery.Tracker { return p.tracker }

// Config is the producer's configuration with defaults applied.
func (p *Producer) Config() Config { return p.cfg }

// Grow adds partitions through the admin client and makes the producer use
// them at once. target maps the current count to the wanted total.
func (p *Producer) Grow(ctx context.Context, target func(current int) int) (from, to int, err error) {
	return p.tracker.Grow(func() (int, int, error) { return p.admin.Grow(ctx, p.cfg.Topic, target) })
}

// refreshNow makes kgo refresh metadata immediately (kgo's own refresh
// waits up to MetadataMaxAge, 5 minutes by default).
func (p *Producer) refreshNow() {
	p.refreshMu.Lock()
	p.lastRefresh = time.Now()
	p.refreshMu.Unlock()
	p.cl.ForceMetadataRefresh()
	if p.confirming.CompareAndSwap(false, true) {
		go p.confirmRefresh()
	}
}

// confirmRefresh refreshes again, with backoff for about 3 s, until the
// client knows as many partitions as the cluster was seen to have. The
// broker that answers a refresh right after CreatePartitions may not have
// applied it yet (about 1 in 5 expansions on a 3-node Kafka 4.1 cluster);
// kgo then keeps the old count, with no error, until its next refresh,
// MetadataMaxAge (5 min) later. It also goes on while an expansion waits
// for its first acks: a new partition's leader may answer the first produce
// with NOT_LEADER_FOR_PARTITION, and kgo's own retry refresh then waits out
// MetadataMinAge (1 s) since our forced one (seen: 1 in 30 expansions).
func (p *Producer) confirmRefresh() {
	defer p.confirming.Store(false)
	for wait := 25 * time.Millisecond; wait <= 2*time.Second; wait *= 2 {
		t := time.NewTimer(wait)
		select {
		case <-p.life.Stopping():
			t.Stop()
			return
		case <-t.C:
		}
		if p.knowsAll() && !p.tracker.PickingUp() {
			return
		}
		p.cl.ForceMetadataRefresh()
	}
}

// knowsAll reports whether the producer's client can route to every
// partition the cluster was last seen to have: loaded, with a leader and no
// load error (a new partition can be listed before its leader is ready).
func (p *Producer) knowsAll() bool {
	want := p.tracker.View().Cluster
	if want <= 0 {
		return true
	}
	if first, _, _ := p.cl.PartitionLeader(p.cfg.Topic, 0); first < 0 {
		return true // nothing produced yet: kgo loads the topic on the first record
	}
	leader, _, err := p.cl.PartitionLeader(p.cfg.Topic, int32(want-1))
	return leader >= 0 && err == nil
}

// refreshAfterError refreshes on produce errors that mean stale metadata,
// at most once a second however many records fail.
func (p *Producer) refreshAfterError(err error) {
	if !staleMetadata(err) {
		return
	}
	p.refreshMu.Lock()
	due := time.Since(p.lastRefresh) >= time.Second
	if due {
		p.lastRefresh = time.Now()
	}
	p.refreshMu.Unlock()
	if due {
		p.cl.ForceMetadataRefresh()
	}
}

func staleMetadata(err error) bool {
	for _, e := range []error{
		kerr.NotLeaderForPartition, kerr.UnknownTopicOrPartition, kerr.LeaderNotAvailable,
		kerr.FencedLeaderEpoch, kerr.UnknownLeaderEpoch, kerr.NotEnoughReplicas,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// promise is called by kgo exactly once per record: this is where
// acknowledgements are counted, so none is counted twice or missed.
func (p *Producer) promise(r *kgo.Record, err error) {
	if err != nil {
		part := r.Partition
		p.counters.Fail(part, err)
		p.tracker.ProduceError(part, err)
		p.refreshAfterError(err)
		return
	}
	if first, _ := p.counters.Ack(r.Partition, len(r.Key)+len(r.Value)); first {
		p.tracker.FirstAck(r.Partition)
	}
}
