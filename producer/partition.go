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
	default: // rules.UniformSticky, the default
		return &Keyed{Hash: hash, Else: NewSticky(StickyBytes, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))}
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
