package tui

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"partop/producer"
	"partop/stats"
)

// fakeEngine serves a canned snapshot, view and event log, and records the
// actions it is asked to apply. It is the data injection the tests need to
// render deterministic screens; the flow test uses the real producer.
type fakeEngine struct {
	mu      sync.Mutex
	snap    stats.Snapshot
	view    producer.View
	events  []producer.Event
	rate    float64
	paused  bool
	applied []producer.Action
	samples int
	applyFn func(producer.Action) error
}

func (f *fakeEngine) Sample(time.Time) stats.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.samples++
	return f.snap
}
func (f *fakeEngine) View() producer.View {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.view
}
func (f *fakeEngine) Events() []producer.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]producer.Event(nil), f.events...)
}
func (f *fakeEngine) Rate() float64 { f.mu.Lock(); defer f.mu.Unlock(); return f.rate }
func (f *fakeEngine) Paused() bool  { f.mu.Lock(); defer f.mu.Unlock(); return f.paused }
func (f *fakeEngine) Apply(_ context.Context, a producer.Action) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, a)
	if f.applyFn != nil {
		return f.applyFn(a)
	}
	switch a.Kind {
	case producer.ActRate:
		f.rate = a.Rate
	case producer.ActPause:
		f.paused = true
	case producer.ActResume:
		f.paused = false
	}
	return nil
}

func (f *fakeEngine) appliedActions() []producer.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]producer.Action(nil), f.applied...)
}

// The fixed clock of every golden screen.
var (
	testNow   = time.Date(2026, 3, 14, 15, 4, 5, 0, time.UTC)
	testStart = testNow.Add(-(2*time.Minute + 3*time.Second))
)

// stage is a moment of an expansion from 4 to 8 partitions.
type stage int

const (
	beforeRouting stage = iota // cluster has 8, producer still routes to 4
	midExpansion               // producer routes to 8, new partitions barely used
	pickedUp                   // every new partition acknowledged, shares catching up
)

// fixture builds the engine state for a stage by hand: a snapshot as the
// sampler would make it (default windows, 250 ms ticks), the producer's
// view and its event log.
func fixture(s stage, partitions int) *fakeEngine {
	cfg := stats.Config{History: 240, TotalHistory: 1200, NowWindow: time.Second, BalanceWindow: 5 * time.Second, LongWindow: 30 * time.Second}
	const total = 1000.0
	old := min(4, partitions)
	created := testNow.Add(-1500 * time.Millisecond)
	// How much of its fair share each new partition carries by now.
	newLoad := map[stage][]float64{
		beforeRouting: {0, 0, 0, 0},
		midExpansion:  {0.35, 0.2, 0.05, 0},
		pickedUp:      {0.95, 0.9, 0.85, 0.6},
	}[s]
	snap := stats.Snapshot{At: testNow, Samples: 2000, Config: cfg}
	rates := make([]float64, partitions)
	for p := range partitions {
		fair := total / float64(partitions)
		r := fair * (1 + 0.04*math.Sin(float64(p)*1.7)) // a little natural unevenness
		if p >= old && partitions == 8 {
			r = fair * newLoad[p-old]
		}
		rates[p] = r
	}
	// The old partitions take up what the new ones do not carry yet.
	var sum float64
	for _, r := range rates {
		sum += r
	}
	for p := range old {
		rates[p] += (total - sum) / float64(old)
	}
	backing := make([]float32, partitions*cfg.History)
	for p := range partitions {
		h := backing[p*cfg.History : (p+1)*cfg.History]
		for i := range h {
			switch {
			case p >= old && partitions == 8 && i < cfg.History-6:
				h[i] = 0 // did not exist yet
			case p >= old && partitions == 8:
				h[i] = float32(rates[p] * float64(i-(cfg.History-7)) / 6)
			case p < old && partitions == 8 && i < cfg.History-6:
				h[i] = float32(total / float64(old) * (1 + 0.05*math.Sin(float64(i+p*7)/9)))
			default:
				h[i] = float32(rates[p] * (1 + 0.05*math.Sin(float64(i+p*7)/9)))
			}
		}
		part := stats.Partition{
			ID: int32(p), Rate: rates[p], RateLong: rates[p] * 0.97, RateBalance: rates[p],
			Share: rates[p] / total, History: h,
			Acked: uint64(rates[p] * 123), Bytes: uint64(rates[p] * 123 * 100),
		}
		if p == 2 {
			part.Errors, part.LastError = 3, "NOT_LEADER_FOR_PARTITION"
		}
		if part.Rate > 0 {
			part.FirstAck = testStart.Add(time.Second)
		}
		snap.Partitions = append(snap.Partitions, part)
		snap.Acked += part.Acked
		snap.Errors += part.Errors
		snap.Rate += part.Rate
		snap.RateLong += part.RateLong
	}
	snap.TotalHistory = make([]float64, cfg.TotalHistory)
	for i := range snap.TotalHistory {
		snap.TotalHistory[i] = total * (1 + 0.03*math.Sin(float64(i)/23))
		if i < 200 {
			snap.TotalHistory[i] = total * float64(i) / 200 // ramp-up at start
		}
	}
	snap.Balance = stats.BalanceOf(rates)

	view := producer.View{Partitions: partitions, Cluster: partitions, Generation: 1, Reason: "start"}
	for p := range partitions {
		view.Leaders = append(view.Leaders, int32(p%3))
	}
	events := []producer.Event{
		{Kind: producer.KindRate, At: testStart.Add(40 * time.Second), Message: "target rate 1000/s"},
		{Kind: producer.KindPause, At: testStart.Add(50 * time.Second), Message: "paused"},
		{Kind: producer.KindResume, At: testStart.Add(55 * time.Second), Message: "resumed"},
		{Kind: producer.KindError, At: testStart.Add(70 * time.Second), Message: "produce failed on partition 2: NOT_LEADER_FOR_PARTITION: This server is not the leader for that topic-partition."},
	}
	if partitions == 8 {
		exp := producer.Event{Kind: producer.KindExpansion, At: created, From: 4, To: 8, By: producer.ByPartop, Created: created, Seen: created}
		switch s {
		case beforeRouting:
			view.Partitions = 4
		case midExpansion:
			exp.Routed = created.Add(11 * time.Millisecond)
			view.Generation, view.Reason = 2, "added by partop"
		case pickedUp:
			exp.Routed = created.Add(11 * time.Millisecond)
			exp.FirstAck = created.Add(18*time.Millisecond + 400*time.Microsecond)
			exp.Pickup, exp.Done = exp.FirstAck.Sub(created), true
			view.Generation, view.Reason = 2, "added by partop"
		}
		events = append(events, exp)
	}
	return &fakeEngine{snap: snap, view: view, events: events, rate: 1000}
}

// testConfig is the static dashboard configuration of the tests.
func testConfig() Config {
	return Config{
		Cluster: "embedded 127.0.0.1:9092", Topic: "partop", Partitioner: "round-robin",
		Tick: 250 * time.Millisecond, Start: testStart,
		Now: func() time.Time { return testNow }, Location: time.UTC,
		Schedule: []producer.Action{{At: 3 * time.Minute, Kind: producer.ActAdd, N: 4}},
	}
}

// newTestModel is a dashboard on eng at w × h that has taken one tick.
func newTestModel(eng Engine, w, h int) *Model {
	m := New(eng, testConfig())
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(tickMsg{id: m.tickID})
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
