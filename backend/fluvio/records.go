package fluvio

import (
	"sync/atomic"

	"partop/producer"
	"partop/rules"
)

// partitioner places the send loop's records: one of producer's
// partitioners by name, with Fluvio's own hashing of keys (SipHash,
// keyPartition). Only the send loop calls it.
type partitioner struct {
	p     producer.Partitioner
	ender producer.BatchEnder // p, when it wants to hear of closed batches
	takes *atomic.Uint64      // the accumulator's takes so far
	last  uint64              // takes at the last pick
}

// newPartitioner returns the partitioner for a producer.Config name.
// takes counts the accumulator's takes: each ends the batch a
// batch-round-robin partitioner was filling (every linger at a modest
// rate: the flush loop takes everything pending at once).
func newPartitioner(name string, takes *atomic.Uint64) *partitioner {
	pt := &partitioner{p: producer.NewPartitioner(name, keyPartition), takes: takes}
	pt.ender, _ = pt.p.(producer.BatchEnder)
	return pt
}

func (pt *partitioner) pick(key []byte, size, n int) int {
	if pt.ender != nil {
		if t := pt.takes.Load(); t != pt.last {
			pt.last = t
			pt.ender.EndBatch()
		}
	}
	return pt.p.Partition(key, size, n)
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
