package stats

import (
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
//
// The promise only stores the highest offset heard; a sampler goroutine,
// running while any log is open, notes it with the time every
// AckLogEvery. Noting it in the promise instead, at most every
// AckLogEvery, kept the first record of each batch and lost the rest
// (a batch's promises come together): 30-40 records behind on 4 new
// partitions at 1,000 records/s with batch-round-robin.
const (
	// AckLogEvery is the log's resolution: one entry a partition this
	// often at most.
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

// ackLog is one partition's log.
type ackLog struct {
	heard atomic.Int64 // the highest offset heard acknowledged, + 1; 0: none
	mu    sync.Mutex
	at    []int64 // unix ns, ascending: read after heard was
	n     []int64 // heard at at[i]
	ended bool    // AckLogFor passed or the log is full: no more entries
	endAt int64   // unix ns when it ended
}

// ackLogs are a Counters' logs and their sampler.
type ackLogs struct {
	mu      sync.Mutex
	count   int       // logs made, at most ackLogPartitions
	open    []*ackLog // logs the sampler still notes
	running bool      // the sampler goroutine is running
}

// LogAck notes that the record at offset on partition p was
// acknowledged. Only partitions added after NewCounters are logged (the
// first ackLogPartitions of them); for others it costs a compare, for
// those a load and, when the offset is new, a store.
func (c *Counters) LogAck(p int32, offset int64) {
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
	if n := offset + 1; n > l.heard.Load() {
		l.heard.Store(n)
	}
}

// newLog gives slot s a log, unless ackLogPartitions have one, and starts
// the sampler if it is not running.
func (c *Counters) newLog(s *slot) *ackLog {
	a := &c.acks
	a.mu.Lock()
	defer a.mu.Unlock()
	if l := s.log.Load(); l != nil {
		return l
	}
	if a.count >= ackLogPartitions {
		return nil
	}
	a.count++
	l := &ackLog{at: make([]int64, 0, 64), n: make([]int64, 0, 64)}
	s.log.Store(l)
	a.open = append(a.open, l)
	if !a.running {
		a.running = true
		go a.sample()
	}
	return l
}

// sample notes every open log's heard count every AckLogEvery, until none
// is open.
func (a *ackLogs) sample() {
	tick := time.NewTicker(AckLogEvery)
	defer tick.Stop()
	for range tick.C {
		a.mu.Lock()
		open := a.open
		keep := open[:0]
		for _, l := range open {
			if !l.note() {
				keep = append(keep, l)
			}
		}
		clear(open[len(keep):])
		a.open = keep
		if len(keep) == 0 {
			a.running = false
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
	}
}

// note takes an entry where heard has moved (the time is read after
// heard, so the entry never says a record was acknowledged before it was
// heard) and says whether the log has ended.
func (l *ackLog) note() (ended bool) {
	n := l.heard.Load()
	now := time.Now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case len(l.at) > 0 && now-l.at[0] >= int64(AckLogFor):
		l.ended, l.endAt = true, now
	case n > 0 && (len(l.n) == 0 || n > l.n[len(l.n)-1]):
		l.at, l.n = append(l.at, now), append(l.n, n)
		if len(l.at) == ackLogLen {
			l.ended, l.endAt = true, now
		}
	}
	return l.ended
}

// AckedBy is how many records on partition p (from offset 0) partop's
// producer had heard acknowledged by t: its high watermark at t was at
// least that. ok is false where the log cannot say: p has none, or t is
// after its log ended (it would say too little).
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
	if l.ended && ns > l.endAt {
		return 0, false
	}
	if i == 0 {
		return 0, true // the log began before the first acknowledgement was noted: none known by t
	}
	return l.n[i-1], true
}
