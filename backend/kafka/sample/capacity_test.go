package sample

import "testing"

// A round's budget covers every partition of a small topic with a larger
// sample; a large topic keeps DefaultCapacity; no topic gets more than
// MaxCapacity.
func TestCapacityFor(t *testing.T) {
	for _, c := range []struct{ budget, partitions, want int }{
		{DefaultBudget, 4, MaxCapacity},
		{DefaultBudget, 16, 256},
		{DefaultBudget, 100, DefaultCapacity},
		{DefaultBudget, 1000, DefaultCapacity},
		{DefaultBudget, 0, MaxCapacity},
		{64 << 10, 1, 256},
	} {
		if got := CapacityFor(c.budget, c.partitions); got != c.want {
			t.Errorf("CapacityFor(%d, %d) = %d, want %d", c.budget, c.partitions, got, c.want)
		}
	}
}
