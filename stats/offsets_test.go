package stats

import (
	"slices"
	"testing"
)

// TestOffsets: partitions the topic had at start count from their first
// seen offset, later ones from 0, and an offset going back starts over.
func TestOffsets(t *testing.T) {
	b := NewOffsets(2)
	if n := b.Step(0, 100); n != 0 {
		t.Errorf("first look at an old partition counted %d", n)
	}
	if n := b.Step(0, 130); n != 30 {
		t.Errorf("step 100->130 = %d", n)
	}
	if n := b.Step(3, 7); n != 7 {
		t.Errorf("a partition added later counts from 0: got %d, want 7", n)
	}
	if got := b.Ends(); !slices.Equal(got, []int64{130, -1, -1, 7}) {
		t.Errorf("ends = %v, want [130 -1 -1 7]", got)
	}
	if n := b.Step(0, 5); n != 0 {
		t.Errorf("offset went back (topic recreated): counted %d", n)
	}
}
