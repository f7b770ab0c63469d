package producer

import (
	"sync/atomic"

	"partop/rules"

	"github.com/twmb/franz-go/pkg/kgo"
)

// basePartitioner maps a partitioner name to kgo's implementation.
func basePartitioner(name string) kgo.Partitioner {
	switch name {
	case rules.RoundRobin:
		return kgo.RoundRobinPartitioner()
	case rules.KeyHash:
		return kgo.StickyKeyPartitioner(nil) // murmur2 like the Java client; sticky only for nil keys
	case rules.LeastBackup:
		return kgo.LeastBackupPartitioner()
	default:
		return kgo.UniformBytesPartitioner(64<<10, true, true, nil) // kgo's default
	}
}

// routing wraps a partitioner to watch the n kgo passes it: the number of
// partitions the producer can route to right now. Reading n is reading the
// producer's routing table, with no access to kgo internals. The cost per
// record is one atomic load and compare.
type routing struct {
	inner    kgo.Partitioner
	n        atomic.Int32
	onChange func(n int)
}

func (o *routing) seen(n int) {
	if int32(n) != o.n.Load() {
		o.n.Store(int32(n))
		o.onChange(n)
	}
}

// ForTopic wraps the topic partitioner, keeping the optional interfaces kgo
// looks for (OnNewBatch, PartitionByBackup): hiding them would silently
// change how the wrapped partitioner behaves.
func (o *routing) ForTopic(t string) kgo.TopicPartitioner {
	tp := o.inner.ForTopic(t)
	base := observedTopic{o: o, tp: tp}
	nb, hasNB := tp.(kgo.TopicPartitionerOnNewBatch)
	bp, hasBP := tp.(kgo.TopicBackupPartitioner)
	switch {
	case hasNB && hasBP:
		return &struct {
			observedTopic
			newBatch
			backup
		}{base, newBatch{nb}, backup{o, bp}}
	case hasNB:
		return &struct {
			observedTopic
			newBatch
		}{base, newBatch{nb}}
	case hasBP:
		return &struct {
			observedTopic
			backup
		}{base, backup{o, bp}}
	}
	return &base
}

type observedTopic struct {
	o  *routing
	tp kgo.TopicPartitioner
}

func (t *observedTopic) RequiresConsistency(r *kgo.Record) bool { return t.tp.RequiresConsistency(r) }
func (t *observedTopic) Partition(r *kgo.Record, n int) int {
	t.o.seen(n)
	return t.tp.Partition(r, n)
}

type newBatch struct {
	nb kgo.TopicPartitionerOnNewBatch
}

func (b newBatch) OnNewBatch() { b.nb.OnNewBatch() }

type backup struct {
	o  *routing
	bp kgo.TopicBackupPartitioner
}

func (b backup) PartitionByBackup(r *kgo.Record, n int, it kgo.TopicBackupIter) int {
	b.o.seen(n)
	return b.bp.PartitionByBackup(r, n, it)
}
