package fluvio

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"partop/backend/fluvio/client"
	"partop/producer"
	"partop/rules"
	"partop/source"
	"partop/stats"
)

// Producer is partop's producer on a Fluvio topic: a source.Sender. It
// sends records at a target rate to the partitions the SC's watch stream
// announces, counts every acknowledgement exactly once, and adds
// partitions through the SC. Create it with NewProducer, run it with Run,
// stop it with Close.
type Producer struct {
	cfg      producer.Config
	cl       *client.Client
	counters *stats.Counters
	reports  source.Reports
	initial  []int32                 // leaders when NewProducer was called
	leaders  atomic.Pointer[[]int32] // as the watch stream last announced them
	routes   *routeTable
	part     *partitioner
	records  *producer.Records
	// lastRouted is the count the send loop routed over last (send loop only).
	lastRouted int
	acc        *accumulator
	slots      chan struct{} // in-flight ProduceRecords calls
	inFlight   sync.WaitGroup
	// onResult, when set (tests), sees every batch's outcome: err is nil
	// for acknowledged records.
	onResult func(part int32, recs []client.Record, err error)

	*producer.Pacer // the send loop's rate and pause, as on Kafka

	// produceCtx outlives Run: records already queued must not fail just
	// because sending stopped. Close cancels it at the flush deadline.
	produceCtx    context.Context
	cancelProduce context.CancelFunc

	closeOnce sync.Once
	life      *producer.Lifecycle
	quitFlush chan struct{} // closed by Close once nothing is left to send
	flushDone chan struct{} // closed when the flush loop has returned
}

// NewProducer makes a producer for the topic as initially described by the
// SC; the SC pushes partition changes, so there is no discovery interval.
// Nothing is sent before Run.
func NewProducer(cfg producer.Config, cl *client.Client, initial client.Topic) (*Producer, error) {
	if err := cfg.Validate(rules.FluvioRules); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	p := &Producer{
		cfg: cfg, cl: cl,
		counters:  stats.NewCounters(len(initial.Partitions)),
		records:   producer.NewRecords(cfg, rand.Uint64()),
		acc:       newAccumulator(),
		slots:     make(chan struct{}, maxInFlight),
		life:      producer.NewLifecycle(),
		quitFlush: make(chan struct{}),
		flushDone: make(chan struct{}),
	}
	p.part = newPartitioner(cfg.Partitioner, &p.acc.takes)
	p.produceCtx, p.cancelProduce = context.WithCancel(context.Background())
	p.Pacer = producer.NewPacer(cfg.Rate, cfg.Paused)
	p.initial = initial.Leaders()
	p.leaders.Store(&p.initial)
	p.routes = newRouteTable(initial)
	go func() {
		defer close(p.flushDone)
		p.flushLoop(p.quitFlush)
	}()
	return p, nil
}

// Counters are the per-partition acknowledgement counters.
func (p *Producer) Counters() *stats.Counters { return p.counters }

// About says what the engine needs to know of the producer.
func (p *Producer) About() source.About {
	a := producer.AboutSender(p.cfg, p.initial)
	a.Placement = placement(a.Partitioner, a.Keyed)
	a.GivesUpAfter = retryFor
	a.NoPlacement = noPlacement
	return a
}

// Held is how many records the producer holds: queued or in flight, not
// yet acknowledged nor failed (source.Holder).
func (p *Producer) Held() int64 { return int64(p.acc.buffered()) }

var _ source.Holder = (*Producer)(nil)

// Leaders are the topic's partitions' leaders by id as the watch stream
// last announced them, for the whole-topic observer beside the producer.
func (p *Producer) Leaders() []int32 { return *p.leaders.Load() }

// Grow adds partitions through the SC. The producer routes to them as soon
// as the watch stream announces them with a leader.
func (p *Producer) Grow(ctx context.Context, target func(current int) int) (from, to int, err error) {
	return addPartitions(ctx, p.cl, p.cfg.Topic, target)
}

// Close stops sending, waits up to FlushTimeout for queued and in-flight
// records to be acknowledged, and stops the flush loop. Records still
// unacknowledged at the deadline are counted as errors (some of them may
// have been written: the SPU's answer never came); the error says how
// many. The client is the caller's to close.
func (p *Producer) Close() error {
	var err error
	p.closeOnce.Do(func() {
		deadline := time.NewTimer(p.cfg.FlushTimeout)
		defer deadline.Stop()
		if p.life.Stop() {
			<-p.life.Done() // the send loop waits for buffer space at most until stop
		}
		left := p.drain(deadline.C)
		if left > 0 {
			p.cancelProduce()
		}
		close(p.quitFlush)
		<-p.flushDone
		p.inFlight.Wait()
		if batch, n := p.acc.take(); n > 0 {
			for part, recs := range batch {
				p.failed(part, recs, fmt.Errorf("not sent before the flush deadline (%s)", p.cfg.FlushTimeout))
			}
			p.acc.finish(n)
		}
		p.cancelProduce()
		if left > 0 {
			err = fmt.Errorf("flush: %d records not acknowledged within %s", left, p.cfg.FlushTimeout)
		}
	})
	return err
}

// drain waits until nothing is queued or in flight, or the deadline; it
// returns how many records were left.
func (p *Producer) drain(deadline <-chan time.Time) int {
	for {
		n := p.acc.buffered()
		if n == 0 {
			return 0
		}
		poke(p.acc.ready) // the flush loop sends what is pending without waiting for more
		select {
		case <-p.acc.changed:
		case <-deadline:
			return p.acc.buffered()
		}
	}
}
