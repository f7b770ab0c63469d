package kproducer

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"partop/producer"
	"partop/rules"

	"github.com/twmb/franz-go/pkg/kgo"
)

// basePartitioner maps a partitioner name to kgo's implementation, or
// for partop's default to producer.BatchRoundRobin behind kgo's interface,
// its turns timed by clock (UnixNano, stamped by the send loop).
func basePartitioner(name string, clock *atomic.Int64) kgo.Partitioner {
	switch name {
	case rules.RoundRobin:
		return kgo.RoundRobinPartitioner()
	case rules.KeyHash:
		return kgo.StickyKeyPartitioner(nil) // murmur2 like the Java client; sticky only for nil keys
	case rules.LeastBackup:
		return kgo.LeastBackupPartitioner()
	case rules.UniformSticky:
		return kgo.UniformBytesPartitioner(producer.StickyBytes, true, true, nil) // kgo's default
	default:
		return batchRoundRobin{clock}
	}
}

// TurnLinger is how long a partition's turn lasts at most: kgo's default
// linger, so that at a modest rate a turn is about one batch, and
// librdkafka's sticky.partitioning.linger.ms. At full speed a turn ends
// sooner, by producer.StickyBytes.
//
// Why a clock and not kgo's word that a batch closed (KIP-480's
// OnNewBatch, which this partitioner used first): a partitioner with
// OnNewBatch makes kgo hold the topic's partition lock while it buffers
// each record, and try again at every batch's end; at full speed on the
// embedded cluster that cost 3-4% of throughput against the same
// partitioner without it (docs/BENCHMARKS.md). The clock costs one atomic
// load a record: the send loop reads the time every stampEvery records.
const TurnLinger = 10 * time.Millisecond

// batchRoundRobin is producer.BatchRoundRobin for kgo: a partition's turn
// ends after TurnLinger or producer.StickyBytes, whichever comes first, as
// kgo's default moves on after the bytes. Keyed records are placed by
// murmur2, as the Java client places them.
type batchRoundRobin struct{ clock *atomic.Int64 }

func (b batchRoundRobin) ForTopic(string) kgo.TopicPartitioner {
	return &batchRoundRobinTopic{
		rr:    producer.BatchRoundRobin{Budget: producer.StickyBytes},
		keyed: kgo.StickyKeyPartitioner(nil).ForTopic(""),
		clock: b.clock,
	}
}

type batchRoundRobinTopic struct {
	rr     producer.BatchRoundRobin
	keyed  kgo.TopicPartitioner // murmur2, for records with a key
	clock  *atomic.Int64        // now, as the send loop last read it (UnixNano)
	began  int64                // when the current turn began, on clock
	turned bool                 // the last keyless record began a partition's turn
	backup []int64              // records each partition has buffered, read at a turn's start
	rng    *rand.Rand           // pick's, made on first use
}

func (t *batchRoundRobinTopic) RequiresConsistency(r *kgo.Record) bool { return r.Key != nil }

func (t *batchRoundRobinTopic) Partition(r *kgo.Record, n int) int {
	if r.Key != nil {
		return t.keyed.Partition(r, n)
	}
	now := t.clock.Load()
	if now-t.began >= int64(TurnLinger) {
		t.rr.EndBatch()
	}
	p, turned := t.rr.Choose(len(r.Value), n)
	if turned {
		t.began = now
	}
	t.turned = turned
	return p
}

// PartitionByBackup is Partition, told how many records each partition
// has buffered (kgo calls it instead of Partition). Below full speed
// nothing much is buffered and every partition takes its turn in order.
// As fast as the cluster takes records (more than backedUp records
// buffered per partition on average), a turn begins where kgo's adaptive
// uniform-sticky would begin it: on a partition picked at random with
// weights the inverse of each one's buffered records, so a leader that
// is not keeping up gets less, as kgo's default does (strict turns cost
// about 3% of throughput against it on the embedded cluster, where one
// broker leads two of the four partitions). Turns right after the topic
// grew are left alone: each new partition gets its record first.
func (t *batchRoundRobinTopic) PartitionByBackup(r *kgo.Record, n int, it kgo.TopicBackupIter) int {
	p := t.Partition(r, n)
	if r.Key != nil || !t.turned || n < 2 || t.rr.Added() {
		return p
	}
	t.backup = t.backup[:0]
	for range n {
		t.backup = append(t.backup, 0)
	}
	var sum int64
	for it.Rem() > 0 {
		i, b := it.Next()
		if i < n {
			t.backup[i] = b
			sum += b
		}
	}
	if sum <= int64(n)*backedUp {
		return p
	}
	if q := t.pick(); q != p {
		t.rr.Jump(q)
		return q
	}
	return p
}

