package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"partop/overview"
)

type fakeOverview struct{ s *overview.Snapshot }

func (f *fakeOverview) Snapshot() *overview.Snapshot { return f.s }

// clusterFixture is a tracker's snapshot of a cluster with a skewed busy
// topic, an even busier even one, an idle one, an internal one and a
// topic expanded 4→8 with the new leaders all on broker 2.
func clusterFixture() *overview.Snapshot {
	tr := overview.NewTracker()
	at := func(sec int, ends map[string][]int64, leaders map[string][]int32) overview.Census {
		c := overview.Census{At: testNow.Add(time.Duration(sec-5) * time.Second), Brokers: []overview.Broker{{ID: 0}, {ID: 1}, {ID: 2, Rack: "eu-1c"}}}
		for _, name := range []string{"__consumer_offsets", "audit", "clicks", "orders", "payments"} {
			tp := overview.Topic{Name: name, Internal: strings.HasPrefix(name, "__")}
			for p, e := range ends[name] {
				l := int32(p % 3)
				if ls := leaders[name]; p < len(ls) {
					l = ls[p]
				}
				tp.Partitions = append(tp.Partitions, overview.Partition{Leader: l, Replicas: []int32{l}, End: e})
			}
			c.Topics = append(c.Topics, tp)
		}
		return c
	}
	tr.Take(at(0, map[string][]int64{
		"__consumer_offsets": {0, 0}, "audit": {5}, "clicks": {0, 0, 0}, "orders": {0, 0, 0, 0}, "payments": {0, 0},
	}, nil))
	s := tr.Take(at(5, map[string][]int64{
		"__consumer_offsets": {100, 0}, "audit": {5}, "clicks": {10000, 10000, 10000}, "orders": {4000, 500, 500, 500, 0, 0, 0, 0}, "payments": {50, 50},
	}, map[string][]int32{"orders": {0, 1, 2, 0, 2, 2, 2, 1}}))
	s.Polls, s.Took = 2, 3*time.Millisecond
	return &s
}

func newTopicsModel(open TopicOpener, w, h int) *Topics {
	m := NewTopics(&fakeOverview{clusterFixture()}, ClusterConfig{Name: "127.0.0.1:9092", Open: open, Now: func() time.Time { return testNow }, Topic: testConfig()})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func topicsScreen(m *Topics) string { return ansi.Strip(m.View().Content) }

func pressTopics(m *Topics, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		_, last = m.Update(keyMsg(k))
	}
	return last
}

// rowOrder is the topic names in the order the screen lists them.
func rowOrder(screen string) []string {
	var out []string
	for _, l := range strings.Split(screen, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && (f[0] == "orders" || f[0] == "clicks" || f[0] == "payments" || f[0] == "audit" || f[0] == "__consumer_offsets") {
			out = append(out, f[0])
		}
	}
	return out
}

