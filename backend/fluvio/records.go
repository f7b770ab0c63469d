package fluvio

import (
	"partop/producer"
	"partop/rules"
)

// partitioner places the send loop's records: one of producer's
// partitioners by name, with Fluvio's own hashing of keys (SipHash,
// keyPartition). Only the send loop calls it.
type partitioner struct {
	p producer.Partitioner
}

// newPartitioner returns the partitioner for a producer.Config name.
func newPartitioner(name string) *partitioner {
	return &partitioner{p: producer.NewPartitioner(name, keyPartition)}
}

func (pt *partitioner) pick(key []byte, size, n int) int {
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
