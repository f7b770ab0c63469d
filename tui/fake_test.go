package tui

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"partop/engine"
	"partop/source"
	"partop/stats"
)

// fakeEngine serves a snapshot and records the actions it is asked to
// apply. The snapshots come from a real sampler fed on a fake clock (see
// fixture); the flow test uses the real engine.
type fakeEngine struct {
	mu      sync.Mutex
	snap    *engine.Snapshot
	reads   int
	applied []engine.Action
	applyFn func(engine.Action) error
	plans   int // PlanAdd calls
	planFn  func(a engine.Action, from int) (source.Plan, error)
}

func (f *fakeEngine) Snapshot() *engine.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.snap
}

// set publishes a new snapshot, as the engine does on its tick.
func (f *fakeEngine) set(s *engine.Snapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap = s
}

func (f *fakeEngine) Apply(_ context.Context, a engine.Action) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, a)
	if f.applyFn != nil {
		return f.applyFn(a)
	}
	next := *f.snap
	switch a.Kind {
	case engine.ActRate:
		next.TargetRate = a.Rate
	case engine.ActPause:
		next.Paused = true
	case engine.ActResume:
		next.Paused = false
	}
	next.Seq++
	f.snap = &next
	return nil
}

func (f *fakeEngine) appliedActions() []engine.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.Action(nil), f.applied...)
}

// The fixed clock of every golden screen.
var (
	testNow   = time.Date(2026, 3, 14, 15, 4, 5, 0, time.UTC)
	testStart = testNow.Add(-(2*time.Minute + 3*time.Second))
	testTick  = 250 * time.Millisecond
)

// stage is a moment of an expansion from 4 to 8 partitions.
type stage int

const (
	beforeRouting stage = iota // cluster has 8, producer still routes to 4
	midExpansion               // producer routes to 8, new partitions barely used
	pickedUp                   // every new partition acknowledged, shares catching up
	dipped                     // as pickedUp, then partition 4 idle for the last 6 s
)

// fixture is the engine's snapshot at a stage: the stats come from a real
// sampler fed tick by tick on a fake clock from testStart to testNow (so
// the screens cannot drift from what stats produces); the view and the
// event log are what the producer reports at that stage.
func fixture(s stage, partitions int) *fakeEngine {
	old := min(4, partitions)
	expanding := partitions == 8
	// When partop added partitions 4-7: mid-expansion 1.5 s ago; picked
	// up long enough ago for the 5 s balance window to show their shares.
	created := testNow.Add(-map[stage]time.Duration{
		beforeRouting: 1500 * time.Millisecond, midExpansion: 1500 * time.Millisecond,
		pickedUp: 8 * time.Second, dipped: 30 * time.Second,
	}[s])
	// How much of its fair share each new partition carries by now.
	newLoad := map[stage][]float64{
		beforeRouting: {0, 0, 0, 0},
		midExpansion:  {0.35, 0.2, 0.05, 0},
		pickedUp:      {0.95, 0.9, 0.85, 0.6},
		dipped:        {0.95, 0.9, 0.85, 0.6},
	}[s]
	const total = 1000.0
	load := func(p int, at time.Time) float64 {
		if !expanding || at.Before(created) {
			if p >= old && expanding {
				return 0
			}
			n := float64(old)
			if !expanding {
				n = float64(partitions)
			}
			return total / n * (1 + 0.04*math.Sin(float64(p)*1.7)) * (1 + 0.05*math.Sin(at.Sub(testStart).Seconds()/2.3+float64(p)))
		}
		fair := total / 8
		if p >= old {
			if s == dipped && p == 4 && testNow.Sub(at) <= 6*time.Second {
				return 0
			}
			return fair * newLoad[p-old]
		}
		var taken float64 // the old partitions carry what the new ones do not yet
		for _, f := range newLoad {
			taken += fair * f
		}
		return (total - taken) / 4 * (1 + 0.04*math.Sin(float64(p)*1.7))
	}
	snap := simulate(old, partitions, created, load)
	if partitions > 2 {
		snap = withErrors(snap)
	}
	return &fakeEngine{snap: snapshotAt(s, partitions, created, snap)}
}

