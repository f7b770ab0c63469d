package tui

import (
	"strings"
	"testing"
	"time"

	"partop/backend"

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
		{backend.ProducerStale, []int32{2}, true},
		{backend.ProducerStale, []int32{0, 1, 2, 3}, false},
		{backend.ProducerIdle, []int32{2}, false},
		{backend.ProducerAdopted, []int32{5}, false},
	} {
		p := backend.Producer{ID: 7, State: tc.state, Partitions: tc.parts, LastWrite: now.Add(-time.Second), Rate: 10}
		row := ansi.Strip(producerRow(&p, now, &st))
		if got := strings.Contains(row, "keyed or pinned?"); got != tc.hint {
			t.Errorf("%s on %v: hint %v, want %v: %q", tc.state, tc.parts, got, tc.hint, row)
		}
	}
}
