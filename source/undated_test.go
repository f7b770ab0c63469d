package source

import "testing"

// TestUndatedDue: only partitions an expansion added are read, once
// their end offset is above where they are read from; dated ones never
// again.
func TestUndatedDue(t *testing.T) {
	var f Undated
	if d := f.Due([]int64{5, 5}); d != nil {
		t.Fatalf("before an expansion: %v due", d)
	}
	f.Add(2, 4)
	f.Add(3, 5) // overlapping: partition 3 keeps its offset
	f.MoveTo(3, 2)
	f.Add(3, 5)
	if d := f.Due([]int64{9, 9, 0, 2, 1}); len(d) != 1 || d[4] != 0 {
		t.Fatalf("due %v, want only partition 4 at 0 (2 is empty, 3 is read from 2)", d)
	}
	f.Done(4)
	if d := f.Due([]int64{9, 9, 1, 3, 1}); len(d) != 2 || d[2] != 0 || d[3] != 2 {
		t.Fatalf("due %v, want partitions 2 at 0 and 3 at 2", d)
	}
}