// simulate acknowledges records on real counters at load(p, t) records/s and
// samples them every tick from testStart to testNow. The topic has start
// partitions until grow, then partitions.
func simulate(start, partitions int, grow time.Time, load func(p int, at time.Time) float64) stats.Snapshot {
	c := stats.NewCounters(start)
	smp := stats.NewSampler(c, stats.Config{})
	carry := make([]float64, partitions)
	for at := testStart; !at.After(testNow); at = at.Add(testTick) {
		if !at.Before(grow) {
			c.Extend(partitions)
		}
		for p := range c.Len() {
			carry[p] += load(p, at) * testTick.Seconds()
			for ; carry[p] >= 1; carry[p]-- {
				c.Ack(int32(p), 116)
			}
		}
		smp.Sample(at)
	}
	return smp.Snapshot()
}

// withErrors gives partition 2 a few failed records, as a leader change
// would.
func withErrors(s stats.Snapshot) stats.Snapshot {
	parts := append([]stats.Partition(nil), s.Partitions...)
	parts[2].Errors, parts[2].LastError = 3, "NOT_LEADER_FOR_PARTITION"
	s.Partitions = parts
	s.Errors += 3
	return s
}

// snapshotAt wraps the stats in the engine's snapshot with the producer's
// view and event log at that stage.
func snapshotAt(s stage, partitions int, created time.Time, st stats.Snapshot) *engine.Snapshot {
	view := engine.TopicState{Partitions: partitions, Cluster: partitions}
	for p := range partitions {
		view.Leaders = append(view.Leaders, int32(p%3))
	}
	events := []engine.Event{
		{Kind: engine.KindRate, At: testStart.Add(40 * time.Second), Message: "target rate 1,000/s"},
		{Kind: engine.KindPause, At: testStart.Add(50 * time.Second), Message: "paused"},
		{Kind: engine.KindResume, At: testStart.Add(55 * time.Second), Message: "resumed"},
		{Kind: engine.KindError, At: testStart.Add(70 * time.Second), Message: "produce failed on partition 2: NOT_LEADER_FOR_PARTITION: This server is not the leader for that topic-partition."},
	}
	if partitions == 8 {
		exp := engine.Event{Kind: engine.KindExpansion, At: created, From: 4, To: 8, By: engine.ByPartop, Created: created, Seen: created}
		switch s {
		case beforeRouting:
			view.Partitions = 4
		case midExpansion:
			exp.Routed = created.Add(11 * time.Millisecond)
		case pickedUp, dipped:
			exp.Routed = created.Add(11 * time.Millisecond)
			exp.FirstRecord = created.Add(18*time.Millisecond + 400*time.Microsecond)
			exp.Pickup, exp.Done = exp.FirstRecord.Sub(created), true
		}
		events = append(events, exp)
	}
	return &engine.Snapshot{
		Info: engine.Info{
			Cluster: "embedded 127.0.0.1:9092", Topic: "partop", Mode: engine.ModeProduce,
			Partitioner: "round-robin", Tick: testTick, Start: testStart,
		},
		Seq: 1, Stats: st, TopicState: view, Events: events, Unsettled: fresh(st, partitions),
		TargetRate: 1000, Sending: true,
		Schedule: []engine.Action{{At: 3 * time.Minute, Kind: engine.ActAdd, N: 4}},
	}
}

// fresh marks the partitions the expansion added (4 and up) that carry
// under engine.BalancedShare of their fair share, as the engine would on
// its first look.
func fresh(st stats.Snapshot, partitions int) []bool {
	out := make([]bool, len(st.Partitions))
	if partitions < 8 {
		return out
	}
	for p := 4; p < len(out); p++ {
		out[p] = st.Partitions[p].Share < engine.BalancedShare*st.Balance.FairShare
	}
	return out
}

// testConfig is the static dashboard configuration of the tests.
func testConfig() Config {
	return Config{
		Tick: testTick, Now: func() time.Time { return testNow }, Location: time.UTC,
	}
}

// newTestModel is a dashboard on eng at w × h that has taken one tick.
func newTestModel(eng Engine, w, h int) *Model {
	m := New(eng, testConfig())
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(tickMsg{})
	return m
}

