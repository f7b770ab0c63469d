// Package engine runs partop: it owns the topic's traffic source, the
// sampler on its own clock, the --at schedule, operator actions, the event
// log, every expansion's timeline and the lifecycle (start, run, stop with
// flush). It publishes immutable snapshots that any number of views read —
// the local dashboard, headless JSON, dashboards served over SSH, metrics —
// and views change its state only through Apply.
//
// Data flows one way: the source's counts -> stats -> the engine's
// snapshot -> every view, and the source's facts (source.Fact) -> the
// engine's topic state -> the snapshot. Actions flow back through one
// door: view -> Apply -> source -> cluster. The engine imports no backend:
// main hands it a source.Source.
//
// There is one clock, time.Now, and no way to inject another: the
// counters stamp each partition's first record with it (stats), and the
// tick and the schedule's timers run on the runtime's clock, so an
// injected clock for events would measure a pickup between two clocks.
// Tests run the engine on a fake source inside a testing/synctest
// bubble, whose fake clock drives time.Now, the tick and the timers
// alike.
package engine

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"partop/rules"
	"partop/source"
	"partop/stats"
)

// Config sets up an Engine.
type Config struct {
	Info Info // Mode, Partitioner, Keyed, Tick and Start are filled in by the engine
	// Tick is the sampling period (default rules.DefaultTick).
	Tick  time.Duration
	Stats stats.Config
	// Schedule are --at actions, sorted by offset; they run at their
	// offsets from Run's start.
	Schedule []Action
	// Place is who places the partitions partop adds when an action does
	// not say (--placement): rules.PlaceCluster (the default) or
	// rules.PlaceBalanced. Info.AddPlace tells the views.
	Place string
	// WholeTopic, when set, counts every producer's records on the topic
	// beside the source (end offsets while partop produces), so other
	// producers' traffic is not invisible: its rate goes into
	// Snapshot.TopicRate. Only its steps are read; the source's own
	// TopicState is the one published.
	WholeTopic source.Companion
	// Consumer, when set, is partop's own consumer group beside the
	// producer: its reads are sampled into Snapshot.Reads, and its facts
	// (assignment, first fetches, commits) time each expansion's pickup by
	// the group exactly.
	Consumer source.Companion
	// Groups, when set, polls every consumer group on the topic:
	// Snapshot.Groups and each expansion's group pickups. When it is a
	// source.Burster, the engine asks it to burst at every expansion it
	// logs: the engine is where every expansion is known first (partop's
	// own from its admin call, anyone's from the source's watcher), where
	// the poll would need a fast metadata watch of its own.
	Groups source.Runner
	// Keys, when set, samples the topic's records (source.Sampled): the
	// latest sample of each partition is Snapshot.Keys.
	Keys source.Runner
	// StepWindow is the "rate now" window of a stepped source (observe
	// mode) and of WholeTopic: at least one of their steps (default 1s).
	StepWindow time.Duration
}

// Engine runs one source against one topic. Create it with New, start it
// with Run, read it with Snapshot, act on it with Apply.
type Engine struct {
	cfg     Config
	src     source.Source
	sender  source.Sender // nil when the source sends nothing
	sampler *stats.Sampler
	steps   chan time.Time // the source's steps (a stepped source)
	whole   *stats.Sampler // WholeTopic's; nil without one
	wsteps  chan time.Time // WholeTopic's steps
	reads   *stats.Sampler // Consumer's; nil without one

	snap    atomic.Pointer[Snapshot]
	running atomic.Bool
	done    chan struct{}

	applyMu sync.Mutex // one rate or pause change at a time, so its event is right

	// lastFailure is when a failed record was last let through to the
	// topic state (unix ns): the rest within problemEvery are dropped
	// before the lock.
	lastFailure atomic.Int64

	mu        sync.Mutex // guards everything below
	topic     *topic
	seq       uint64
	stats     stats.Snapshot
	readStats stats.Snapshot // Consumer's, as of the latest sample
	evVersion uint64
	events    []Event // the log as last published
	outcomes  []Outcome
	stopped   bool
}

