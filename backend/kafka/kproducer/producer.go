package kproducer

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

	"partop/backend/kafka/cluster"
	"partop/producer"
	"partop/source"
	"partop/stats"
)

// Producer sends records to one topic, feeds the per-partition counts and
// reports what it learns of the topic to the engine. It is a
// source.Sender: create it with New, run it with Run, stop it with Close.
type Producer struct {
	cfg      Config
	cl       *kgo.Client // produces
	watchCl  *kgo.Client // polls the topic's metadata
	admin    cluster.Grower
	counters *stats.Counters
	reports  source.Reports
	initial  []int32 // the topic's leaders when New was called
	part     *routing
	records  *producer.Records
	// The topic as this producer last knew it, from its watcher and its
	// own Grow: the latest leaders, the partition count, and where the
	// latest expansion's new partitions begin (they are picked up once
	// each has a first record).
	leaders atomic.Pointer[[]int32]
	known   atomic.Int32
	newFrom atomic.Int32
	// onAck is p.promise, bound once: a method value passed to Produce
	// would allocate a closure per record (measured: 10-15% of throughput).
	onAck func(*kgo.Record, error)
	// clock is now (UnixNano) as the send loop last read it (every
	// stampEvery records): what the default partitioner times its turns
	// by (TurnLinger), where reading the clock for every record would
	// cost several percent at full speed.
	clock atomic.Int64

	*producer.Pacer // the send loop's rate and pause

	confirming atomic.Bool // a confirmRefresh loop is running

	refreshMu   sync.Mutex
	lastRefresh time.Time

	// produceCtx outlives Run: records already handed to kgo must not fail
	// just because sending stopped. Close cancels it only once the flush
	// deadline has passed.
	produceCtx    context.Context
	cancelProduce context.CancelFunc

	closeOnce sync.Once
	life      *producer.Lifecycle
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
		life:     producer.NewLifecycle(),
	}
	p.produceCtx, p.cancelProduce = context.WithCancel(context.Background())
	p.Pacer = producer.NewPacer(cfg.Rate, cfg.Paused)
	p.initial = initial.Leaders()
	p.leaders.Store(&p.initial)
	p.known.Store(int32(initial.Count()))
	p.newFrom.Store(int32(initial.Count()))
	p.part = &routing{inner: basePartitioner(cfg.Partitioner, &p.clock), onChange: func(n int) { p.reports.Report(source.Routed{Partitions: n}) }}
	p.records = producer.NewRecords(cfg.Config, rand.Uint64())
	p.onAck = p.promise
	meta := kgo.WithHooks(cluster.MetadataCounter(func() { p.reports.Report(source.MetadataSent{}) }))
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

// About says what the engine needs to know of the producer.
func (p *Producer) About() source.About {
	a := producer.AboutSender(p.cfg.Config, p.initial)
	a.Placement = placement(a.Partitioner, a.Keyed)
	return a
}

// Held is how many records kgo holds for the producer: buffered or in
// flight, not yet acknowledged nor failed (source.Holder). kgo retries
// them until the cluster answers.
func (p *Producer) Held() int64 { return p.cl.BufferedProduceRecords() }

var _ source.Holder = (*Producer)(nil)

// Leaders are the topic's partitions' leaders by id as the watcher last
// saw them: the whole-topic observer beside the producer reads them
// instead of watching the topic itself.
func (p *Producer) Leaders() []int32 { return *p.leaders.Load() }

// Grow adds partitions through the admin client and makes the producer use
// them at once. target maps the current count to the wanted total.
func (p *Producer) Grow(ctx context.Context, target func(current int) int) (from, to int, err error) {
	if from, to, err = p.admin.Grow(ctx, p.cfg.Topic, target); err != nil {
		return from, to, err
	}
	p.grew(from, to)
	return from, to, nil
}

// Plan says where balanced placement would put the partitions added to
// reach target (source.Placer), from the topic's records/s by partition.
func (p *Producer) Plan(ctx context.Context, target func(current int) int, load []float64) (source.Plan, error) {
	return p.admin.Plan(ctx, p.cfg.Topic, target, load)
}

// GrowPlaced adds partitions where plan puts them and makes the producer
// use them at once (source.Placer).
func (p *Producer) GrowPlaced(ctx context.Context, plan source.Plan) (from, to int, err error) {
	if from, to, err = p.admin.GrowPlaced(ctx, p.cfg.Topic, plan); err != nil {
		return from, to, err
	}
	p.grew(from, to)
	return from, to, nil
}

var _ source.Placer = (*Producer)(nil)

// grew takes a larger partition count, from partop's Grow or the watcher,
// and refreshes the client's metadata at once.
func (p *Producer) grew(from, to int) {
	for {
		known := p.known.Load()
		if int32(to) <= known {
			return // seen already
		}
		if p.known.CompareAndSwap(known, int32(to)) {
			break
		}
	}
	p.newFrom.Store(int32(from))
	p.refreshNow()
}

// pickingUp reports whether a new partition of the latest expansion still
// waits for its first record.
func (p *Producer) pickingUp() bool {
	for part := p.newFrom.Load(); part < p.known.Load(); part++ {
		if p.counters.FirstAck(part).IsZero() {
			return true
		}
	}
	return false
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
		if p.knowsAll() && !p.pickingUp() {
			return
		}
		p.cl.ForceMetadataRefresh()
	}
}

// knowsAll reports whether the producer's client can route to every
// partition the cluster was last seen to have: loaded, with a leader and no
// load error (a new partition can be listed before its leader is ready).
func (p *Producer) knowsAll() bool {
	want := int(p.known.Load())
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
		p.reports.Report(source.RecordFailed{Partition: part, Err: err})
		p.refreshAfterError(err)
		return
	}
	if first, _ := p.counters.Ack(r.Partition, len(r.Key)+len(r.Value)); first {
		// Where a new partition's first record is, for dating what was
		// on it when (engine: a by-timestamp answer counts records this
		// producer stamped before they landed).
		p.counters.SetFirstOffset(r.Partition, r.Offset)
	}
	// How many were acknowledged by when, on partitions added while
	// running: with acks=all (kgo's default, partop's) an acknowledged
	// record was readable, a floor for the same dating
	// (stats.Counters.AckedBy). A load and a compare; a store when new.
	p.counters.LogAck(r.Partition, r.Offset)
}
