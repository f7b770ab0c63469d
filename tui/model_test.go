package tui

import (
	"image/color"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"partop/engine"
)

// TestTickLoop checks that each tick reads one snapshot and schedules
// exactly one next tick, and that resizing starts no second loop.
func TestTickLoop(t *testing.T) {
	eng := fixture(midExpansion, 8)
	m := New(eng, testConfig())
	reads := eng.reads // New reads the first snapshot
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if _, cmd := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30}); cmd != nil {
		t.Fatal("a resize returned a command: it must not start another tick loop")
	}
	_, next := m.Update(tickMsg{})
	if eng.reads != reads+1 || next == nil {
		t.Fatalf("after one tick: %d reads, next tick %v; want 1 read and a next tick", eng.reads-reads, next != nil)
	}
}

// TestSortAndScroll cycles the order and scrolls 1,024 partitions.
func TestSortAndScroll(t *testing.T) {
	eng := fixture(midExpansion, 8)
	m := newTestModel(eng, 120, 40)
	firstRow := func() string {
		lines := strings.Split(screen(m), "\n")
		return strings.Fields(lines[3])[0]
	}
	if got := firstRow(); got != "0" {
		t.Fatalf("sorted by id, first row is %s", got)
	}
	press(m, "s") // rate: partition 1 is the busiest of the fixture
	if got := firstRow(); got != "1" || !strings.Contains(screen(m), "sorted by rate") {
		t.Fatalf("sorted by rate, first row is %s", got)
	}
	press(m, "s") // share
	if got := firstRow(); got != "1" || !strings.Contains(screen(m), "sorted by share") {
		t.Fatalf("sorted by share, first row is %s", got)
	}
	press(m, "s")
	if got := firstRow(); got != "0" || !strings.Contains(screen(m), "sorted by id") {
		t.Fatalf("s should cycle back to id, first row is %s", got)
	}

	big := newTestModel(fixture(pickedUp, 1024), 120, 40)
	m = big
	rows := m.lay.tableRows
	if rows < 5 || !strings.Contains(screen(m), "partitions 1–"+itoa(rows)+" of 1024") {
		t.Fatalf("%d rows visible:\n%s", rows, screen(m))
	}
	press(m, "down", "down")
	if got := firstRow(); got != "2" {
		t.Fatalf("after two downs, first row is %s", got)
	}
	press(m, "pgdown")
	if got := firstRow(); got != itoa(2+rows) {
		t.Fatalf("after page down, first row is %s, want %d", got, 2+rows)
	}
	press(m, "end")
	if got := firstRow(); got != itoa(1024-rows) || !strings.Contains(screen(m), "of 1024") {
		t.Fatalf("at the end, first row is %s, want %d", got, 1024-rows)
	}
	press(m, "down")
	if got := firstRow(); got != itoa(1024-rows) {
		t.Fatalf("scrolled past the end: first row %s", got)
	}
	press(m, "home", "up")
	if got := firstRow(); got != "0" {
		t.Fatalf("after home, first row is %s", got)
	}
	if n := strings.Count(screen(m), "\n") + 1; n > 40 {
		t.Fatalf("1,024 partitions drew %d lines on a 40-line screen", n)
	}
}

// TestRateAndPauseKeys checks + - and p go through Apply in a command and
// the header follows.
func TestRateAndPauseKeys(t *testing.T) {
	eng := fixture(midExpansion, 8)
	m := newTestModel(eng, 120, 40)
	run(m, press(m, "+"))
	run(m, press(m, "+"))
	run(m, press(m, "-"))
	want := []engine.Action{
		{Kind: engine.ActRate, Rate: 1200},
		{Kind: engine.ActRate, Rate: 1500},
		{Kind: engine.ActRate, Rate: 1200},
	}
	if got := eng.appliedActions(); !equalActions(got, want) {
		t.Fatalf("rate keys applied %v, want %v", got, want)
	}
	if s := screen(m); !strings.Contains(s, "target 1,200/s") || !strings.Contains(s, "target rate now 1,200/s") {
		t.Fatalf("header or status does not show the new target:\n%s", s)
	}
	run(m, press(m, "p"))
	if s := screen(m); !strings.Contains(s, "‖ paused") {
		t.Fatalf("header does not say paused:\n%s", s)
	}
	run(m, press(m, "p"))
	if s := screen(m); !strings.Contains(s, "▶ running") {
		t.Fatalf("header does not say running after resume:\n%s", s)
	}
	got := eng.appliedActions()
	if got[3].Kind != engine.ActPause || got[4].Kind != engine.ActResume {
		t.Fatalf("p applied %v", got[3:])
	}
}

func TestStepRate(t *testing.T) {
	for _, tc := range []struct {
		target, actual float64
		up             bool
		want           float64
		ok             bool
	}{
		{1000, 0, true, 1200, true},
		{1000, 0, false, 800, true},
		{1100, 0, true, 1200, true},
		{1100, 0, false, 1000, true},
		{8000, 0, true, 10000, true},
		{1, 0, false, 1, false},
		{1e9, 0, true, 1e9, false},
		{0, 0, true, 0, false},         // unlimited stays unlimited
		{0, 52000, false, 50000, true}, // from unlimited: below the actual rate
		{0, 0, false, 800, true},       // nothing measured yet: below the default
	} {
		got, ok := stepRate(tc.target, tc.actual, tc.up)
		if got != tc.want || ok != tc.ok {
			t.Errorf("stepRate(%g, %g, up=%v) = %g, %v; want %g, %v", tc.target, tc.actual, tc.up, got, ok, tc.want, tc.ok)
		}
	}
}

