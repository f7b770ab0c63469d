package tui

import (
	"math"
	"strings"
	"testing"
	"time"

	"partop/stats"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// quiet is the fixture's producer with nothing sent for the whole run:
// paused, or a topic nobody writes to.
func quiet() *fakeEngine {
	f := fixture(pickedUp, 4)
	s := *f.snap
	s.Stats = simulate(4, 4, testStart, func(int, time.Time) float64 { return 0 })
	s.Unsettled = nil
	f.snap = &s
	return f
}

// TestNoTrafficHasNoJain: with nothing sent, Jain's index and max/mean are
// undefined (stats gives 0): the balance line and the chart say "no
// traffic" instead of "Jain 0.000", which reads as the worst skew there is.
func TestNoTrafficHasNoJain(t *testing.T) {
	m := newTestModel(quiet(), 120, 40)
	s := screen(m)
	if !strings.Contains(s, "balance no traffic · idle 4 of 4") {
		t.Errorf("balance line: want %q:\n%s", "balance no traffic · idle 4 of 4", s)
	}
	for _, bad := range []string{"Jain 0", "max/mean", "CV 0", "0.000 now"} {
		if strings.Contains(s, bad) {
			t.Errorf("screen shows %q with no traffic:\n%s", bad, s)
		}
	}
	st := DefaultStyles(true)
	snap := stats.Snapshot{Partitions: []stats.Partition{{ID: 0}}, TotalHistory: []float64{0, 0}, BalanceHistory: []float64{math.NaN(), math.NaN()}, HistoryTimes: []int64{0, 1}}
	got := chart(&snap, nil, 80, 12, testTick, &st)
	if !strings.Contains(ansi.Strip(strings.Join(got, "\n")), "── no traffic now") {
		t.Errorf("chart with no traffic:\n%s", strings.Join(got, "\n"))
	}
	// The line under the title is whole: no escape code cut in half.
	if last := got[len(got)-1]; !strings.HasPrefix(ansi.Strip(last), "  no traffic yet") {
		t.Errorf("chart's balance line %q", last)
	}
}

// TestHeaderNamesThePlacement: the header names what places the records:
// the hash for keyed records under a partitioner that hashes them, the
// partitioner otherwise (and for snapshots that name no placement).
func TestHeaderNamesThePlacement(t *testing.T) {
	for _, tc := range []struct {
		partitioner, placement, want string
	}{
		{"uniform-sticky", "key-hash, murmur2", "partitioner key-hash, murmur2"},
		{"uniform-sticky", "key-hash, SipHash", "partitioner key-hash, SipHash"},
		{"round-robin", "round-robin", "partitioner round-robin"},
		{"uniform-sticky", "", "partitioner uniform-sticky"},
	} {
		f := fixture(pickedUp, 8)
		s := *f.snap
		s.Partitioner, s.Placement = tc.partitioner, tc.placement
		f.snap = &s
		m := newTestModel(f, 160, 40)
		if h := ansi.Strip(m.header()[1]); !strings.Contains(h, tc.want) {
			t.Errorf("%s/%q: header %q lacks %q", tc.partitioner, tc.placement, h, tc.want)
		}
	}
}

// outage is the fixture 28 s into an outage: the cluster last answered at
// 15:03:37, the producer holds 28,000 records, and its watcher fails. A
// producer that gives up on records after giving up (Fluvio's, after 3 s)
// when fluvio is set.
func outage(observe, fluvio bool) *fakeEngine {
	f := fixture(pickedUp, 8)
	if observe {
		f = observing()
	}
	s := *f.snap
	s.Unanswered = testNow.Add(-28 * time.Second)
	if !observe { // 1,000/s until the cluster went, nothing since
		s.Stats = simulate(8, 8, testStart, func(_ int, at time.Time) float64 {
			if at.After(s.Unanswered) {
				return 0
			}
			return 125
		})
		s.Unsettled = nil
	}
	s.Held = 28000
	if observe {
		s.Held = -1
	}
	s.TopicState.WatchError = `describe topic "partop": dial tcp 127.0.0.1:9092: connect: connection refused`
	if fluvio {
		s.Cluster, s.GivesUpAfter, s.Held = "fluvio 127.0.0.1:9003", 3*time.Second, 2317
	}
	f.snap = &s
	return f
}

// TestOutageHeader: while the cluster does not answer, the header says so
// instead of "▶ running", since when, and how many records the producer
// holds; observe mode says it instead of "◉ observing".
func TestOutageHeader(t *testing.T) {
	for _, tc := range []struct {
		name            string
		observe, fluvio bool
		width           int
		want            []string
	}{
		{"produce_160", false, false, 160, []string{"✗ cluster not answering since 15:03:37 (+28s)", "holding 28,000 records (waiting, not lost)"}},
		{"produce_120", false, false, 120, []string{"✗ cluster not answering since 15:03:37 (+28s)", "holding 28,000 records (waiting, not lost)"}},
		{"produce_80", false, false, 80, []string{"✗ cluster not answering", "(+28s)", "holding 28,000 (waiting, not lost)"}},
		{"observe_120", true, false, 120, []string{"✗ cluster not answering since 15:03:37 (+28s)"}},
		{"fluvio_120", false, true, 120, []string{"✗ cluster not answering since 15:03:37 (+28s)", "holding 2,317 records (each fails after 3s)"}},
		{"fluvio_80", false, true, 80, []string{"holding 2,317 (failing after 3s)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestModel(outage(tc.observe, tc.fluvio), tc.width, 40)
			h := strings.Join(stripAll(m.header()), "\n")
			for _, w := range tc.want {
				if !strings.Contains(h, w) {
					t.Errorf("header lacks %q:\n%s", w, h)
				}
			}
			bad := []string{"▶ running", "◉ observing", "holding -1", "watcher"}
			if tc.fluvio {
				bad = append(bad, "not lost")
			}
			for _, bad := range bad {
				if strings.Contains(h, bad) {
					t.Errorf("header says %q:\n%s", bad, h)
				}
			}
			golden.RequireEqual(t, h)
		})
	}
	// Answering again: back to running, nothing held is mentioned.
	f := outage(false, false)
	s := *f.snap
	s.Unanswered = time.Time{}
	f.snap = &s
	m := newTestModel(f, 160, 40)
	if h := strings.Join(stripAll(m.header()), "\n"); !strings.Contains(h, "▶ running") || !strings.Contains(h, "✗ watcher") || strings.Contains(h, "holding") || strings.Contains(h, "not answering") {
		t.Errorf("header once answering:\n%s", h)
	}
}