// TestTopicsView: the most uneven busy topic first, internal topics
// hidden until i, the expansion's new leaders flagged, the brokers panel,
// and s cycling the orders.
func TestTopicsView(t *testing.T) {
	m := newTopicsModel(nil, 140, 30)
	out := topicsScreen(m)
	if got := fmt.Sprint(rowOrder(out)); got != "[orders clicks payments audit]" {
		t.Fatalf("rows %s, want orders first (uneven), internal hidden:\n%s", got, out)
	}
	for _, want := range []string{"4→8 by", "4 new: broker 2 ×3, broker 1 ×1 !", "BROKERS", "eu-1c", "sorted by uneven", "rates over 5s"} {
		if !strings.Contains(out, want) {
			t.Errorf("the topics view lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatalf("screen:\n%s", out)
	}
	pressTopics(m, "i")
	if got := fmt.Sprint(rowOrder(topicsScreen(m))); !strings.Contains(got, "__consumer_offsets") {
		t.Errorf("i did not show the internal topic: %s", got)
	}
	pressTopics(m, "i", "s") // by rate
	if got := fmt.Sprint(rowOrder(topicsScreen(m))); got != "[clicks orders payments audit]" {
		t.Errorf("by rate: %s", got)
	}
}

// TestTopicsFilterAndOpen: / narrows the list as the operator types;
// Enter opens the selected topic's dashboard (in a tea.Cmd); Esc comes
// back to the list with its filter and cursor kept, and stops the
// topic's engine; a topic that cannot be opened says why.
func TestTopicsFilterAndOpen(t *testing.T) {
	stopped := make(chan string, 1)
	open := func(_ context.Context, topic string) (Engine, func(), error) {
		if topic == "audit" {
			return nil, nil, errors.New("topic audit: Describe denied")
		}
		return fixture(pickedUp, 8), func() { stopped <- topic }, nil
	}
	m := newTopicsModel(open, 140, 40)
	pressTopics(m, "/", "a", "y")
	out := topicsScreen(m)
	if got := fmt.Sprint(rowOrder(out)); got != "[payments]" || !strings.Contains(out, "filter ay") {
		t.Fatalf("filter ay: rows %s:\n%s", got, out)
	}
	pressTopics(m, "backspace", "enter") // filter "a": orders, payments, audit
	if got := fmt.Sprint(rowOrder(topicsScreen(m))); got != "[payments audit]" {
		t.Fatalf("filter a: rows %s", got)
	}
	pressTopics(m, "down")
	cmd := pressTopics(m, "enter")
	m.Update(cmd())
	if out := topicsScreen(m); !strings.Contains(out, "cannot open audit: topic audit: Describe denied") {
		t.Fatalf("a failed open did not say why:\n%s", out)
	}
	pressTopics(m, "up")
	cmd = pressTopics(m, "enter")
	if cmd == nil {
		t.Fatal("enter opened nothing")
	}
	m.Update(cmd())
	if out := topicsScreen(m); !strings.Contains(out, "PART") || !strings.Contains(out, "balance") {
		t.Fatalf("enter did not show the topic's dashboard:\n%s", out)
	}
	pressTopics(m, "esc")
	select {
	case got := <-stopped:
		if got != "payments" {
			t.Errorf("stopped %s, want payments", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("esc did not stop the topic's engine")
	}
	out = topicsScreen(m)
	if got := fmt.Sprint(rowOrder(out)); got != "[payments audit]" || !strings.Contains(out, "row 1 of 2 · enter opens payments") {
		t.Fatalf("back in the list, filter or cursor lost: rows %s:\n%s", got, out)
	}
}

// TestTopicsSmallAndEmpty: a tiny terminal says so; before the first
// census the list says it is taking one.
func TestTopicsSmallAndEmpty(t *testing.T) {
	m := newTopicsModel(nil, 30, 5)
	if out := topicsScreen(m); !strings.Contains(out, "small") {
		t.Errorf("a 30×5 terminal: %q", out)
	}
	e := NewTopics(&fakeOverview{&overview.Snapshot{}}, ClusterConfig{Now: func() time.Time { return testNow }})
	e.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	if out := topicsScreen(e); !strings.Contains(out, "taking the first census") {
		t.Errorf("before the first census:\n%s", out)
	}
}

// TestHomeAndTopics: a run's own dashboard hosts the topics view: t shows
// the list (starting the census once), Esc comes back, Enter on the run's
// own topic shows its dashboard without opening anything, and the home
// dashboard's refresh loop runs on while the list is shown.
func TestHomeAndTopics(t *testing.T) {
	eng := fixture(pickedUp, 8) // topic "partop"
	watched := 0
	opened := 0
	ov := &fakeOverview{clusterFixture()}
	ov.s.Topics = append(ov.s.Topics, overview.TopicRow{Name: "partop", Partitions: 8, Rate: 5000, Uneven: 4000})
	h := NewHome(eng, func() Overview { watched++; return ov }, ClusterConfig{
		Name: "embedded", Now: func() time.Time { return testNow }, Topic: testConfig(),
		Open: func(context.Context, string) (Engine, func(), error) { opened++; return nil, nil, errors.New("no") },
	})
	h.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
	h.Update(tickMsg{from: h.home})
	if out := topicsScreen(h); !strings.Contains(out, "topic partop") || !strings.Contains(out, "t all topics") || watched != 0 {
		t.Fatalf("home first, t in its help, no census yet (%d):\n%s", watched, out)
	}
	pressTopics(h, "t")
	if out := topicsScreen(h); watched != 1 || !strings.Contains(out, "TOPIC") || rowOrder(out)[0] != "orders" {
		t.Fatalf("t did not show the list (census started %d times):\n%s", watched, out)
	}
	reads := eng.reads
	_, cmd := h.Update(tickMsg{from: h.home})
	if eng.reads == reads || cmd == nil {
		t.Errorf("home's tick while the list shows: read the engine %d→%d, next tick %v", reads, eng.reads, cmd != nil)
	}
	pressTopics(h, "/", "p", "a", "r", "enter")
	h.status = status{} // the census notice has had its time (the test's clock stands still)
	h.Update(topicsTickMsg{})
	if out := topicsScreen(h); !strings.Contains(out, "this run's topic: ") || !strings.Contains(out, "(counted)") {
		t.Errorf("the run's own topic selected: no bytes from its dashboard:\n%s", out)
	}
	pressTopics(h, "esc", "esc")
	if out := topicsScreen(h); !strings.Contains(out, "topic partop") {
		t.Fatalf("esc did not come back home:\n%s", out)
	}
	pressTopics(h, "t", "/", "p", "a", "r", "enter", "enter")
	if out := topicsScreen(h); !strings.Contains(out, "topic partop") || opened != 0 || watched != 1 {
		t.Fatalf("enter on the run's own topic: home shown %v, opened %d, censuses started %d:\n%s", strings.Contains(out, "topic partop"), opened, watched, out)
	}
}
