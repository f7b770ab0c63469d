package kproducer

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/engine"
	"partop/rules"
)

// TestKeysMovedMatchesMurmur2 checks the prompt's remap preview against the
// partitioner partop's key-hash mode really uses (murmur2 mod n, as the
// Java producer): the share of random keys whose partition changes when
// the topic grows from n to m.
func TestKeysMovedMatchesMurmur2(t *testing.T) {
	tp := basePartitioner(rules.KeyHash, nil).ForTopic("t")
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
			o := &routing{inner: basePartitioner(name, new(atomic.Int64)), onChange: func(n int) { seen = append(seen, n) }}
			got, want := o.ForTopic("t"), basePartitioner(name, new(atomic.Int64)).ForTopic("t")
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
			tp := basePartitioner(name, new(atomic.Int64)).ForTopic("t")
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

// TestBatchRoundRobinOnKgo drives the default partitioner as kgo does,
// on a clock the test moves: records stay on one partition for
// TurnLinger, then go to the next; a turn ends sooner after
// producer.StickyBytes; when the topic grows, one record goes to each new
// partition; keyed records go where murmur2 puts them.
func TestBatchRoundRobinOnKgo(t *testing.T) {
	clock := new(atomic.Int64)
	tp := basePartitioner(rules.BatchRoundRobin, clock).ForTopic("t")
	if _, ok := tp.(kgo.TopicPartitionerOnNewBatch); ok {
		t.Fatal("OnNewBatch: kgo would hold its partition lock for every record")
	}
	tick := func(d time.Duration) { clock.Add(int64(d)) }
	place := func(n, records int) (got []int) {
		for range records {
			got = append(got, tp.Partition(&kgo.Record{Value: make([]byte, 100)}, n))
			tick(4 * time.Millisecond) // 250 records/s: three records a turn
		}
		return got
	}
	got := place(4, 14)
	// Grown in partition 0's second turn: one record to each new
	// partition, and the turns go on from the last of them.
	got = append(got, place(6, 7)...)
	want := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0, 0, 4, 5, 5, 5, 0, 0, 0}
	if !slices.Equal(got, want) {
		t.Errorf("partitions %v,\nwant       %v", got, want)
	}
	// As fast as records go (the clock does not move): a turn ends after
	// StickyBytes.
	first := tp.Partition(&kgo.Record{Value: make([]byte, 1000)}, 6)
	same := 1
	for range 100 {
		if tp.Partition(&kgo.Record{Value: make([]byte, 1000)}, 6) != first {
			break
		}
		same++
	}
	if same != 66 { // the turn is over once its bytes reach 64 KiB: 66 records of 1000
		t.Errorf("full speed: %d records of 1000 bytes on partition %d before it moved, want 66", same, first)
	}
	murmur := basePartitioner(rules.KeyHash, nil).ForTopic("t")
	for i := range 100 {
		r := &kgo.Record{Key: []byte("key-" + strconv.Itoa(i))}
		if !tp.RequiresConsistency(r) {
			t.Fatal("a keyed record does not require consistency")
		}
		if p, w := tp.Partition(r, 6), murmur.Partition(r, 6); p != w {
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
	// turns has tp place two records a turn, each turn TurnLinger after
	// the last, and lists the partitions n turns began on.
	var (
		tp    *batchRoundRobinTopic
		clock = new(atomic.Int64)
	)
	fresh := func() {
		tp = basePartitioner(rules.BatchRoundRobin, clock).ForTopic("t").(*batchRoundRobinTopic)
	}
	turns := func(buffered []int64, n int) []int {
		var got []int
		for range n {
			p := tp.PartitionByBackup(&kgo.Record{}, len(buffered), &backups{n: buffered})
			got = append(got, p)
			if second := tp.PartitionByBackup(&kgo.Record{}, len(buffered), &backups{n: buffered}); second != p {
				t.Fatalf("the turn's second record went to %d, its first to %d", second, p)
			}
			clock.Add(int64(TurnLinger)) // the turn is over
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
	// partitions, one each, in order.
	grown := []int64{5000, 5000, 5000, 5000, 0, 0, 0, 0}
	var got []int
	for range 4 {
		got = append(got, tp.PartitionByBackup(&kgo.Record{}, 8, &backups{n: grown}))
	}
	if !slices.Equal(got, []int{4, 5, 6, 7}) {
		t.Errorf("grown while backed up: records went to %v, want 4, 5, 6, 7", got)
	}
}
