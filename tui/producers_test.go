package tui

import (
	"strings"
	"testing"
	"time"

	"partop/engine"
	"partop/source"

	"github.com/charmbracelet/x/ansi"
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
