package fluvio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"partop/backend/fluvio/client"
	"partop/rules"
	"partop/source"
)

// ObserverConfig sets up an Observer.
type ObserverConfig struct {
	Topic string
	// Interval is how often end offsets are polled (default
	// rules.DefaultPollInterval).
	Interval time.Duration
	// Leaders, when set, gives the partitions' leaders from a watch that
	// already runs (partop's producer): the observer opens none of its own.
	Leaders func() []int32
}

// Observer counts every producer's records on a Fluvio topic from the
// partitions' end offsets (observe mode, and the whole topic's rate beside
// partop's own records). It is a source.Source whose counts come in
// steps: the engine samples at each poll.
type Observer struct {
	cfg ObserverConfig
	cl  *client.Client
	*source.Tally

	mu      sync.Mutex
	leaders []int32 // as the watch stream last announced them

	firsts source.Undated // new partitions whose first record is not dated yet
}

// NewObserver makes an observer for the topic as initially described by
// the SC. Partitions the topic has now count from their current end
// offsets; partitions added later count from their start.
func NewObserver(cfg ObserverConfig, cl *client.Client, initial client.Topic) (*Observer, error) {
	cfg.Interval = cmp.Or(cfg.Interval, rules.DefaultPollInterval)
	if err := rules.CheckPollInterval(cfg.Interval); err != nil {
		return nil, fmt.Errorf("observe interval %s: %w", cfg.Interval, err)
	}
	o := &Observer{
		cfg:   cfg,
		cl:    cl,
		Tally: source.NewTally(initial.Leaders()),
	}
	o.leaders = o.Initial()
	return o, nil
}

// NoProducers is why observe mode lists no producers on Fluvio
// (source.About.NoProducers).
const NoProducers = "not listed: Fluvio has no DescribeProducers; the table counts every producer's records, from end offsets"

// About says what the engine needs to know of the observer: its counts
// come in steps, and it lists no producers.
func (o *Observer) About() source.About {
	a := o.Tally.About()
	a.NoProducers = NoProducers
	a.NoPlacement = noPlacement
	return a
}

// Run follows the SC's watch stream (unless Leaders is set) and polls end
// offsets until ctx ends, reporting to r.
func (o *Observer) Run(ctx context.Context, r source.Reporter) {
	o.Set(r)
	var wg sync.WaitGroup
	if o.cfg.Leaders == nil {
		wg.Go(func() { follow(ctx, o.cl, o.cfg.Topic, &o.Reports, o.seen) })
	}
	source.Poll(ctx, o.cfg.Interval, false, nil, o.poll)
	wg.Wait()
}

// Close does nothing: observing has nothing in flight, and the client is
// the caller's.
func (o *Observer) Close() error { return nil }

// Grow adds partitions through the SC.
func (o *Observer) Grow(ctx context.Context, target func(current int) int) (from, to int, err error) {
	return addPartitions(ctx, o.cl, o.cfg.Topic, target)
}

// seen takes the SC's latest state of the topic. More partitions than
// before is an expansion: their first records are read once written.
func (o *Observer) seen(t client.Topic) {
	o.mu.Lock()
	from := len(o.leaders)
	o.leaders = t.Leaders()
	to := len(o.leaders)
	o.mu.Unlock()
	if to > from {
		o.firsts.Add(from, to)
	}
}

func (o *Observer) partitions() []int32 {
	var leaders []int32
	if o.cfg.Leaders != nil {
		leaders = o.cfg.Leaders()
	} else {
		o.mu.Lock()
		leaders = o.leaders
		o.mu.Unlock()
	}
	ids := make([]int32, len(leaders))
	for i := range ids {
		ids[i] = int32(i)
	}
	return ids
}

// poll asks the leaders for every partition's end offset and counts what
// was written since the last poll, then reads the first record of any new
// partition that has one. Partitions that fail wait for the next poll; if
// all fail there is no step, and the poll backs off.
func (o *Observer) poll(ctx context.Context) error {
	ids := o.partitions()
	ends, err := o.cl.EndOffsets(ctx, o.cfg.Topic, ids)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return err
	}
	at := time.Now()
	for p, end := range ends {
		o.Count(p, end, at)
	}
	if err != nil {
		o.Report(source.Problem{Message: "polling " + err.Error()})
		if len(ends) == 0 { // *fanout.Errors with AllFailed, or no answer at all
			return err
		}
	}
	o.Polled(at)
	o.readFirstRecords(ctx)
	return nil
}
