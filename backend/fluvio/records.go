package fluvio

import (
	"math/rand/v2"

	"partop/rules"
)

// partitioner picks a partition among n for a record. Only the send loop
// calls it.
type partitioner interface {
	pick(key []byte, size, n int) int
}

// newPartitioner returns the partitioner for a producer.Config name.
// Keyed records are hashed as Fluvio's own producer hashes them (SipHash,
// keyPartition) under every partitioner except round-robin.
func newPartitioner(name string) partitioner {
	switch name {
	case rules.RoundRobin:
		return &roundRobin{}
	case rules.KeyHash:
		return &keyHash{}
	default:
		return &sticky{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), cur: -1}
	}
}

// placement names what places records sent with partitioner name
// (source.About.Placement): keyed records are hashed with SipHash under
// every partitioner but round-robin, which ignores keys.
func placement(name string, keyed bool) string {
	if keyed && name != rules.RoundRobin {
		return rules.KeyHash + ", SipHash"
	}
	return name
}

// roundRobin spreads records one by one over all partitions, keys or not.
type roundRobin struct{ next int }

func (r *roundRobin) pick(_ []byte, _, n int) int {
	p := r.next % n
	r.next = p + 1
	return p
}

// keyHash is Fluvio's default partitioner (SiphashRoundRobinPartitioner):
// keys by hash, records without a key round-robin.
type keyHash struct{ rr roundRobin }

func (k *keyHash) pick(key []byte, size, n int) int {
	if key == nil {
		return k.rr.pick(nil, size, n)
	}
	return keyPartition(key, n)
}

// stickyBytes is how much uniform-sticky puts on one partition before it
// picks another: kgo's default (64 KiB), so the same pickup note applies.
const stickyBytes = 64 << 10

// sticky is uniform-sticky: records without a key fill stickyBytes on one
// partition, then move to another chosen at random (never the same one
// twice in a row); keyed records are hashed.
type sticky struct {
	rng  *rand.Rand
	cur  int
	fill int
}

func (s *sticky) pick(key []byte, size, n int) int {
	if key != nil {
		return keyPartition(key, n)
	}
	if s.cur < 0 || s.cur >= n || s.fill >= stickyBytes {
		next := s.rng.IntN(n)
		if n > 1 && next == s.cur {
			next = (next + 1 + s.rng.IntN(n-1)) % n
		}
		s.cur, s.fill = next, 0
	}
	s.fill += size
	return s.cur
}
