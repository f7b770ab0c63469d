package fluvio

import "partop/keys"

// keyPartition is the partition Fluvio's own producer picks for a keyed
// record (SiphashRoundRobinPartitioner in crates/fluvio/src/producer/
// partitioning.rs): keys.SipHashPartition.
func keyPartition(key []byte, n int) int { return keys.SipHashPartition(key, n) }
