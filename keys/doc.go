// Package keys answers why a topic's load is uneven and what adding
// partitions would do to it, from a sample of its records: which keys are
// hot, which client's partitioner placed the keyed records, and the load
// each partition would carry at another partition count.
//
// It is pure (no network, no clock): the backends sample records into a
// Reservoir per partition; the engine and the views read the Sample.
// Memory is bounded whatever the key space: a Reservoir holds at most its
// capacity of Records, and a Record keeps at most MaxKey bytes of its key
// (with the hashes of the whole key, which is all placement needs).
package keys