// New makes an engine for src. Nothing runs until Run.
func New(src source.Source, cfg Config) *Engine {
	cfg.Tick = cmp.Or(cfg.Tick, rules.DefaultTick)
	cfg.StepWindow = max(cfg.StepWindow, stats.DefaultNowWindow)
	about := src.About()
	if about.Stepped {
		cfg.Stats.NowWindow = cmp.Or(cfg.Stats.NowWindow, cfg.StepWindow)
	}
	cfg.Info.Tick = cfg.Tick
	cfg.Info.Mode, cfg.Info.Partitioner, cfg.Info.Keyed = ModeObserve, "", false
	cfg.Info.Placement, cfg.Info.GivesUpAfter = "", 0
	e := &Engine{
		cfg:    cfg,
		src:    src,
		done:   make(chan struct{}),
		steps:  make(chan time.Time, 1),
		wsteps: make(chan time.Time, 1),
		topic:  newTopic(about, src.Counters()),
	}
	if s, ok := src.(source.Sender); ok {
		e.sender = s
		e.cfg.Info.Mode, e.cfg.Info.Partitioner, e.cfg.Info.Keyed = ModeProduce, about.Partitioner, about.Keyed
		e.cfg.Info.Placement = cmp.Or(about.Placement, about.Partitioner)
		e.cfg.Info.GivesUpAfter = about.GivesUpAfter
	}
	if b, ok := cfg.Groups.(source.Burster); ok {
		e.topic.burst = b.Burst
	}
	if d, ok := cfg.Groups.(source.Backdater); ok {
		e.topic.askEnds = d.AskEndsAt
	}
	e.sampler = stats.NewSampler(src.Counters(), cfg.Stats)
	if cfg.WholeTopic != nil {
		e.whole = stats.NewSampler(cfg.WholeTopic.Counters(), stats.Config{History: 8, TotalHistory: 2, NowWindow: cfg.StepWindow})
	}
	if cfg.Consumer != nil {
		e.reads = stats.NewSampler(cfg.Consumer.Counters(), stats.Config{History: 32, TotalHistory: 2})
	}
	e.cfg.Info.AddPlace = cmp.Or(cfg.Place, rules.PlaceCluster)
	if _, ok := src.(source.Placer); !ok {
		e.cfg.Info.NoPlacement = cmp.Or(about.NoPlacement, "balanced placement is not available: this source cannot choose where new partitions go")
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

// Start runs the engine on its own goroutine until ctx ends or stop is
// called; stop returns once it has stopped (sources closed). For an
// engine a view opens and closes itself (the topics view's Enter).
func (e *Engine) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() { _ = e.Run(ctx) }()
	return func() { cancel(); <-e.done }
}

// Run starts the source and the schedule, samples every tick until ctx
// ends, then stops: the schedule first, then the source (flushing what is
// in flight), then what runs beside it (partop's consumer commits what it
// read). It publishes a final snapshot with Stopped set and returns what
// was lost: records the source could not flush, a last commit that failed.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	defer close(e.done)
	start := time.Now()
	e.mu.Lock()
	e.cfg.Info.Start = start
	e.topic.ans.heard(start) // the backend described the topic just before
	e.mu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// What runs beside the source stops after it: partop's consumer reads
	// the records the source flushes on the way out.
	besideCtx, stopBeside := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBeside()
	var wg sync.WaitGroup
	wg.Go(func() { e.src.Run(runCtx, reporter{e, fromSource}) })
	for _, c := range e.runnersBeside() {
		wg.Go(func() { c.r.Run(besideCtx, reporter{e, c.from}) })
	}
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		e.runSchedule(runCtx, start)
	}()

	e.sample(start)
	e.loop(ctx)
	cancel()
	<-schedDone
	err := e.src.Close()
	stopBeside()
	for _, c := range e.runnersBeside() {
		err = errors.Join(err, c.r.Close())
	}
	wg.Wait()
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.sample(time.Now())
	return err
}

// loop samples until ctx ends: on the tick, or at a stepped source's steps
// (then the tick only publishes news such as events).
func (e *Engine) loop(ctx context.Context) {
	tick := time.NewTicker(e.cfg.Tick)
	defer tick.Stop()
	stepped := e.topic.about.Stepped
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			if stepped {
				e.publish(nil)
			} else {
				e.sample(time.Now())
			}
		case at := <-e.steps:
			e.heard(at)
			e.sample(at)
		case at := <-e.wsteps:
			e.heard(at)
			e.whole.Sample(at)
		}
	}
}

// runnerBeside is one of the runners beside the source (WholeTopic,
// Consumer, Groups), and which of its facts the engine takes.
type runnerBeside struct {
	r    source.Runner
	from factsFrom
}

func (e *Engine) runnersBeside() []runnerBeside {
	var out []runnerBeside
	if e.cfg.WholeTopic != nil {
		out = append(out, runnerBeside{e.cfg.WholeTopic, fromWholeTopic})
	}
	if e.cfg.Consumer != nil {
		out = append(out, runnerBeside{e.cfg.Consumer, fromConsumer})
	}
	if e.cfg.Groups != nil {
		out = append(out, runnerBeside{e.cfg.Groups, fromGroups})
	}
	if e.cfg.Keys != nil {
		out = append(out, runnerBeside{e.cfg.Keys, fromKeys})
	}
	return out
}

// sample takes a sample as of now, lets the topic state see it (first
// records, settled partitions) and publishes.
func (e *Engine) sample(now time.Time) {
	if e.reads != nil {
		e.reads.Sample(now)
	}
	e.sampler.Sample(now)
	s := e.sampler.Snapshot()
	e.mu.Lock()
	e.topic.sampled(now, &s)
	e.topic.ans.sampled(now, s.Acked)
	e.mu.Unlock()
	e.publish(&s)
}

