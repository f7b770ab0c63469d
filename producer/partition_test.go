package producer

import (
	"math/rand/v2"
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
}
