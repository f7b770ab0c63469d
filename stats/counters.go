// Package stats turns per-partition acknowledgements into rates, history and
// balance figures. It imports no UI package: the producer feeds it, the
// headless printer and the dashboard read value-copy snapshots of it.
package stats

import (
	"sync"
	"sync/atomic"
	"time"
)

// Counters holds one slot of atomic counters per partition. The hot path
// (Ack, Fail) takes no lock: it loads the slot table through an atomic
// pointer, and growing the table copies the slot pointers, so a count is
// never lost or doubled across a resize.
type Counters struct {
	mu    sync.Mutex // serializes growth
	slots atomic.Pointer[[]*slot]
	// unrouted counts records that failed before a partition was chosen
	// (unknown topic, no usable partition): they belong to no slot.
	unrouted slot
}

type slot struct {
	acked    atomic.Uint64
	bytes    atomic.Uint64
	errors   atomic.Uint64
	firstAck atomic.Int64 // unix nanoseconds of the first acknowledged record; 0 = none yet
	lastErr  atomic.Pointer[string]
}

// NewCounters returns counters for n partitions.
func NewCounters(n int) *Counters {
	c := &Counters{}
	empty := []*slot{}
	c.slots.Store(&empty)
	c.Extend(n)
	return c
}

// Len is the number of partitions with a slot.
func (c *Counters) Len() int { return len(*c.slots.Load()) }

// Extend makes sure partitions 0..n-1 have slots. Shrinking is not a thing in
// Kafka, so a smaller n does nothing.
func (c *Counters) Extend(n int) {
	if n <= c.Len() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.slots.Load()
	if n <= len(old) {
		return
	}
	grown := make([]*slot, n)
	copy(grown, old)
	for i := len(old); i < n; i++ {
		grown[i] = &slot{}
	}
	c.slots.Store(&grown)
}

func (c *Counters) slot(p int32) *slot {
	if s := *c.slots.Load(); int(p) < len(s) && p >= 0 {
		return s[p]
	}
	if p < 0 {
		return nil
	}
	c.Extend(int(p) + 1)
	return (*c.slots.Load())[p]
}

// Ack counts one acknowledged record of size bytes on partition p. It
// reports whether this was the partition's first acknowledged record, with
// the time it recorded for it.
func (c *Counters) Ack(p int32, bytes int) (first bool, at time.Time) {
	s := c.slot(p)
	if s == nil {
		return false, time.Time{}
	}
	s.acked.Add(1)
	s.bytes.Add(uint64(bytes))
	if s.firstAck.Load() == 0 {
		now := time.Now()
		if s.firstAck.CompareAndSwap(0, now.UnixNano()) {
			return true, now
		}
	}
	return false, time.Time{}
}

// Add counts n records on partition p seen at once, as of at: observe mode
// learns of records from end offsets, in steps. It reports whether these
// were the partition's first records.
func (c *Counters) Add(p int32, n uint64, at time.Time) (first bool) {
	s := c.slot(p)
	if s == nil || n == 0 {
		return false
	}
	s.acked.Add(n)
	return s.firstAck.Load() == 0 && s.firstAck.CompareAndSwap(0, at.UnixNano())
}

// Fail counts one failed record on partition p (-1 when the record failed
// before a partition was chosen; those are counted on no partition).
func (c *Counters) Fail(p int32, err error) {
	s := c.slot(p)
	if s == nil {
		s = &c.unrouted
	}
	s.errors.Add(1)
	msg := err.Error()
	s.lastErr.Store(&msg)
}

// FirstAck is when partition p got its first acknowledged record, or the
// zero time.
func (c *Counters) FirstAck(p int32) time.Time {
	s := *c.slots.Load()
	if p < 0 || int(p) >= len(s) {
		return time.Time{}
	}
	if ns := s[p].firstAck.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Unrouted returns the records that failed before a partition was chosen.
func (c *Counters) Unrouted() Totals { return c.unrouted.totals() }

// Totals is a consistent-enough read of one partition's counters.
type Totals struct {
	Acked, Bytes, Errors uint64
	LastError            string
	FirstAck             time.Time
}

// Read returns the current totals of every partition, indexed by partition.
func (c *Counters) Read() []Totals {
	s := *c.slots.Load()
	out := make([]Totals, len(s))
	for i, sl := range s {
		out[i] = sl.totals()
	}
	return out
}

func (s *slot) totals() Totals {
	t := Totals{Acked: s.acked.Load(), Bytes: s.bytes.Load(), Errors: s.errors.Load()}
	if e := s.lastErr.Load(); e != nil {
		t.LastError = *e
	}
	if ns := s.firstAck.Load(); ns != 0 {
		t.FirstAck = time.Unix(0, ns)
	}
	return t
}