// screen is the model's view as plain text.
func screen(m *Model) string {
	return ansi.Strip(m.View().Content)
}

// press sends key presses: single characters, or names such as "enter".
func press(m *Model, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		_, last = m.Update(keyMsg(k))
	}
	return last
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText presses each character of s.
func typeText(m *Model, s string) {
	for _, r := range s {
		press(m, string(r))
	}
}

// run executes a command and feeds its message back, as the program would
// (batches are run one by one; ticks are not followed).
func run(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			run(m, c)
		}
		return
	}
	if _, ok := msg.(tickMsg); ok {
		return
	}
	m.Update(msg)
}

var errAuth = errors.New(`add partitions to "partop" (8→10): CLUSTER_AUTHORIZATION_FAILED: Cluster authorization failed.`)

// observing is the engine's snapshot in observe mode 20 s after someone
// else grew the topic from 4 to 8: every producer's traffic from end
// offsets (a real sampler again), the fleet's pickup, and three producer
// ids, one of which never picked the new partitions up.
func observing() *fakeEngine {
	grow := testNow.Add(-20 * time.Second)
	seen := grow.Add(600 * time.Millisecond)
	st := simulate(4, 8, grow, func(p int, at time.Time) float64 {
		switch {
		case at.Before(grow) && p >= 4:
			return 0
		case at.Before(grow):
			return 300
		case p >= 4: // only the producer that adopted them writes here
			return 100
		}
		return 200 // the stale producer's 400/s stay on 0-3
	})
	exp := engine.Event{Kind: engine.KindExpansion, At: seen, From: 4, To: 8, By: engine.ByExternal, Seen: seen,
		FirstRecord: seen.Add(1200 * time.Millisecond), Pickup: 1200 * time.Millisecond, Done: true, Balanced: seen.Add(6 * time.Second)}
	leaders := []int32{0, 1, 2, 0, 1, 2, 0, 1}
	snap := &engine.Snapshot{
		Info:       engine.Info{Cluster: "kafka-1:9092,kafka-2:9092", Topic: "orders", Mode: engine.ModeObserve, Tick: testTick, Start: testStart},
		Seq:        1,
		Stats:      st,
		TopicState: engine.TopicState{Partitions: 8, Cluster: 8, Leaders: leaders},
		Events:     []engine.Event{exp},
		Unsettled:  fresh(st, 8),
		Producers: source.Producers{At: testNow.Add(-3 * time.Second), List: sortedProducers(
			source.Producer{ID: 4001, Epoch: 0, State: source.ProducerAdopted, Partitions: []int32{0, 1, 2, 3, 4, 5, 6, 7}, LastWrite: testNow.Add(-time.Second), Rate: 800},
			source.Producer{ID: 4002, Epoch: 3, State: source.ProducerStale, Partitions: []int32{0, 1, 2, 3}, LastWrite: testNow.Add(-2 * time.Second), Rate: 400},
			source.Producer{ID: 3977, Epoch: 0, State: source.ProducerIdle, Partitions: []int32{2}, LastWrite: testNow.Add(-95 * time.Second)},
		)},
	}
	return &fakeEngine{snap: snap}
}

// sortedProducers lists producers as observe mode's poller hands them over.
func sortedProducers(ps ...source.Producer) []source.Producer {
	source.SortProducers(ps)
	return ps
}

// PlanAdd previews balanced placement (Planner): planFn's, else each
// new partition's leader on brokers 0 and 1 in turn.
func (f *fakeEngine) PlanAdd(_ context.Context, a engine.Action) (source.Plan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.plans++
	from := f.snap.TopicState.Cluster
	if f.planFn != nil {
		return f.planFn(a, from)
	}
	p := source.Plan{From: from, To: a.Target(from), Brokers: []source.BrokerLoad{{ID: 0, Before: 3000, Then: 3000}, {ID: 1, Before: 1000, Then: 3000}}}
	for i := range p.To - p.From {
		p.Replicas = append(p.Replicas, []int32{int32(i % 2)})
	}
	return p, nil
}
