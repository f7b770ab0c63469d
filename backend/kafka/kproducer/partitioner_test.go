package kproducer

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/engine"
	"partop/rules"
)

// TestKeysMovedMatchesMurmur2 checks the prompt's remap preview against the
// partitioner partop's key-hash mode really uses (murmur2 mod n, as the
// Java producer): the share of random keys whose partition changes when
// the topic grows from n to m.
func TestKeysMovedMatchesMurmur2(t *testing.T) {
	tp := basePartitioner(rules.KeyHash).ForTopic("t")
	rng := rand.New(rand.NewPCG(1, 2))
	const keys = 50000
	for _, g := range [][2]int{{4, 8}, {6, 8}, {4, 5}, {3, 12}, {10, 11}, {7, 9}} {
		moved := 0
		for range keys {
			r := &kgo.Record{Key: []byte("order-" + strconv.FormatUint(rng.Uint64(), 36))}
			if tp.Partition(r, g[0]) != tp.Partition(r, g[1]) {
				moved++
			}
		}
		got, want := float64(moved)/keys, engine.KeysMoved(g[0], g[1])
		// Binomial noise at 50,000 keys is under 0.3%; 1% never flakes.
		if math.Abs(got-want) > 0.01 {
			t.Errorf("%d → %d: %.2f%% of keys moved, formula says %.2f%%", g[0], g[1], got*100, want*100)
		}
	}
}

// TestRoutingKeepsInterfacesAndSeesN: the wrapper has exactly the optional
// interfaces of the partitioner it wraps, picks what it picks, and reports
// each new n once, whichever method kgo calls.
func TestRoutingKeepsInterfacesAndSeesN(t *testing.T) {
	for _, name := range rules.KafkaRules.Partitioners {
		t.Run(name, func(t *testing.T) {
			var seen []int
			o := &routing{inner: basePartitioner(name), onChange: func(n int) { seen = append(seen, n) }}
			got, want := o.ForTopic("t"), basePartitioner(name).ForTopic("t")
			_, gotNB := got.(kgo.TopicPartitionerOnNewBatch)
			_, wantNB := want.(kgo.TopicPartitionerOnNewBatch)
			gotBP, gotHasBP := got.(kgo.TopicBackupPartitioner)
			_, wantHasBP := want.(kgo.TopicBackupPartitioner)
			if gotNB != wantNB || gotHasBP != wantHasBP {
				t.Fatalf("OnNewBatch %v, PartitionByBackup %v; wrapped partitioner has %v, %v", gotNB, gotHasBP, wantNB, wantHasBP)
			}
			r := &kgo.Record{Key: []byte("key-7")}
			for _, n := range []int{4, 4, 6, 6, 6, 9} {
				var g int
				if gotHasBP {
					g = gotBP.PartitionByBackup(r, n, &backupIter{n})
				} else {
					g = got.Partition(r, n)
				}
				if g < 0 || g >= n {
					t.Fatalf("n=%d: picked %d", n, g)
				}
				if name != rules.KeyHash { // the others keep state
					continue
				}
				if w := want.Partition(r, n); g != w {
					t.Fatalf("n=%d: picked %d, wrapped partitioner %d", n, g, w)
				}
			}
			if len(seen) != 3 || seen[0] != 4 || seen[1] != 6 || seen[2] != 9 {
				t.Fatalf("reported %v, want [4 6 9]", seen)
			}
		})
	}
}

// backupIter walks partitions 0..n-1, each with no backup.
type backupIter struct{ left int }

func (b *backupIter) Next() (int, int64) { b.left--; return b.left, 0 }
func (b *backupIter) Rem() int           { return b.left }

// TestPlacementNamesWhatPlacesKeyedRecords: the header's name for each
// partitioner is what kgo does with keyed records. Where it says murmur2,
// every key lands where Kafka's murmur2 puts it (the sticky-key
// partitioner with kgo's default hasher); where it names the partitioner,
// the same key lands on more than one partition: keys are ignored.
func TestPlacementNamesWhatPlacesKeyedRecords(t *testing.T) {
	murmur2 := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	const n = 7
	for _, name := range rules.KafkaRules.Partitioners {
		t.Run(name, func(t *testing.T) {
			if got := placement(name, false); got != name {
				t.Errorf("unkeyed: %q, want the partitioner", got)
			}
			tp := basePartitioner(name).ForTopic("t")
			pick := func(r *kgo.Record) int {
				if bp, ok := tp.(kgo.TopicBackupPartitioner); ok {
					return bp.PartitionByBackup(r, n, &backupIter{n})
				}
				return tp.Partition(r, n)
			}
			hashed, seen := true, map[int]bool{}
			for i := range 200 {
				r := &kgo.Record{Key: []byte("key-" + strconv.Itoa(i%10)), Value: make([]byte, 1000)}
				if nb, ok := tp.(kgo.TopicPartitionerOnNewBatch); ok && i%3 == 0 {
					nb.OnNewBatch() // batches fill up: a sticky partitioner moves on
				}
				p := pick(r)
				hashed = hashed && p == murmur2.Partition(r, n)
				if i%10 == 0 {
					seen[p] = true // key-0's partitions
				}
			}
			got := placement(name, true)
			switch {
			case got == "key-hash, murmur2" && !hashed:
				t.Errorf("keyed: %q, but a key landed off its murmur2 partition", got)
			case got != "key-hash, murmur2" && (hashed || len(seen) < 2):
				t.Errorf("keyed: %q, but every key landed on its murmur2 partition (key-0 on %d partitions)", got, len(seen))
			case got != "key-hash, murmur2" && got != name:
				t.Errorf("keyed: %q, want %q or key-hash, murmur2", got, name)
			}
		})
	}
}

