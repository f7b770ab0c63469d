package source

import "sync"

// Undated are the partitions an expansion added whose first record an
// observer has not dated yet, on either platform: only those are ever
// read, so dating the fleet's first write costs a few small fetches per
// expansion and none in steady state. Safe for concurrent use.
type Undated struct {
	mu   sync.Mutex
	from map[int32]int64 // partition → offset its first record is read at: 0, or the log start
}

// Add makes partitions from..to-1 due for dating once written to.
func (u *Undated) Add(from, to int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.from == nil {
		u.from = map[int32]int64{}
	}
	for p := from; p < to; p++ {
		if _, ok := u.from[int32(p)]; !ok {
			u.from[int32(p)] = 0
		}
	}
}

// Due are the undated partitions whose end offset (as of the latest poll)
// is above the offset their first record is read at, with that offset;
// nil when none is.
func (u *Undated) Due(ends []int64) map[int32]int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out map[int32]int64
	for p, at := range u.from {
		if int(p) < len(ends) && ends[p] > at {
			if out == nil {
				out = map[int32]int64{}
			}
			out[p] = at
		}
	}
	return out
}

// Done stops reading p: its first record is dated (or cannot be).
func (u *Undated) Done(p int32) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.from, p)
}

// MoveTo reads p's first record at off from now on (the log start, past
// control records).
func (u *Undated) MoveTo(p int32, off int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if at, ok := u.from[p]; ok && off > at {
		u.from[p] = off
	}
}
