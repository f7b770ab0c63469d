// Package stats turns per-partition acknowledgements into rates, history and
// balance figures. It imports no UI package: the producer feeds it, the
// headless printer and the dashboard read value-copy snapshots of it.
package stats

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Counters holds one slot of atomic counters per partition. The hot path
// (Ack, Fail) takes no lock: it loads the slot table through an atomic
// pointer, and growing the table copies the slot pointers, so a count is
// never lost or doubled across a resize. An acknowledgement costs one
// atomic add: at millions of records a second the counting is a visible
// share of a producer's CPU, and every locked instruction counts.
type Counters struct {
	mu    sync.Mutex // serializes growth and folding (see slot.pending)
	slots atomic.Pointer[[]*slot]
	// unrouted counts records that failed before a partition was chosen
	// (unknown topic, no usable partition): they belong to no slot.
	unrouted slot
	initial  int // partitions at NewCounters: those after get an ackLog
	acks     ackLogs
}

type slot struct {
	// pending holds acknowledgements not yet folded into acked and
	// bytes: records in the top 24 bits, bytes in the low 40, so one
	// atomic add counts a record and its size together. Readers fold it
	// (swap it for 0) under Counters.mu; so does Ack, before either field
	// could overflow into the other.
	pending  atomic.Uint64
	acked    uint64 // folded totals, guarded by Counters.mu
	bytes    uint64
	errors   atomic.Uint64
	firstAck atomic.Int64 // unix nanoseconds of the first acknowledged record; 0 = none yet
	// firstOffset is the first acknowledged record's offset + 1, where
	// the producer knows it (SetFirstOffset); 0 = not known.
	firstOffset atomic.Int64
	lastErr     atomic.Pointer[string]
	// perRecord is Add's bytes per record, as math.Float64bits: an
	// estimate (SetBytesPerRecord), 0 until one is known.
	perRecord atomic.Uint64
	log       atomic.Pointer[ackLog] // LogAck's, for partitions added later; nil: none
}

const (
	pendingShift = 40
	pendingBytes = 1<<pendingShift - 1
	// A pending word is folded once its records reach 2^23 or its bytes
	// 2^39: one more add (at most foldRecords records or maxPendingSize
	// bytes) still fits its field.
	foldRecords    = 1 << 23
	foldBytes      = 1 << 39
	maxPendingSize = 1 << 32 // a larger record is added to the totals directly
)

// add counts n records of size bytes in all.
func (c *Counters) add(s *slot, n, bytes uint64) {
	if n >= foldRecords || bytes >= maxPendingSize {
		c.mu.Lock()
		s.fold()
		s.acked += n
		s.bytes += bytes
		c.mu.Unlock()
		return
	}
	if v := s.pending.Add(n<<pendingShift | bytes); v>>pendingShift >= foldRecords || v&pendingBytes >= foldBytes {
		c.foldLocking(s)
	}
}

func (c *Counters) foldLocking(s *slot) {
	c.mu.Lock()
	s.fold()
	c.mu.Unlock()
}

// fold moves what is pending into the totals; c.mu must be held.
func (s *slot) fold() {
	if s.pending.Load() == 0 {
		return // an idle partition costs a load, not a locked swap
	}
	v := s.pending.Swap(0)
	s.acked += v >> pendingShift
	s.bytes += v & pendingBytes
}

// NewCounters returns counters for n partitions.
func NewCounters(n int) *Counters {
	c := &Counters{}
	empty := []*slot{}
	c.slots.Store(&empty)
	c.Extend(n)
	c.initial = n
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
	if s := *c.slots.Load(); uint(p) < uint(len(s)) { // also false for p < 0
		return s[p]
	}
	return c.newSlot(p)
}

// newSlot is slot's slow path: p has no slot yet, or is negative.
func (c *Counters) newSlot(p int32) *slot {
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
	var s *slot // c.slot(p), inlined
	if t := *c.slots.Load(); uint(p) < uint(len(t)) {
		s = t[p]
	} else if s = c.newSlot(p); s == nil {
		return false, time.Time{}
	}
	// add, inlined: this is the per-record path.
	if uint(bytes) < maxPendingSize {
		if v := s.pending.Add(1<<pendingShift | uint64(bytes)); v>>pendingShift >= foldRecords || v&pendingBytes >= foldBytes {
			c.foldLocking(s)
		}
	} else {
		c.add(s, 1, uint64(max(bytes, 0)))
	}
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
	c.add(s, n, uint64(float64(n)*math.Float64frombits(s.perRecord.Load())))
	return s.firstAck.Load() == 0 && s.firstAck.CompareAndSwap(0, at.UnixNano())
}

// SetBytesPerRecord sets how many bytes Add counts for each record on
// partition p from now on: observe mode learns record counts from end
// offsets, and their size only from a sample (estimated, so the bytes
// counted from Add are an estimate too). Bytes Add counted before stay
// as they were.
func (c *Counters) SetBytesPerRecord(p int32, bytes float64) {
	if s := c.slot(p); s != nil && bytes >= 0 && !math.IsInf(bytes, 0) {
		s.perRecord.Store(math.Float64bits(bytes))
	}
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

// SetFirstOffset records the offset of partition p's first acknowledged
// record: the producer calls it when Ack reports the first. A first record
// at offset 0 says the partition was empty until it landed (FirstRecord).
func (c *Counters) SetFirstOffset(p int32, offset int64) {
	if s := c.slot(p); s != nil && offset >= 0 {
		s.firstOffset.CompareAndSwap(0, offset+1)
	}
}

// FirstRecord is when partition p's first acknowledged record was
// acknowledged (zero: none yet) and its offset (-1: not known; only a
// producer that sees offsets knows it).
func (c *Counters) FirstRecord(p int32) (at time.Time, offset int64) {
	s := *c.slots.Load()
	if p < 0 || int(p) >= len(s) {
		return time.Time{}, -1
	}
	return c.FirstAck(p), s[p].firstOffset.Load() - 1
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
func (c *Counters) Unrouted() Totals {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unrouted.totals()
}

// Totals is a consistent-enough read of one partition's counters.
type Totals struct {
	Acked, Bytes, Errors uint64
	LastError            string
	FirstAck             time.Time
}

// Read returns the current totals of every partition, indexed by partition:
// every acknowledgement counted before Read was called is in them.
func (c *Counters) Read() []Totals {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := *c.slots.Load()
	out := make([]Totals, len(s))
	for i, sl := range s {
		out[i] = sl.totals()
	}
	return out
}

// totals folds and reads the slot; c.mu must be held.
func (s *slot) totals() Totals {
	s.fold()
	t := Totals{Acked: s.acked, Bytes: s.bytes, Errors: s.errors.Load()}
	if e := s.lastErr.Load(); e != nil {
		t.LastError = *e
	}
	if ns := s.firstAck.Load(); ns != 0 {
		t.FirstAck = time.Unix(0, ns)
	}
	return t
}
