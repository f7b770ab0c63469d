package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"partop/discovery"
	"partop/fluvio"
	"partop/observe"
	"partop/rules"
	"partop/stats"
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
// partop's own records). It is an engine.Source and an engine.Stepped: the
// engine samples at each poll.
type Observer struct {
	cfg      ObserverConfig
	cl       *fluvio.Client
	counters *stats.Counters
	tracker  *discovery.Tracker
	steps    chan time.Time
	offsets  *stats.Offsets // only the poll loop touches it
}

// NewObserver makes an observer for the topic as initially described by
// the SC. Partitions the topic has now count from their current end
// offsets; partitions added later count from their start.
func NewObserver(cfg ObserverConfig, cl *fluvio.Client, initial fluvio.Topic) (*Observer, error) {
	cfg.Interval = cmp.Or(cfg.Interval, rules.DefaultPollInterval)
	if err := rules.CheckPollInterval(cfg.Interval); err != nil {
		return nil, fmt.Errorf("observe interval %s: %w", cfg.Interval, err)
	}
	o := &Observer{
		cfg:      cfg,
		cl:       cl,
		counters: stats.NewCounters(len(initial.Partitions)),
		steps:    make(chan time.Time, 1),
		offsets:  stats.NewOffsets(len(initial.Partitions)),
	}
	o.tracker = discovery.NewTracker(o.counters, initial.Leaders(), false)
	return o, nil
}

// Counters are the per-partition record counts seen so far.
func (o *Observer) Counters() *stats.Counters { return o.counters }

// Tracker is the observer's view of the topic and its event log.
func (o *Observer) Tracker() *discovery.Tracker { return o.tracker }

// Steps delivers the time of every poll that counted records.
func (o *Observer) Steps() <-chan time.Time { return o.steps }

// Run follows the SC's watch stream (unless Leaders is set) and polls end
// offsets until ctx ends.
func (o *Observer) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if o.cfg.Leaders == nil {
		wg.Go(func() { follow(ctx, o.cl, o.cfg.Topic, o.tracker, nil) })
	}
	discovery.Poll(ctx, o.cfg.Interval, false, nil, o.poll)
	wg.Wait()
}

// Close does nothing: observing has nothing in flight, and the client is
// the caller's.
func (o *Observer) Close() error { return nil }

// Grow adds partitions through the SC.
func (o *Observer) Grow(ctx context.Context, target func(current int) int) (from, to int, err error) {
	return grow(ctx, o.cl, o.cfg.Topic, o.tracker, target)
}

func (o *Observer) partitions() []int32 {
	var leaders []int32
	if o.cfg.Leaders != nil {
		leaders = o.cfg.Leaders()
	} else {
		leaders = o.tracker.View().Leaders
	}
	ids := make([]int32, len(leaders))
	for i := range ids {
		ids[i] = int32(i)
	}
	return ids
}

// poll asks the leaders for every partition's end offset and counts what
// was written since the last poll. Partitions that fail wait for the next
// poll; if all fail there is no step, and the poll backs off.
func (o *Observer) poll(ctx context.Context) error {
	ids := o.partitions()
	ends, err := o.cl.EndOffsets(ctx, o.cfg.Topic, ids)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return err
	}
	at := time.Now()
	for p, end := range ends {
		if n := o.offsets.Step(p, end); n > 0 && o.counters.Add(p, n, at) {
			o.tracker.FirstAck(p)
		}
	}
	if err != nil {
		o.tracker.Problem("polling end offsets: " + err.Error())
		if len(ends) == 0 {
			return err
		}
	}
	o.tracker.SetEndOffsets(o.offsets.Ends())
	observe.Step(o.steps, at)
	return nil
}
