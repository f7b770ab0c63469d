package keys

import (
	"fmt"
	"math"
	"testing"
)

// Every record offered has the same chance of being kept: over many
// draws, each of 100 records is kept about capacity/100 of the time.
func TestReservoirIsFair(t *testing.T) {
	const n, capacity, draws = 100, 10, 20000
	kept := make([]int, n)
	for d := range draws {
		r := NewReservoir(capacity, uint64(d))
		for i := range n {
			r.Add(NewRecord([]byte(fmt.Sprint(i)), i))
		}
		s := r.Take()
		if len(s.Records) != capacity || s.Seen != n {
			t.Fatalf("kept %d of %d seen, want %d of %d", len(s.Records), s.Seen, capacity, n)
		}
		for _, rec := range s.Records {
			kept[rec.Bytes-len(rec.Key)]++
		}
	}
	want := float64(draws) * capacity / n // 2,000; sd about 42
	for i, k := range kept {
		if math.Abs(float64(k)-want) > 250 {
			t.Errorf("record %d kept %d times, want about %.0f", i, k, want)
		}
	}
}

// Take empties the reservoir, and keys keep at most MaxKey bytes but
// their identity is the whole key's.
func TestReservoirTakeAndLongKeys(t *testing.T) {
	r := NewReservoir(4, 1)
	long := make([]byte, 1<<20)
	other := make([]byte, 1<<20)
	other[len(other)-1] = 1
	r.Add(NewRecord(long, 0))
	r.Add(NewRecord(other, 0))
	r.Add(NewRecord(nil, 5))
	s := r.Take()
	if len(s.Records) != 3 || r.Seen() != 0 || len(r.Take().Records) != 0 {
		t.Fatalf("took %d records, then %d seen", len(s.Records), r.Seen())
	}
	a, b, c := s.Records[0], s.Records[1], s.Records[2]
	if len(a.Key) != MaxKey || a.Len != 1<<20 || a.Bytes != 1<<20 {
		t.Errorf("a 1 MiB key kept %d bytes, length %d, size %d", len(a.Key), a.Len, a.Bytes)
	}
	if a.ID() == b.ID() {
		t.Errorf("two 1 MiB keys differing in the last byte share an ID")
	}
	if c.Keyed() || c.Bytes != 5 {
		t.Errorf("a null key: keyed %v, size %d", c.Keyed(), c.Bytes)
	}
	if e := NewRecord([]byte{}, 1); !e.Keyed() || e.Len != 0 {
		t.Errorf("an empty key is a key: keyed %v, length %d", e.Keyed(), e.Len)
	}
}
