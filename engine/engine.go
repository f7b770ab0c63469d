// Package engine runs partop: it owns the connection, the topic's traffic
// source, the sampler on its own clock, the --at schedule, operator actions,
// the event log and the lifecycle (start, run, stop with flush). It
// publishes immutable snapshots that any number of views read — the local
// dashboard, headless JSON, dashboards served over SSH — and views change
// its state only through Apply.
//
// Data flows one way: the source's counts -> stats -> the engine's
// snapshot -> every view. Actions flow back: view -> Apply -> source ->
// cluster.
package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"partop/discovery"
	"partop/rules"
	"partop/stats"
)

// Config sets up an Engine.
type Config struct {
	Info Info // Tick and Start are filled in by the engine
	// Tick is the sampling period (default rules.DefaultTick).
	Tick  time.Duration
	Stats stats.Config
	// Schedule are --at actions; they run at their offsets from Run's start.
	Schedule []Action
	// Topic, when set, counts the whole topic beside the source (end
	// offsets while partop produces), so other producers' traffic is not
	// invisible: its rate goes into Snapshot.TopicRate.
	Topic TopicSource
	// TopicWindow is the window of TopicRate (default 1s): at least one
	// of Topic's steps.
	TopicWindow time.Duration
}

// TopicSource counts every producer's records on the topic, in steps.
type TopicSource interface {
	Stepped
	Counters() *stats.Counters
	Run(ctx context.Context)
	Close() error
}

// Engine runs one source against one topic. Create it with New, start it
// with Run, read it with Snapshot, act on it with Apply.
type Engine struct {
	cfg     Config
	src     Source
	sender  Sender // nil when the source sends nothing
	conn    Connection
	sampler *stats.Sampler
	tracker *discovery.Tracker
	steps   <-chan time.Time // the source's steps; nil: sample on the tick
	topic   *stats.Sampler   // the whole topic (Config.Topic); nil without one

	snap    atomic.Pointer[Snapshot]
	running atomic.Bool
	done    chan struct{}

	applyMu sync.Mutex // one rate or pause change at a time, so its event is right

	mu        sync.Mutex // publishing
	seq       uint64
	stats     stats.Snapshot
	evVersion uint64
	events    []discovery.Event
	outcomes  []Outcome
	stopped   bool
}

// New makes an engine for src; conn (may be nil) is closed after the
// source when the engine stops.
func New(src Source, conn Connection, cfg Config) *Engine {
	if cfg.Tick <= 0 {
		cfg.Tick = rules.DefaultTick
	}
	cfg.Info.Tick = cfg.Tick
	if cfg.Info.Mode == "" {
		cfg.Info.Mode = ModeProduce
	}
	e := &Engine{
		cfg:     cfg,
		src:     src,
		conn:    conn,
		sampler: stats.NewSampler(src.Counters(), cfg.Stats),
		tracker: src.Tracker(),
		done:    make(chan struct{}),
	}
	e.sender, _ = src.(Sender)
	if st, ok := src.(Stepped); ok {
		e.steps = st.Steps()
	}
	if cfg.Topic != nil {
		e.topic = stats.NewSampler(cfg.Topic.Counters(), stats.Config{History: 8, TotalHistory: 2, NowWindow: cfg.TopicWindow})
	}
	e.cfg.Info.Start = time.Now()
	e.publish(nil)
	return e
}

// Snapshot returns the latest snapshot. It never blocks and never changes
// the engine; the result is shared and must not be modified.
func (e *Engine) Snapshot() *Snapshot { return e.snap.Load() }

// Done is closed when Run has returned.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Note adds an event to the log (a view's news: a viewer joined).
func (e *Engine) Note(kind, msg string) {
	e.tracker.Note(kind, msg)
	e.publish(nil)
}

// Run starts the source and the schedule, samples every tick until ctx
// ends, then stops: the schedule first, then the source (flushing what is
// in flight), then the connection. It publishes a final snapshot with
// Stopped set and returns the source's error (records it could not
// flush).
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	defer close(e.done)
	start := time.Now()
	e.mu.Lock()
	e.cfg.Info.Start = start
	e.mu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	srcDone := make(chan struct{})
	go func() {
		defer close(srcDone)
		e.src.Run(runCtx)
	}()
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		e.runSchedule(runCtx, start)
	}()
	topicDone := make(chan struct{})
	var topicSteps <-chan time.Time
	if t := e.cfg.Topic; t != nil {
		topicSteps = t.Steps()
		go func() {
			defer close(topicDone)
			t.Run(runCtx)
		}()
	} else {
		close(topicDone)
	}

	e.sample(start)
	e.loop(ctx, topicSteps)
	cancel()
	<-schedDone
	err := e.src.Close()
	<-srcDone
	<-topicDone
	if t := e.cfg.Topic; t != nil {
		_ = t.Close()
	}
	if e.conn != nil {
		e.conn.Close()
	}
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.sample(time.Now())
	return err
}

// loop samples until ctx ends: on the tick, or at the source's steps (then
// the tick only publishes news such as events).
func (e *Engine) loop(ctx context.Context, topicSteps <-chan time.Time) {
	tick := time.NewTicker(e.cfg.Tick)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case now := <-tick.C:
			if e.steps == nil {
				e.sample(now)
			} else {
				e.publish(nil)
			}
		case at := <-e.steps:
			e.sample(at)
		case at := <-topicSteps:
			e.topic.Sample(at)
		}
	}
}

// sample takes a sample as of now, lets the tracker see the new shares
// (expansions become balanced) and publishes.
func (e *Engine) sample(now time.Time) {
	e.sampler.Sample(now)
	s := e.sampler.Snapshot()
	shares := make([]float64, len(s.Partitions))
	for i := range s.Partitions {
		shares[i] = s.Partitions[i].Share
	}
	e.tracker.Settle(now, shares)
	e.publish(&s)
}

// publish makes a new snapshot from the latest stats (s, or the previous
// ones when nil), the source's view and events, and the engine's state.
func (e *Engine) publish(s *stats.Snapshot) {
	view := e.tracker.View()
	var rate float64
	var paused bool
	if e.sender != nil {
		rate, paused = e.sender.Rate(), e.sender.Paused()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s != nil {
		e.stats = *s
	}
	if evs, v, changed := e.tracker.Log(e.evVersion); changed {
		e.events, e.evVersion = evs, v
	}
	e.seq++
	var topicRate float64
	if e.topic != nil {
		topicRate = e.topic.Rate()
	}
	e.snap.Store(&Snapshot{
		TopicRate:  topicRate,
		TopicKnown: e.topic != nil && e.topic.Samples() > 1,
		Info:       e.cfg.Info,
		Seq:        e.seq,
		Stats:      e.stats,
		View:       view,
		Events:     e.events,
		TargetRate: rate,
		Paused:     paused,
		Sending:    e.sender != nil,
		Schedule:   e.cfg.Schedule,
		Outcomes:   e.outcomes[:len(e.outcomes):len(e.outcomes)],
		Stopped:    e.stopped,
		Producers:  e.tracker.Producers(),
	})
}
