package fluvio

import "testing"

// TestFirstWritesDue: only partitions an expansion added are read, once
// they have records, from their start; dated ones never again.
func TestFirstWritesDue(t *testing.T) {
	var f firstWrites
	if d := f.due([]int64{5, 5}); d != nil {
		t.Fatalf("before an expansion: %v due", d)
	}
	f.add(2, 4)
	if d := f.due([]int64{9, 9, 0, 2}); len(d) != 1 || d[3] != 0 {
		t.Fatalf("due %v, want only partition 3 (2 is empty)", d)
	}
	f.done(3)
	f.add(4, 5)
	if d := f.due([]int64{9, 9, 1, 3, 1}); len(d) != 2 || d[2] != 0 || d[4] != 0 {
		t.Fatalf("due %v, want partitions 2 and 4", d)
	}
}
