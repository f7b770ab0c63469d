package producer

import (
	"math/rand/v2"
	"slices"
	"testing"

	"partop/rules"
)

func TestRoundRobinSpreadsEvenly(t *testing.T) {
	var rr RoundRobin
	counts := make([]int, 5)
	for range 1000 {
		counts[rr.Partition(nil, 100, 5)]++
	}
	for p, n := range counts {
		if n != 200 {
			t.Errorf("partition %d got %d of 1000, want 200", p, n)
		}
	}
	// Growing the count uses the new partitions on the next records.
	seen := map[int]bool{}
	for range 8 {
		seen[rr.Partition(nil, 100, 8)] = true
	}
	if len(seen) != 8 {
		t.Errorf("8 records after growing to 8 went to %d partitions", len(seen))
	}
	// Shrinking never picks a partition that is gone.
	for range 10 {
		if p := rr.Partition(nil, 100, 3); p >= 3 {
			t.Fatalf("picked %d of 3", p)
		}
	}
}

// TestBatchRoundRobinTurns: one partition until its batch ends, then the
// next in turn; each choice says whether it began a turn.
func TestBatchRoundRobinTurns(t *testing.T) {
	var b BatchRoundRobin
	type choice struct {
		p      int
		turned bool
	}
	var got []choice
	pick := func(n int) { p, turned := b.Choose(100, n); got = append(got, choice{p, turned}) }
	pick(3) // the first record begins partition 0's turn
	pick(3)
	b.EndBatch()
	pick(3)
	pick(3)
	b.EndBatch()
	pick(3)
	b.EndBatch()
	pick(3) // after the last, the first again
	want := []choice{{0, true}, {0, false}, {1, true}, {1, false}, {2, true}, {0, true}}
	if !slices.Equal(got, want) {
		t.Fatalf("choices %v, want %v", got, want)
	}
}

// TestBatchRoundRobinNewPartitionsFirst: when the count grows, the next
// records go to the partitions added, then the rotation goes on from the
// start; a shrink never picks a partition that is gone.
func TestBatchRoundRobinNewPartitionsFirst(t *testing.T) {
	var b BatchRoundRobin
	var got []int
	for range 2 {
		got = append(got, b.Partition(nil, 100, 4))
		b.EndBatch()
	}
	got = append(got, b.Partition(nil, 100, 4)) // partition 2, mid-batch when the topic grows
	for range 6 {
		got = append(got, b.Partition(nil, 100, 8))
		b.EndBatch()
	}
	if want := []int{0, 1, 2, 4, 5, 6, 7, 0, 1}; !slices.Equal(got, want) {
		t.Fatalf("partitions %v, want %v", got, want)
	}
	if p := b.Partition(nil, 100, 2); p != 0 {
		t.Fatalf("shrunk to 2 after partition 1's batch: %d, want 0", p)
	}
}

// TestBatchRoundRobinSpreadsOnGrowth: a topic grown mid-batch gets one
// record on each new partition at once, then the last new one's turn
// goes on until its batch ends.
func TestBatchRoundRobinSpreadsOnGrowth(t *testing.T) {
	var b BatchRoundRobin
	var got []int
	for range 3 {
		got = append(got, b.Partition(nil, 100, 4))
	}
	for range 6 {
		got = append(got, b.Partition(nil, 100, 8))
	}
	b.EndBatch()
	got = append(got, b.Partition(nil, 100, 8))
	if want := []int{0, 0, 0, 4, 5, 6, 7, 7, 7, 0}; !slices.Equal(got, want) {
		t.Fatalf("partitions %v, want %v", got, want)
	}
	// Shrunk in the middle of spreading: nothing past the count.
	b = BatchRoundRobin{}
	b.Partition(nil, 100, 2)
	b.Partition(nil, 100, 6)
	for range 4 {
		if p := b.Partition(nil, 100, 3); p >= 3 {
			t.Fatalf("picked %d of 3", p)
		}
	}
}

// TestBatchRoundRobinBudget: a turn also ends after Budget bytes, when the
// batch stays open (at full speed).
func TestBatchRoundRobinBudget(t *testing.T) {
	b := BatchRoundRobin{Budget: 1000}
	var got []int
	for range 25 {
		got = append(got, b.Partition(nil, 100, 3))
	}
	want := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2}
	if !slices.Equal(got, want) {
		t.Fatalf("partitions %v, want %v", got, want)
	}
	b.EndBatch() // the batch closed before the budget: the turn ends anyway
	if p := b.Partition(nil, 100, 3); p != 0 {
		t.Fatalf("after EndBatch on partition 2: %d, want 0", p)
	}
}

// TestBatchRoundRobinEven: whatever the batches' sizes, every partition
// gets one batch in every n.
func TestBatchRoundRobinEven(t *testing.T) {
	var b BatchRoundRobin
	batches := make([]int, 7)
	for range 700 {
		batches[b.Partition(nil, 100, 7)]++
		b.EndBatch()
	}
	for p, n := range batches {
		if n != 100 {
			t.Errorf("partition %d: %d batches of 700, want 100", p, n)
		}
	}
}

func TestStickyFillsThenMoves(t *testing.T) {
	s := NewSticky(StickyBytes, rand.New(rand.NewPCG(1, 2)))
	first := s.Partition(nil, 1024, 4)
	for i := 1; i < StickyBytes/1024; i++ {
		if p := s.Partition(nil, 1024, 4); p != first {
			t.Fatalf("record %d went to %d before %d bytes filled %d", i, p, StickyBytes, first)
		}
	}
	if p := s.Partition(nil, 1024, 4); p == first {
		t.Errorf("after %d bytes the next record stayed on %d", StickyBytes, first)
	}
	// A shrink below the current partition moves at once.
	for s.Partition(nil, StickyBytes, 64) < 2 { // each call fills the budget: the next moves
	}
	if p := s.Partition(nil, 1, 2); p >= 2 {
		t.Errorf("after shrinking to 2: %d", p)
	}
}

func TestKeyedHashesKeysOnly(t *testing.T) {
	hash := func(key []byte, n int) int { return len(key) % n }
	k := &Keyed{Hash: hash, Else: &RoundRobin{}}
	if p := k.Partition([]byte("abcde"), 10, 3); p != 2 {
		t.Errorf("keyed record: %d, want the hash's 2", p)
	}
	for i := range 6 {
		if p := k.Partition(nil, 10, 3); p != i%3 {
			t.Fatalf("keyless record %d: %d, want %d", i, p, i%3)
		}
	}
	// The end of a batch reaches a partitioner that wants it.
	kb := &Keyed{Hash: hash, Else: &BatchRoundRobin{}}
	first := kb.Partition(nil, 10, 3)
	kb.EndBatch()
	if p := kb.Partition(nil, 10, 3); p == first {
		t.Errorf("EndBatch did not reach BatchRoundRobin: still %d", p)
	}
	(&Keyed{Hash: hash, Else: &RoundRobin{}}).EndBatch() // a no-op, not a panic
}

// TestNewPartitionerNames: every name a platform offers that partop
// places itself has its partitioner, and the keyless records of each go
// where its kind says.
func TestNewPartitionerNames(t *testing.T) {
	hash := func(key []byte, n int) int { return 1 }
	for _, name := range rules.FluvioRules.Partitioners {
		p := NewPartitioner(name, hash)
		key := p.Partition([]byte("k"), 10, 4)
		switch name {
		case rules.RoundRobin:
			if _, ok := p.(*RoundRobin); !ok {
				t.Errorf("%s: %T", name, p)
			}
		case rules.BatchRoundRobin:
			if k, ok := p.(*Keyed); !ok || key != 1 {
				t.Errorf("%s: %T, key on %d", name, p, key)
			} else if _, ok := k.Else.(*BatchRoundRobin); !ok {
				t.Errorf("%s: keyless by %T", name, k.Else)
			}
		case rules.UniformSticky:
			if k, ok := p.(*Keyed); !ok || key != 1 {
				t.Errorf("%s: %T, key on %d", name, p, key)
			} else if _, ok := k.Else.(*Sticky); !ok {
				t.Errorf("%s: keyless by %T", name, k.Else)
			}
		case rules.KeyHash:
			if k, ok := p.(*Keyed); !ok || key != 1 {
				t.Errorf("%s: %T, key on %d", name, p, key)
			} else if _, ok := k.Else.(*RoundRobin); !ok {
				t.Errorf("%s: keyless by %T", name, k.Else)
			}
		default:
			t.Errorf("%s: not covered here", name)
		}
	}
	if _, ok := NewPartitioner(rules.DefaultPartitioner, hash).(*Keyed).Else.(*BatchRoundRobin); !ok {
		t.Error("the default is not batch-round-robin")
	}
	// The flag's default is each platform's first; Config's must be the same.
	for _, p := range []rules.Platform{rules.KafkaRules, rules.FluvioRules} {
		if p.Partitioners[0] != rules.DefaultPartitioner || (Config{}).WithDefaults().Partitioner != rules.DefaultPartitioner {
			t.Errorf("%s lists %s first, Config defaults to %s, the default is %s", p.Name, p.Partitioners[0], (Config{}).WithDefaults().Partitioner, rules.DefaultPartitioner)
		}
	}
}
