package tui

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/backend/kafka/kproducer"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
)

// countingEngine is the real engine, counting the actions the dashboard
// hands it: Apply is the dashboard's only way to reach the cluster.
type countingEngine struct {
	*engine.Engine
	mu      sync.Mutex
	applied []engine.Action
}

func (c *countingEngine) Apply(ctx context.Context, a engine.Action) error {
	c.mu.Lock()
	c.applied = append(c.applied, a)
	c.mu.Unlock()
	return c.Engine.Apply(ctx, a)
}

func (c *countingEngine) actions() []engine.Action {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]engine.Action(nil), c.applied...)
}

// screenProbe asks the running program for its current screen. The
// program's filter answers it from inside the event loop, so reading the
// model never races with Update. (The raw output stream only holds the
// cells that changed between frames, not whole screens.)
type screenProbe chan string

func probeFilter(m tea.Model, msg tea.Msg) tea.Msg {
	if p, ok := msg.(screenProbe); ok {
		p <- ansi.Strip(m.View().Content)
		return nil
	}
	return msg
}

// waitScreen asks the program for its screen until cond holds, or fails
// the test after timeout showing the last screen.
func waitScreen(t *testing.T, tm *teatest.TestModel, timeout time.Duration, what string, cond func(string) bool) string {
	t.Helper()
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("the last screen:\n%s", last)
		}
	}()
	waitfor.That(t, timeout, "the screen to show "+what, func() bool {
		ch := make(screenProbe, 1)
		tm.Send(ch)
		select {
		case last = <-ch:
			return cond(last)
		case <-time.After(time.Second):
			return false
		}
	})
	return last
}

// TestAddPartitionsOnEmbeddedCluster drives the dashboard against the real
// embedded cluster: add 4 partitions from the prompt, see the producer pick
// them up, then type invalid counts that must never reach the cluster.
func TestAddPartitionsOnEmbeddedCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded cluster")
	}
	const topicName = "partop-ui"
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cl, topic := embeddedtest.Start(t, topicName, 4)
	p, err := kproducer.New(kproducer.Config{Config: producer.Config{Topic: topicName, Partitioner: rules.RoundRobin, Rate: 2000}, ClientOpts: cl.ClientOpts()}, cl, topic)
	if err != nil {
		t.Fatal(err)
	}
	eng := &countingEngine{Engine: engine.New(p, engine.Config{
		Info: engine.Info{Cluster: cl.Name(), Topic: topicName},
		Tick: 100 * time.Millisecond,
	})}
	ran := make(chan error, 1)
	go func() { ran <- eng.Run(ctx) }()
	t.Cleanup(func() { // before cl.Close: cleanups run last-in first-out
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("flush: %v", err)
		}
	})

	m := New(eng, Config{Context: ctx})
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii), tea.WithFilter(probeFilter)),
	)
	enter := tea.KeyPressMsg{Code: tea.KeyEnter}
	esc := tea.KeyPressMsg{Code: tea.KeyEscape}

	waitScreen(t, tm, 30*time.Second, "4 partitions with traffic", func(s string) bool {
		return strings.Contains(s, "partitions: cluster 4 · producer 4") && rowRate(s, 3) > 0
	})

	tm.Type("a")
	tm.Type("4")
	waitScreen(t, tm, 10*time.Second, "the prompt previewing 4 → 8", func(s string) bool {
		return strings.Contains(s, "add partitions › 4") && strings.Contains(s, "4 → 8 partitions (+4)")
	})
	tm.Send(enter)

	desc := func() int {
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		defer dcancel()
		tp, err := cl.Describe(dctx, topicName)
		if err != nil {
			t.Fatalf("describe: %v", err)
		}
		return tp.Count()
	}
	waitfor.That(t, 30*time.Second, "the cluster to have 8 partitions after Enter", func() bool { return desc() == 8 })
	s := waitScreen(t, tm, 30*time.Second, "the pickup and traffic on partitions 4-7", func(s string) bool {
		if !strings.Contains(s, "+4 partitions (4→8) by partop · producer picked up all 4 in ") ||
			!strings.Contains(s, "partitions: cluster 8 · producer 8") {
			return false
		}
		for id := 4; id < 8; id++ {
			if rowRate(s, id) <= 0 {
				return false
			}
		}
		return true
	})
	if !strings.Contains(s, " ms") {
		t.Fatalf("the pickup line has no latency in ms:\n%s", s)
	}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("picked up"))
	}, teatest.WithDuration(10*time.Second))

	for _, bad := range []struct{ input, want string }{
		{"0", "add at least 1 partition"},
		{"-2", "add at least 1 partition"},
		{"abc", "is not a whole number"},
		{"=4", "the topic has 8 partitions"},
	} {
		tm.Type("a")
		tm.Type(bad.input)
		waitScreen(t, tm, 10*time.Second, "the error for "+bad.input, func(s string) bool {
			return strings.Contains(s, "add partitions › "+bad.input) && strings.Contains(promptError(s), bad.want)
		})
		tm.Send(enter) // refused: the prompt stays with its error
		waitScreen(t, tm, 10*time.Second, "the prompt still open after Enter on "+bad.input, func(s string) bool {
			return strings.Contains(s, "add partitions › "+bad.input) && strings.Contains(promptError(s), bad.want)
		})
		tm.Send(esc)
		waitScreen(t, tm, 10*time.Second, "the prompt closed", func(s string) bool {
			return !strings.Contains(s, "add partitions ›")
		})
	}
	// Apply is the dashboard's only way to the cluster: exactly one call,
	// the valid add, ever reached the engine.
	if got := eng.actions(); len(got) != 1 || got[0] != (engine.Action{Kind: engine.ActAdd, N: 4}) {
		t.Fatalf("actions that reached the engine: %v, want only add=4", got)
	}
	if n := desc(); n != 8 {
		t.Fatalf("after invalid inputs the cluster has %d partitions, want 8", n)
	}
	for _, ev := range eng.Snapshot().Events {
		if ev.Kind == engine.KindError {
			t.Errorf("an error was logged: %s", ev.Message)
		}
		if ev.Kind == engine.KindExpansion && (ev.From != 4 || ev.To != 8) {
			t.Errorf("unexpected expansion %d→%d", ev.From, ev.To)
		}
	}

	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

// rowRate is the RATE/s column of partition id's row on a screen, -1 if
// the row is not there.
func rowRate(screen string, id int) float64 {
	for _, l := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimPrefix(l, "+"))
		if len(f) < 3 || f[0] != itoa(id) {
			continue
		}
		if f[2] == "0" {
			return 0
		}
		return 1 // compact numbers ("1.25k") are non-zero unless "0"
	}
	return -1
}
