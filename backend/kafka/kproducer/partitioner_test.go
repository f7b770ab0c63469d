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

// TestBatchRoundRobinSkipsBackedUp: told each partition's buffered
// records, a turn that would begin on a partition far more backed up than
// the others goes to the next one; with nothing backed up every partition
// takes its turn.
func TestBatchRoundRobinSkipsBackedUp(t *testing.T) {
	// turns places records as kgo would if each one's batch were sent at
	// once (a turn is then two records: the first opens its batch, the
	// second finds it sent) and lists the partitions whose turns began.
	turns := func(buffered []int64, n int) []int {
		tp := basePartitioner(rules.BatchRoundRobin).ForTopic("t").(*batchRoundRobinTopic)
		var got []int
		for range 2 * n {
			p := tp.PartitionByBackup(&kgo.Record{}, 4, &backups{n: buffered})
			tp.OnNewBatch()
			if tp.again {
				p = tp.PartitionByBackup(&kgo.Record{}, 4, &backups{n: buffered})
			}
			if len(got) == 0 || got[len(got)-1] != p {
				got = append(got, p)
			}
		}
		return got
	}
	if got := turns([]int64{0, 0, 0, 0}, 8); !slices.Equal(got, []int{0, 1, 2, 3, 0, 1, 2, 3}) {
		t.Errorf("nothing backed up: turns %v, want every partition in order", got)
	}
	if got := turns([]int64{10, 5000, 20, 0}, 6); !slices.Equal(got, []int{0, 2, 3, 0, 2, 3}) {
		t.Errorf("partition 1 backed up: turns %v, want it skipped", got)
	}
	if got := turns([]int64{900, 1100, 1000, 1000}, 4); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("all about as backed up: turns %v, want none skipped", got)
	}
}