// backedUp is how many buffered records per partition, on average, mean
// the producer is going as fast as the cluster takes records: a few
// batches' worth, far above what a paced producer buffers.
const backedUp = 250

// pick is kgo's adaptive choice over t.backup: partition i with weight
// 1/(backup[i]+1).
func (t *batchRoundRobinTopic) pick() int {
	if t.rng == nil {
		t.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	var total float64
	for _, b := range t.backup {
		total += 1 / float64(b+1)
	}
	x := t.rng.Float64() * total
	for i, b := range t.backup {
		if x -= 1 / float64(b+1); x <= 0 {
			return i
		}
	}
	return len(t.backup) - 1
}

// placement names what places records sent with partitioner name
// (source.About.Placement). partop's batch-round-robin, kgo's
// uniform-bytes partitioner (keys on, as basePartitioner makes it) and its
// sticky-key partitioner all hash keyed records with murmur2, as Kafka's
// Java client does; round-robin and least-backup ignore keys.
func placement(name string, keyed bool) string {
	if keyed && (name == rules.BatchRoundRobin || name == rules.UniformSticky || name == rules.KeyHash) {
		return rules.KeyHash + ", murmur2"
	}
	return name
}

// routing wraps a partitioner to watch the n kgo passes it: the number of
// partitions the producer can route to right now. Reading n is reading the
// producer's routing table, with no access to kgo internals. The cost per
// record is one atomic load and compare, inlined; kgo calls the wrapper's
// methods through an interface, and each forwards with one more interface
// call to the wrapped partitioner.
type routing struct {
	inner    kgo.Partitioner
	n        atomic.Int32
	onChange func(n int)
}

// changed records a new n: seen's slow path, kept out of it so that the
// per-record check inlines.
func (o *routing) changed(n int) {
	o.n.Store(int32(n))
	o.onChange(n)
}

// ForTopic wraps the topic partitioner, keeping the optional interfaces kgo
// looks for (OnNewBatch, PartitionByBackup): hiding them would silently
// change how the wrapped partitioner behaves. Each combination is a type
// of its own with pointer receivers, so a call is one forward, not a
// promoted method's wrapper copying a struct.
func (o *routing) ForTopic(t string) kgo.TopicPartitioner {
	tp := o.inner.ForTopic(t)
	base := observedTopic{o: o, tp: tp}
	nb, hasNB := tp.(kgo.TopicPartitionerOnNewBatch)
	bp, hasBP := tp.(kgo.TopicBackupPartitioner)
	switch {
	case hasNB && hasBP:
		return &observedBoth{observedTopic: base, nb: nb, bp: bp}
	case hasNB:
		return &observedNewBatch{observedTopic: base, nb: nb}
	case hasBP:
		return &observedBackup{observedTopic: base, bp: bp}
	}
	return &base
}

type observedTopic struct {
	o  *routing
	tp kgo.TopicPartitioner
}

func (t *observedTopic) RequiresConsistency(r *kgo.Record) bool { return t.tp.RequiresConsistency(r) }
func (t *observedTopic) Partition(r *kgo.Record, n int) int {
	if int32(n) != t.o.n.Load() {
		t.o.changed(n)
	}
	return t.tp.Partition(r, n)
}

type observedNewBatch struct {
	observedTopic
	nb kgo.TopicPartitionerOnNewBatch
}

func (t *observedNewBatch) OnNewBatch() { t.nb.OnNewBatch() }

type observedBackup struct {
	observedTopic
	bp kgo.TopicBackupPartitioner
}

func (t *observedBackup) PartitionByBackup(r *kgo.Record, n int, it kgo.TopicBackupIter) int {
	if int32(n) != t.o.n.Load() {
		t.o.changed(n)
	}
	return t.bp.PartitionByBackup(r, n, it)
}

type observedBoth struct {
	observedTopic
	nb kgo.TopicPartitionerOnNewBatch
	bp kgo.TopicBackupPartitioner
}

func (t *observedBoth) OnNewBatch() { t.nb.OnNewBatch() }
func (t *observedBoth) PartitionByBackup(r *kgo.Record, n int, it kgo.TopicBackupIter) int {
	if int32(n) != t.o.n.Load() {
		t.o.changed(n)
	}
	return t.bp.PartitionByBackup(r, n, it)
}
