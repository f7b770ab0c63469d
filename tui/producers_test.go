package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"partop/engine"
	"partop/source"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// TestStaleOnOnePartitionSaysWhy: a stale producer that writes to one
// partition may be keyed or pinned rather than stuck on old metadata; its
// row says so. One on several partitions, or not stale, gets no hint.
func TestStaleOnOnePartitionSaysWhy(t *testing.T) {
	st := DefaultStyles(true)
	now := testNow
	for _, tc := range []struct {
		state string
		parts []int32
		hint  bool
	}{
		{source.ProducerStale, []int32{2}, true},
		{source.ProducerStale, []int32{0, 1, 2, 3}, false},
		{source.ProducerIdle, []int32{2}, false},
		{source.ProducerAdopted, []int32{5}, false},
	} {
		p := source.Producer{ID: 7, State: tc.state, Partitions: tc.parts, LastWrite: now.Add(-time.Second), Rate: 10}
		row := ansi.Strip(producerRow(&p, now, &st))
		if got := strings.Contains(row, "keyed or pinned?"); got != tc.hint {
			t.Errorf("%s on %v: hint %v, want %v: %q", tc.state, tc.parts, got, tc.hint, row)
		}
	}
}

// TestEmptyListSaysWhy: an empty list shows the observer's note when it
// has one (wrapped over the panel's lines, indented), the generic line
// about idempotence otherwise.
func TestEmptyListSaysWhy(t *testing.T) {
	st := DefaultStyles(true)
	const generic = "no producer ids: producers with idempotence off (librdkafka's default) have none"
	note := strings.Repeat("why the list is empty ", 7) // 154 columns
	for _, tc := range []struct {
		note  string
		width int
		lines int // the panel's, as the model asks
		want  string
	}{
		{"", 120, 2, generic},
		{"", 80, 3, generic}, // 82 columns with the indent
		{note, 80, 3, strings.TrimSpace(note)},
		{note, 60, 4, strings.TrimSpace(note)},
	} {
		ps := source.Producers{At: testNow, Note: tc.note}
		m := &Model{width: tc.width, es: &engine.Snapshot{Producers: ps}}
		m.es.Mode = engine.ModeObserve
		if got := m.panelLines(); got != tc.lines {
			t.Errorf("note %q at %d columns: the panel asks for %d lines, want %d", tc.note, tc.width, got, tc.lines)
		}
		out := producersPanel(&ps, testNow, tc.width, tc.lines, &st)
		if len(out) != tc.lines {
			t.Errorf("note %q: %d lines, want %d", tc.note, len(out), tc.lines)
		}
		var words []string
		for _, l := range out[1:] {
			l = ansi.Strip(l)
			if ansi.StringWidth(l) > tc.width || !strings.HasPrefix(l, "  ") {
				t.Errorf("line %q: want indented, within %d columns", l, tc.width)
			}
			words = append(words, strings.Fields(l)...)
		}
		if got := strings.Join(words, " "); got != tc.want {
			t.Errorf("note %q: panel says %q, want %q", tc.note, got, tc.want)
		}
	}
}

// What the backends say when they list no producers (source.About's
// NoProducers): observe.ProducersOff and fluvio.NoProducers, copied here
// because tui imports no backend.
const (
	kafkaProducersOff = "not listed: DescribeProducers is turned off (--producers-interval -1s)"
	fluvioNoProducers = "not listed: Fluvio has no DescribeProducers; the table counts every producer's records, from end offsets"
)

// withProducers is observe mode's snapshot with another producers list:
// on Fluvio (Cluster names it) when fluvio is set.
func withProducers(ps source.Producers, fluvio bool) *fakeEngine {
	f := observing()
	s := *f.snap
	s.Producers = ps
	if fluvio {
		s.Cluster = "fluvio 127.0.0.1:9003"
	}
	f.snap = &s
	return f
}

// TestProducersPanelSaysWhy: a producers panel that is off, cannot be had
// on the platform (Fluvio), failed or has not been answered yet says
// which, from the first snapshot on; only a panel that lists producers
// says where they come from.
func TestProducersPanelSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ps     source.Producers
		fluvio bool
		want   []string
		omit   []string
	}{
		{"fluvio", source.Producers{Off: fluvioNoProducers}, true,
			[]string{"PRODUCERS", "not listed: Fluvio has no DescribeProducers"}, []string{"asking", "from DescribeProducers"}},
		{"off", source.Producers{Off: kafkaProducersOff}, false,
			[]string{"PRODUCERS", "not listed: DescribeProducers is turned off (--producers-interval -1s)"}, []string{"asking", "from DescribeProducers"}},
		{"asking", source.Producers{}, false,
			[]string{"PRODUCERS by id, from DescribeProducers", "asking the partition leaders…"}, []string{"not listed:"}},
		{"denied", source.Producers{At: testNow, Err: "DescribeProducers denied: partop needs Read on the topic to list producers"}, false,
			[]string{"✗ DescribeProducers denied"}, []string{"asking"}},
	} {
		for _, w := range []int{80, 120} {
			t.Run(fmt.Sprintf("%s_%d", tc.name, w), func(t *testing.T) {
				m := newTestModel(withProducers(tc.ps, tc.fluvio), w, 30)
				panel := strings.Join(stripAll(m.panels()), "\n")
				for _, s := range tc.want {
					if !strings.Contains(strings.Join(strings.Fields(panel), " "), s) {
						t.Errorf("panel lacks %q:\n%s", s, panel)
					}
				}
				for _, s := range tc.omit {
					if strings.Contains(panel, s) {
						t.Errorf("panel says %q:\n%s", s, panel)
					}
				}
				golden.RequireEqual(t, panel)
			})
		}
	}
}

// TestFluvioObserveScreen is observe mode on Fluvio: the table and the
// chart from end offsets, and the producers panel saying why it lists
// nobody.
func TestFluvioObserveScreen(t *testing.T) {
	m := newTestModel(withProducers(source.Producers{Off: fluvioNoProducers}, true), 120, 40)
	golden.RequireEqual(t, screen(m))
}

func stripAll(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(ansi.Strip(l), " ")
	}
	return out
}
