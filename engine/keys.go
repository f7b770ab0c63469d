package engine

import (
	"maps"

	"partop/keys"
	"partop/source"
)

// keysSampled takes a sampler's round: its partitions' samples replace
// theirs, the others stay. The map is copied, not changed, as published
// snapshots share it.
func (t *topic) keysSampled(f source.Sampled) {
	t.keysDenied = f.Denied
	if len(f.Sample.Partitions) == 0 {
		return
	}
	next := make(map[int32]keys.PartitionSample, max(len(t.keys.Partitions), len(f.Sample.Partitions)))
	maps.Copy(next, t.keys.Partitions)
	maps.Copy(next, f.Sample.Partitions)
	t.keys = keys.Sample{Partitions: next}
}
