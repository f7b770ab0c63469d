package producer

import (
	"math/rand/v2"

	"partop/rules"
)

// A Partitioner chooses a partition among the n a producer routes to now
// for a record with key (nil: none) of size bytes. A send loop owns it:
// it takes no lock. n may change between calls, up or down.
type Partitioner interface {
	Partition(key []byte, size, n int) int
}

// A BatchEnder is a Partitioner that wants to hear when the batch it was
// filling has closed (the producer took it to send); see BatchRoundRobin.
type BatchEnder interface {
	EndBatch()
}

// KeyHasher is a platform's placement of a keyed record among n
// partitions: murmur2 on Kafka, SipHash on Fluvio.
type KeyHasher func(key []byte, n int) int

// StickyBytes is how much uniform-sticky puts on one partition before it
// picks another: kgo's default (the Java client's batch.size, 16 KiB, is
// smaller; 64 KiB is what franz-go users get).
const StickyBytes = 64 << 10

// NewPartitioner returns the partitioner named name (one of a platform's
// rules.Platform.Partitioners; least-backup needs a client's view of its
// buffers and is not here) for a backend that places records itself, with
// hash placing keyed records under every partitioner but round-robin. A
// backend whose client brings its own partitioners (kgo on Kafka) maps
// the names to those instead and may use the parts below.
func NewPartitioner(name string, hash KeyHasher) Partitioner {
	switch name {
	case rules.RoundRobin:
		return &RoundRobin{}
	case rules.KeyHash:
		return &Keyed{Hash: hash, Else: &RoundRobin{}}
	case rules.UniformSticky:
		return &Keyed{Hash: hash, Else: NewSticky(StickyBytes, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))}
	default: // rules.BatchRoundRobin, the default
		return &Keyed{Hash: hash, Else: &BatchRoundRobin{Budget: StickyBytes}}
	}
}

// RoundRobin spreads records one by one over all partitions, keys or not:
// each record goes to the partition after the last one's.
type RoundRobin struct{ next int }

// Partition implements Partitioner.
func (r *RoundRobin) Partition(_ []byte, _, n int) int {
	p := r.next
	if p >= n {
		p = 0
	}
	r.next = p + 1
	return p
}

// BatchRoundRobin is partop's default: it fills one partition until the
// producer ends the turn (EndBatch: Fluvio's when the batch it was filling
// is flushed, Kafka's after kproducer.TurnLinger, kgo's linger; either
// about a batch at a modest rate) or Budget bytes, whichever comes first,
// then goes on to the next partition in turn. Every partition gets a turn in
// every n, so the load is even within a few batches, and batches stay as
// large as a sticky partitioner's, so throughput does not suffer as it
// does when every record goes elsewhere (kgo's round-robin cost about 9%
// more CPU per record at full speed on the embedded cluster). When the
// partition count grows, the next records go to the partitions added, one
// each, and the turns go on from the last of them: new partitions are used
// within as many records as were added. Keys are ignored: wrap it in
// Keyed.
//
// librdkafka moves to a random partition every sticky.partitioning.linger.ms
// (10 ms), and Kafka's Java client before 3.3 at random on every new
// batch; taking partitions in turn bounds how long any one waits.
type BatchRoundRobin struct {
	// Budget, above 0, also ends a turn after this many bytes, as
	// uniform-sticky does (StickyBytes): at full speed a batch may stay
	// open for long.
	Budget int

	cur    int  // the partition being filled
	n      int  // the partition count at the last choice (0: none yet)
	fill   int  // bytes placed on cur in this turn
	done   bool // cur's turn is over: the next record goes to the next partition
	spread int  // after growing: while cur+1 < spread, one record to each next partition
	added  bool // the last choice gave a partition the topic just gained its first record
}

// Partition implements Partitioner.
func (b *BatchRoundRobin) Partition(_ []byte, size, n int) int {
	p, _ := b.Choose(size, n)
	return p
}

// Choose is Partition for a keyless record of size bytes, and says
// whether this record begins a partition's turn (goes to a partition
// other than the last record's, or is the first), where a new batch is
// expected.
func (b *BatchRoundRobin) Choose(size, n int) (p int, turned bool) {
	b.added = false
	switch {
	case b.n == 0: // the first record
		b.cur, turned = 0, true
	case n > b.n: // grown: the first partition added
		b.cur, b.spread, turned, b.added = b.n, n, true, true
	case b.cur+1 < min(b.spread, n): // the next partition added
		b.cur, turned, b.added = b.cur+1, true, true
	case b.done: // the next in turn
		b.cur, turned = b.cur+1, true
	}
	if b.cur >= n { // past the last, or the count shrank below it
		b.cur, turned = 0, true
	}
	if b.cur+1 >= b.spread {
		b.spread = 0 // each partition added has had its record
	}
	if turned {
		b.fill = 0
	}
	b.fill += size
	b.n, b.done = n, b.Budget > 0 && b.fill >= b.Budget
	return b.cur, turned
}

// EndBatch ends the current partition's turn: the next record goes to the
// next partition.
func (b *BatchRoundRobin) EndBatch() { b.done = true }

// Jump moves the turn that began with the last Choose to partition p
// (below the count Choose was given): a caller that knows better where
// this turn should go (kgo's view of backed-up partitions). Turns go on in
// order after p.
func (b *BatchRoundRobin) Jump(p int) {
	if p >= 0 && p < b.n {
		b.cur = p
	}
}

// Added reports whether the last Choose gave a partition the topic just
// gained its first record (after growing, one to each, in order).
func (b *BatchRoundRobin) Added() bool { return b.added }

// Sticky is uniform-sticky, kgo's default and the Java client's since
// Kafka 3.3 (KIP-794): it puts records on one partition until they add up
// to a byte budget, then moves to another chosen at random (never the
// same one twice in a row). Keys are ignored: wrap it in Keyed.
type Sticky struct {
	rng    *rand.Rand
	budget int
	cur    int // -1: none yet
	fill   int
}

// NewSticky returns a Sticky that moves after budget bytes, choosing with
// rng.
func NewSticky(budget int, rng *rand.Rand) *Sticky {
	return &Sticky{rng: rng, budget: budget, cur: -1}
}

// Partition implements Partitioner.
func (s *Sticky) Partition(_ []byte, size, n int) int {
	if s.cur < 0 || s.cur >= n || s.fill >= s.budget {
		next := s.rng.IntN(n)
		if n > 1 && next == s.cur {
			next = (next + 1 + s.rng.IntN(n-1)) % n
		}
		s.cur, s.fill = next, 0
	}
	s.fill += size
	return s.cur
}

// Keyed places keyed records with Hash and keyless ones with Else, as
// every client's default does.
type Keyed struct {
	Hash KeyHasher
	Else Partitioner
}

// Partition implements Partitioner.
func (k *Keyed) Partition(key []byte, size, n int) int {
	if key != nil {
		return k.Hash(key, n)
	}
	return k.Else.Partition(key, size, n)
}

// EndBatch passes the end of a batch on to Else, if it wants it.
func (k *Keyed) EndBatch() {
	if e, ok := k.Else.(BatchEnder); ok {
		e.EndBatch()
	}
}
