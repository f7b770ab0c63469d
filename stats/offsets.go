package stats

// Offsets is what an end-offsets poll remembers: each partition's last end
// offset. Partitions the topic had at start count from their first seen
// offset; later ones from 0, so records written before the first poll saw
// a new partition still count. Both backends' observers keep one. One poll
// loop owns it: it takes no lock.
type Offsets struct {
	initial int
	last    []int64
	known   []bool
}

// NewOffsets starts the book of a topic that has initial partitions now.
func NewOffsets(initial int) *Offsets { return &Offsets{initial: initial} }

// Step takes partition p's end offset as of a poll and returns how many
// records were written since the last one.
func (b *Offsets) Step(p int32, end int64) uint64 {
	for int(p) >= len(b.last) {
		b.last = append(b.last, 0)
		b.known = append(b.known, false)
	}
	if !b.known[p] {
		b.known[p] = true
		if int(p) < b.initial {
			b.last[p] = end
			return 0
		}
	}
	if end < b.last[p] { // the log was truncated or the topic recreated: start over
		b.last[p] = end
		return 0
	}
	n := end - b.last[p]
	b.last[p] = end
	return uint64(n)
}

// Ends are the end offsets last seen, by partition (-1: not seen yet).
func (b *Offsets) Ends() []int64 {
	out := make([]int64, len(b.last))
	for p := range out {
		out[p] = -1
		if b.known[p] {
			out[p] = b.last[p]
		}
	}
	return out
}