// heard notes that the cluster answered at at: a poll came back.
func (e *Engine) heard(at time.Time) {
	e.mu.Lock()
	e.topic.ans.heard(at)
	e.mu.Unlock()
}

// factsFrom says which runner a reporter is for.
type factsFrom int

const (
	fromSource     factsFrom = iota
	fromWholeTopic           // only its steps are read (the source's TopicState is the one published)
	fromConsumer             // partop's consumer: its own facts, and problems
	fromGroups               // the groups poller: GroupsSeen, and problems
	fromKeys                 // the record sampler: Sampled, and problems
	numFrom                  // how many there are: keep last
)

// reporter takes one runner's facts for the engine.
type reporter struct {
	e    *Engine
	from factsFrom
}

func (r reporter) Report(f source.Fact) {
	if step, ok := f.(source.Step); ok {
		switch r.from {
		case fromSource:
			replaceStep(r.e.steps, step.At)
		case fromWholeTopic:
			replaceStep(r.e.wsteps, step.At)
		}
		return
	}
	if r.from == fromWholeTopic {
		return
	}
	if s, ok := f.(source.Sampled); ok {
		r.e.keysSampled(s) // analyses outside the lock
		return
	}
	e := r.e
	now := time.Now()
	if _, failed := f.(source.RecordFailed); failed && now.UnixNano()-e.lastFailure.Load() < int64(problemEvery) {
		return // a dead broker fails thousands a second: most need not take the lock to be dropped
	}
	e.mu.Lock()
	e.topic.report(now, r.from, f)
	e.mu.Unlock()
	if _, assigned := f.(source.Assigned); assigned && r.from == fromConsumer {
		if w, ok := e.cfg.Groups.(source.Waker); ok {
			w.Wake() // partop knows its own group now: let the groups panel show it now too
		}
	}
	if _, failed := f.(source.RecordFailed); failed {
		e.lastFailure.Store(now.UnixNano())
	}
}

// replaceStep puts at on steps, replacing a step the loop has not taken
// yet: it then samples once, at the newer time, with both steps' counts.
// It never blocks. Each source's steps come from one poll loop.
func replaceStep(steps chan time.Time, at time.Time) {
	for {
		select {
		case steps <- at:
			return
		default:
		}
		select {
		case <-steps:
		default:
		}
	}
}

// publish makes a new snapshot from the latest stats (s, or the previous
// ones when nil), the topic state and the engine's state.
func (e *Engine) publish(s *stats.Snapshot) {
	var rate float64
	var paused bool
	if e.sender != nil {
		rate, paused = e.sender.Rate(), e.sender.Paused()
	}
	var topicRate float64
	topicKnown := false
	if e.whole != nil {
		topicRate, topicKnown = e.whole.Rate(), e.whole.Samples() > 1
	}
	var reads stats.Snapshot
	if e.reads != nil && s != nil {
		reads = e.reads.Snapshot()
	}
	heldNow := held(e.src)
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	unanswered := e.topic.ans.check(now, &e.topic.log)
	if s != nil {
		e.stats = *s
		e.readStats = reads
	}
	if v := e.topic.log.version; v != e.evVersion || e.events == nil {
		e.events, e.evVersion = e.topic.log.copy(), v
	}
	e.seq++
	info := e.cfg.Info
	info.Group, info.GroupProtocol, info.GroupReset = e.topic.own.group, e.topic.own.protocol, e.topic.own.reset
	e.snap.Store(&Snapshot{
		Info:        info,
		Seq:         e.seq,
		Stats:       e.stats,
		TopicState:  e.topic.stateNow(),
		Unsettled:   e.topic.unsettled(len(e.stats.Partitions)),
		Events:      e.events,
		Pickups:     e.topic.pickups.published(),
		TargetRate:  rate,
		Paused:      paused,
		Sending:     e.sender != nil,
		Schedule:    e.cfg.Schedule,
		Outcomes:    e.outcomes[:len(e.outcomes):len(e.outcomes)],
		Stopped:     e.stopped,
		TopicRate:   topicRate,
		TopicKnown:  topicKnown,
		Producers:   e.topic.producers,
		Groups:      e.topic.groups,
		Keys:        e.topic.keys.sample,
		KeyAnalysis: e.topic.keys.analysis,
		KeysVersion: e.topic.keys.analyses,
		KeysDenied:  e.topic.keys.denied,
		Reads:       e.readStats,
		Unanswered:  unanswered,
		Held:        heldNow,
	})
}

// RunView runs the engine for as long as a view runs: view gets a context
// that ends with ctx, and returns when it ends or when the view is done (an
// operator quit, nobody reads its output). Then the engine stops and
// flushes. It returns the view's error and Run's (records not flushed);
// the final snapshot (Stopped) is published by then.
func (e *Engine) RunView(ctx context.Context, view func(ctx context.Context) error) (viewErr, runErr error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- e.Run(ctx) }()
	viewErr = view(ctx)
	stop()
	return viewErr, <-ran
}