// TestBatchRoundRobinOnKgo drives the default partitioner as kgo does
// (KIP-480: a record whose partition has no open batch makes kgo call
// OnNewBatch and ask again): records stay on one partition while its
// batch is open, go to the next when it has been sent, one to each new
// partition when the topic grows, and keyed records go where murmur2
// puts them.
func TestBatchRoundRobinOnKgo(t *testing.T) {
	tp := basePartitioner(rules.BatchRoundRobin).ForTopic("t")
	nb, ok := tp.(kgo.TopicPartitionerOnNewBatch)
	if !ok {
		t.Fatal("no OnNewBatch: kgo would never say a batch closed")
	}
	open := map[int]bool{} // partitions with an open batch
	produce := func(r *kgo.Record, n int) int {
		p := tp.Partition(r, n)
		if !open[p] {
			nb.OnNewBatch()
			p = tp.Partition(r, n)
			open[p] = true
		}
		return p
	}
	send := func() { clear(open) } // the batches go to the brokers
	var got []int
	for range 5 {
		for range 3 {
			got = append(got, produce(&kgo.Record{}, 4))
		}
		send()
	}
	got = append(got, produce(&kgo.Record{}, 4)) // partition 1's batch is open when the topic grows
	for range 3 {
		got = append(got, produce(&kgo.Record{}, 6), produce(&kgo.Record{}, 6))
		send()
	}
	want := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0, 0, 0, 1, 4, 5, 0, 0, 1, 1}
	if !slices.Equal(got, want) {
		t.Errorf("partitions %v,\nwant       %v", got, want)
	}
	murmur := basePartitioner(rules.KeyHash).ForTopic("t")
	for i := range 100 {
		r := &kgo.Record{Key: []byte("key-" + strconv.Itoa(i))}
		if !tp.RequiresConsistency(r) {
			t.Fatal("a keyed record does not require consistency")
		}
		if p, w := produce(r, 6), murmur.Partition(r, 6); p != w {
			t.Fatalf("%s: partition %d, murmur2 %d", r.Key, p, w)
		}
	}
}

// backups is a kgo.TopicBackupIter over fixed buffered-record counts.
type backups struct {
	n []int64
	i int
}

func (b *backups) Next() (int, int64) { b.i++; return b.i - 1, b.n[b.i-1] }
func (b *backups) Rem() int           { return len(b.n) - b.i }

// TestBatchRoundRobinBackedUp: told each partition's buffered records,
// turns go in order while little is buffered; as fast as the cluster
// takes records, a turn begins where kgo's adaptive rule would, so a
// partition far more backed up than the others almost never gets one;
// right after the topic grew, each new partition still gets its record
// first.
func TestBatchRoundRobinBackedUp(t *testing.T) {
	// turns has tp place records as kgo would if each one's batch were
	// sent at once (a turn is then two records: the first opens its batch
	// and kgo asks again, the same partition; the second finds the batch
	// sent, which ends the turn) and lists the partitions n turns began on.
	var tp *batchRoundRobinTopic
	fresh := func() { tp = basePartitioner(rules.BatchRoundRobin).ForTopic("t").(*batchRoundRobinTopic) }
	turns := func(buffered []int64, n int) []int {
		var got []int
		for range n {
			p := tp.PartitionByBackup(&kgo.Record{}, len(buffered), &backups{n: buffered})
			tp.OnNewBatch() // its batch is new: kgo asks again
			if again := tp.PartitionByBackup(&kgo.Record{}, len(buffered), &backups{n: buffered}); again != p {
				t.Fatalf("asked again after OnNewBatch: %d, then %d", p, again)
			}
			got = append(got, p)
			if second := tp.PartitionByBackup(&kgo.Record{}, len(buffered), &backups{n: buffered}); second != p {
				t.Fatalf("the turn's second record went to %d, its first to %d", second, p)
			}
			tp.OnNewBatch() // the batch was sent: the turn is over
		}
		return got
	}
	fresh()
	if got := turns([]int64{0, 0, 0, 0}, 8); !slices.Equal(got, []int{0, 1, 2, 3, 0, 1, 2, 3}) {
		t.Errorf("nothing buffered: turns %v, want every partition in order", got)
	}
	fresh()
	if got := turns([]int64{100, 240, 300, 200}, 4); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("a paced producer's buffers: turns %v, want every partition in order", got)
	}
	// Weights 1/11, 1/5001, 1/21, 1/1: partition 3 about 88% of turns,
	// partition 1 about 0.02%. The bounds are many standard deviations
	// wide over 2,000 turns.
	fresh()
	count := map[int]int{}
	for _, p := range turns([]int64{10, 5000, 20, 0}, 2000) {
		count[p]++
	}
	if count[1] > 20 || count[3] < 1600 {
		t.Errorf("partition 1 backed up, 3 empty: turns by partition %v, want 1 under 1%%, 3 over 80%%", count)
	}
	// Grown 4 → 8 while backed up: the next records go to the new
	// partitions, one each, in order (each opens its batch: kgo asks
	// again and gets the same answer).
	grown := []int64{5000, 5000, 5000, 5000, 0, 0, 0, 0}
	var got []int
	for range 4 {
		p := tp.PartitionByBackup(&kgo.Record{}, 8, &backups{n: grown})
		tp.OnNewBatch()
		if tp.again {
			p = tp.PartitionByBackup(&kgo.Record{}, 8, &backups{n: grown})
		}
		got = append(got, p)
	}
	if !slices.Equal(got, []int{4, 5, 6, 7}) {
		t.Errorf("grown while backed up: records went to %v, want 4, 5, 6, 7", got)
	}
}