// TestNewPartitionsMarkedAsTheEngineSays follows partitions 4-7 from idle
// to their share: marked with + while the engine calls them new, and not
// marked when the engine says they settled, whatever their share now (the
// engine decides, so every viewer agrees).
func TestNewPartitionsMarkedAsTheEngineSays(t *testing.T) {
	eng := fixture(midExpansion, 8)
	m := newTestModel(eng, 120, 40)
	marked := func() string {
		var ids []string
		for _, l := range strings.Split(screen(m), "\n") {
			if strings.HasPrefix(l, "+") {
				ids = append(ids, strings.Fields(l[1:])[0])
			}
		}
		return strings.Join(ids, ",")
	}
	if got := marked(); got != "4,5,6,7" {
		t.Fatalf("mid-expansion marks %q, want 4,5,6,7", got)
	}
	eng.set(fixture(pickedUp, 8).snap) // 4-6 at ≥85% of fair share, 7 at 60%
	m.Update(tickMsg{})
	if got := marked(); got != "7" {
		t.Fatalf("after pickup marks %q, want 7", got)
	}
	settled := fixture(pickedUp, 8).snap.Unsettled
	dip := *fixture(dipped, 8).snap
	dip.Unsettled = settled // the engine: a dip does not make 4 new again
	eng.set(&dip)
	if share := eng.snap.Stats.Partitions[4].Share; share != 0 {
		t.Fatalf("the dip fixture gives partition 4 a share of %v, want 0", share)
	}
	m.Update(tickMsg{})
	if got := marked(); got != "7" {
		t.Fatalf("after a dip marks %q, want 7", got)
	}
}

// TestScheduledOutcome shows --at outcomes on the status line and moves on
// to the next scheduled action.
func TestScheduledOutcome(t *testing.T) {
	m := newTestModel(fixture(midExpansion, 8), 120, 40)
	if s := screen(m); !strings.Contains(s, "next: add=4 at 3m0s (in 57s)") {
		t.Fatalf("the next scheduled action is not shown:\n%s", s)
	}
	eng := m.eng.(*fakeEngine)
	next := *eng.snap
	next.Outcomes = []engine.Outcome{{Action: next.Schedule[0], At: testNow, Err: "topic is gone"}}
	eng.set(&next)
	m.Update(tickMsg{})
	s := screen(m)
	if !strings.Contains(s, "✗ at 3m0s: add=4 failed: topic is gone") {
		t.Fatalf("failed scheduled action not shown:\n%s", s)
	}
	if strings.Contains(s, "next: add=4") {
		t.Fatalf("a reported action is still shown as next:\n%s", s)
	}
}

// TestStatusExpires clears a message once its time is up, on a tick.
func TestStatusExpires(t *testing.T) {
	now := testNow
	cfg := testConfig()
	cfg.Now = func() time.Time { return now }
	m := New(fixture(midExpansion, 8), cfg)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(tickMsg{})
	run(m, press(m, "+"))
	if !strings.Contains(screen(m), "target rate now") {
		t.Fatal("no status message")
	}
	now = now.Add(statusFor)
	m.Update(tickMsg{})
	if strings.Contains(screen(m), "target rate now") {
		t.Fatal("status message did not expire")
	}
}

// TestLightBackground restyles for a light terminal: same words, other
// colours.
func TestLightBackground(t *testing.T) {
	m := newTestModel(fixture(midExpansion, 8), 120, 40)
	dark := m.View().Content
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	light := m.View().Content
	if dark == light {
		t.Fatal("a light background did not change any colour")
	}
	if ansi.Strip(dark) != ansi.Strip(light) {
		t.Fatal("a light background changed the text")
	}
}

// TestQuitKeys: q and ctrl+c quit, also from the prompt (ctrl+c).
func TestQuitKeys(t *testing.T) {
	m := newTestModel(fixture(midExpansion, 8), 80, 24)
	for _, k := range []string{"q", "ctrl+c"} {
		if cmd := press(m, k); cmd == nil || cmd() != tea.Quit() {
			t.Fatalf("%s does not quit", k)
		}
	}
	press(m, "a")
	if cmd := press(m, "q"); cmd != nil && cmd() == tea.Quit() {
		t.Fatal("q in the prompt quit instead of being typed")
	}
	if cmd := press(m, "ctrl+c"); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("ctrl+c in the prompt does not quit")
	}
}

// TestHelpToggle shows every binding after ?.
func TestHelpToggle(t *testing.T) {
	m := newTestModel(fixture(midExpansion, 8), 120, 40)
	if s := screen(m); strings.Contains(s, "page down") {
		t.Fatal("full help shown before ?")
	}
	press(m, "?")
	if s := screen(m); !strings.Contains(s, "page down") || !strings.Contains(s, "lower target rate") {
		t.Fatalf("full help not shown after ?:\n%s", s)
	}
	press(m, "?")
	if s := screen(m); strings.Contains(s, "page down") {
		t.Fatal("? does not toggle the full help off")
	}
}

func equalActions(a, b []engine.Action) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }
