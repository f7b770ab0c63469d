package stats

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The acknowledgement log: for a partition added while partop runs, how
// many records partop's producer had heard acknowledged by when, for its
// first AckLogFor. The engine dates what was on new partitions at a time
// from the records' own timestamps, and a record stamped before a time
// was not always readable then: on Kafka with acks=all a new partition's
// high watermark lags the records' stamps by up to a second right after
// it is added (its followers catch up), and the stamps cannot show it.
// An acknowledgement can: with acks=all the leader answers only once the
// high watermark has passed the record, so everything partop heard
// acknowledged by a time was readable by then. AckedBy gives that floor.
// (Not a ceiling: a produce request is answered when all its partitions
// are replicated, so an answer can come well after its record was
// readable; measured on Kafka 4.1, docs/BENCHMARKS.md.)
const (
	// AckLogEvery is the log's resolution: at most one entry a partition
	// this often.
	AckLogEvery = 10 * time.Millisecond
	// AckLogFor is how long after its first entry a partition's log
	// covers: the stamps' lag is a matter of the first second or two,
	// and groups are assigned new partitions within seconds or at a
	// metadata refresh minutes later, which no log this size reaches.
	AckLogFor = 20 * time.Second
	// ackLogPartitions bounds how many partitions have a log, so that
	// memory stays bounded however many are added: 32 KiB each at most.
	ackLogPartitions = 256
)

const ackLogLen = int(AckLogFor / AckLogEvery)

// ackLog is one partition's log. The hot path loads next and compares:
// an entry is taken under mu at most every AckLogEvery.
type ackLog struct {
	next atomic.Int64 // clock value from which the next entry may be taken; MaxInt64: full
	mu   sync.Mutex
	at   []int64 // unix ns, ascending: read after the acknowledgement was heard
	n    []int64 // records acknowledged by at[i]: the offset heard of + 1
}

// LogAck notes that the record at offset on partition p was acknowledged.
// clock (unix ns) only paces the log: it may be a moment old (the send
// loop's), so an entry takes its own time.Now, never earlier than the
// acknowledgement. Only partitions added after NewCounters are logged
// (the first ackLogPartitions of them); for others it costs a compare.
func (c *Counters) LogAck(p int32, offset, clock int64) {
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
	if clock < l.next.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if clock < l.next.Load() { // another took this one
		return
	}
	if len(l.n) > 0 && offset+1 <= l.n[len(l.n)-1] {
		return // nothing new: an entry before says as much
	}
	now := time.Now().UnixNano()
	l.at, l.n = append(l.at, now), append(l.n, offset+1)
	next := clock + int64(AckLogEvery)
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
	l := &ackLog{at: make([]int64, 0, 64), n: make([]int64, 0, 64)}
	s.log.Store(l)
	return l
}

// AckedBy is how many records on partition p (from offset 0) partop's
// producer had heard acknowledged by t: its high watermark at t was at
// least that. ok is false where the log cannot say: p has none, or t is
// after a log that has ended (it would say too little).
func (c *Counters) AckedBy(p int32, t time.Time) (n int64, ok bool) {
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
	i := sort.Search(len(l.at), func(i int) bool { return l.at[i] > ns }) // entries at or before t: [0, i)
	if i == len(l.at) && l.next.Load() == math.MaxInt64 && ns-l.at[i-1] > int64(AckLogEvery) {
		return 0, false
	}
	if i == 0 {
		return 0, true // the log begins with the first acknowledgement: none by t
	}
	return l.n[i-1], true
}
