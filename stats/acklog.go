package stats

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The acknowledgement log: for a partition added while partop runs, when
// partop's producer heard of which offsets, for its first AckLogFor. The
// engine dates the records on new partitions after the fact from their
// own timestamps (a group's unread count at its assignment), and a record
// stamped before a time was not always readable then: its followers had
// not replicated it, so the high watermark had not passed it (seen on the
// project's 3-node Kafka: up to 0.3 s). A record partop heard of only
// after a time was not readable at that time, so neither was anything
// after it: AckedAfter gives that bound.
const (
	// AckLogEvery is the log's resolution: at most one entry a partition
	// this often.
	AckLogEvery = 10 * time.Millisecond
	// AckLogFor is how long after its first entry a partition's log
	// covers: the groups burst's bound (30 s) is longer, but groups with
	// a stake are assigned new partitions within a few seconds or at a
	// metadata refresh minutes later, which no log this size reaches.
	AckLogFor = 20 * time.Second
	// ackLogPartitions bounds how many partitions have a log, so that
	// memory stays bounded however many are added: 16 KiB each at most.
	ackLogPartitions = 256
)

const ackLogLen = int(AckLogFor / AckLogEvery)

// ackLog is one partition's log. The hot path loads next and compares:
// an entry is taken under mu at most every AckLogEvery.
type ackLog struct {
	next atomic.Int64 // clock value from which the next entry may be taken; MaxInt64: full
	mu   sync.Mutex
	at   []int64 // clock values (unix ns), ascending
	off  []int64 // the offset acknowledged by at[i]
}

// LogAck notes that the record at offset on partition p was acknowledged
// by now (unix ns, no later than the producer heard of it: a clock read
// a moment before is fine, and makes the bound looser, never wrong).
// Only partitions added after NewCounters are logged (the first
// ackLogPartitions of them); for others it costs a load and a compare.
func (c *Counters) LogAck(p int32, offset, now int64) {
	if int(p) < c.initial {
		return
	}
	sl := c.slot(p)
	if sl == nil {
		return
	}
	l := sl.log.Load()
	if l == nil {
		if l = c.newLog(sl); l == nil {
			return
		}
	}
	if now < l.next.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now < l.next.Load() { // another took this one
		return
	}
	if len(l.at) > 0 && offset < l.off[len(l.off)-1] {
		return // acknowledged out of order: the entry before says more
	}
	l.at, l.off = append(l.at, now), append(l.off, offset)
	next := now + int64(AckLogEvery)
	if len(l.at) == ackLogLen || now-l.at[0] >= int64(AckLogFor) {
		next = math.MaxInt64
	}
	l.next.Store(next)
}

// newLog gives slot s a log, unless ackLogPartitions have one.
func (c *Counters) newLog(s *slot) *ackLog {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := s.log.Load(); l != nil {
		return l
	}
	if c.logs >= ackLogPartitions {
		return nil
	}
	c.logs++
	l := &ackLog{at: make([]int64, 0, 64), off: make([]int64, 0, 64)}
	s.log.Store(l)
	return l
}

// AckedAfter is the offset of the first record on partition p that the
// log says partop's producer heard of after t: the partition's high
// watermark at t was at most that. ok is false where the log has nothing
// after t (no log, or t past its end).
func (c *Counters) AckedAfter(p int32, t time.Time) (offset int64, ok bool) {
	s := *c.slots.Load()
	if p < 0 || int(p) >= len(s) {
		return 0, false
	}
	l := s[p].log.Load()
	if l == nil {
		return 0, false
	}
	ns := t.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	i := sort.Search(len(l.at), func(i int) bool { return l.at[i] > ns })
	if i == len(l.at) {
		return 0, false
	}
	return l.off[i], true
}
