package keys

import (
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// 4 → 8 with many uniform keys under murmur2: balanced, and each key
// keeps its partition or moves to p+4, so half the traffic moves.
func TestPredictUniformDoubling(t *testing.T) {
	s := sampleOf(keysN(8000, "device-%d"), 4, murmur2Place)
	rates := []float64{100, 100, 100, 100}
	a := Analyze(s, rates, []int{4}, 3)
	p := Predict(s, rates, a, 8)
	if !p.Known || p.Partitions != 8 || len(p.Loads) != 8 {
		t.Fatalf("known %v, %d partitions, %d loads", p.Known, p.Partitions, len(p.Loads))
	}
	var sum float64
	for _, x := range p.Loads {
		sum += x
	}
	if !near(sum, 400, 1e-6) || p.Jain < 0.99 || p.MaxMean > 1.1 || !near(p.Moved, 0.5, 0.03) || p.SkewFloor != 0 {
		t.Errorf("total %v, Jain %v, max/mean %v, moved %v, skew floor %v", sum, p.Jain, p.MaxMean, p.Moved, p.SkewFloor)
	}
	// At the same count nothing moves.
	if p := Predict(s, rates, a, 4); p.Moved != 0 || p.Jain < 0.99 {
		t.Errorf("4 → 4: moved %v, Jain %v", p.Moved, p.Jain)
	}
}

// A hot key among zipf-distributed keys puts a floor under the skew: its
// share of all records on one partition, whatever the count.
func TestPredictZipfSkewFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(rng, 1.3, 1, 999)
	var keys [][]byte
	hot := 0
	for range 5000 {
		i := z.Uint64()
		if i == 0 {
			hot++
		}
		keys = append(keys, []byte(fmt.Sprint("customer-", i)))
	}
	s := sampleOf(keys, 6, murmur2Place)
	a := Analyze(s, nil, []int{6}, 5)
	want := float64(hot) / 5000
	if a.Top[0].Key != "customer-0" || !near(a.Top[0].Share, want, 1e-9) {
		t.Fatalf("top key %+v, want customer-0 at %v", a.Top[0], want)
	}
	p := Predict(s, nil, a, 24)
	if !near(p.SkewFloor, want, 1e-9) || p.HotKey != "customer-0" || p.HotCut {
		t.Errorf("skew floor %v of %q, want %v of customer-0", p.SkewFloor, p.HotKey, want)
	}
	// The hot key's partition carries at least its share.
	if top := slicesMax(p.Loads); top < want*5000-1e-6 || p.MaxMean < want*24 {
		t.Errorf("hottest partition %v, max/mean %v, below the hot key's %v", top, p.MaxMean, want*5000)
	}
	// No count balances a topic whose hottest key has a fifth of it, and
	// Balanced says so without trying them all.
	if want < 0.2 {
		t.Fatalf("hot key share %v: the fixture needs more skew", want)
	}
	if n := Balanced(s, nil, a, 6, 1e9, 0.9); n != 0 {
		t.Errorf("Balanced up to 1e9 partitions: %d, want 0", n)
	}
	if b := jainBound(want, 24); p.Jain > b+1e-9 {
		t.Errorf("Jain %v above the hot key's bound %v", p.Jain, b)
	}
	// With fewer partitions than 1/share, no floor is reported.
	if p := Predict(s, nil, a, 2); p.SkewFloor != 0 || p.HotKey != "" {
		t.Errorf("at 2 partitions: skew floor %v of %q", p.SkewFloor, p.HotKey)
	}
}

func slicesMax(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// An Unknown placement keeps keyed load where it is; null keys spread.
func TestPredictUnknownKeepsKeyedLoad(t *testing.T) {
	s := Sample{Partitions: map[int32]PartitionSample{}}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		p := int32(rng.IntN(4)) // a custom partitioner: no hash explains it
		if i%4 == 0 {
			add(&s, p, NewRecord(nil, 10))
		} else {
			add(&s, p, NewRecord([]byte(fmt.Sprint("k", i)), 10))
		}
	}
	rates := []float64{40, 30, 20, 10}
	a := Analyze(s, rates, []int{4}, 0)
	if a.Partitioner != Unknown {
		t.Fatalf("random placement named %s (%v)", a.Partitioner, a.Explained)
	}
	p := Predict(s, rates, a, 8)
	if p.Known || p.Moved != 0 {
		t.Errorf("known %v, moved %v", p.Known, p.Moved)
	}
	var null float64
	for id, r := range rates {
		ps := s.Partitions[int32(id)]
		nulls := 0
		for _, rec := range ps.Records {
			if !rec.Keyed() {
				nulls++
			}
		}
		null += r * float64(nulls) / float64(len(ps.Records))
	}
	for id := range 8 {
		want := null / 8
		if id < 4 {
			ps := s.Partitions[int32(id)]
			keyed := 0
			for _, rec := range ps.Records {
				if rec.Keyed() {
					keyed++
				}
			}
			want += rates[id] * float64(keyed) / float64(len(ps.Records))
		}
		if !near(p.Loads[id], want, 1e-9) {
			t.Errorf("partition %d: %v, want %v", id, p.Loads[id], want)
		}
	}
}

// Null keys spread evenly; a partition with a rate but nothing sampled
// keeps its rate.
func TestPredictUnkeyed(t *testing.T) {
	s := Sample{Partitions: map[int32]PartitionSample{3: {}}}
	for i := range 30 {
		add(&s, int32(i%3), NewRecord(nil, 1))
	}
	rates := []float64{10, 20, 30, 40}
	a := Analyze(s, rates, []int{4}, 0)
	p := Predict(s, rates, a, 8)
	if !p.Known || p.Moved != 0 || p.SkewFloor != 0 {
		t.Errorf("known %v, moved %v, floor %v", p.Known, p.Moved, p.SkewFloor)
	}
	for id, x := range p.Loads {
		want := 60.0 / 8
		if id == 3 {
			want += 40
		}
		if !near(x, want, 1e-9) {
			t.Errorf("partition %d: %v, want %v", id, x, want)
		}
	}
	if p := Predict(Sample{}, nil, Analysis{Hasher: -1}, 3); p.Jain != 1 || p.MaxMean != 1 || len(p.Loads) != 3 {
		t.Errorf("no traffic: %+v", p)
	}
}

// CRC32 with empty keys at random (librdkafka's consistent_random):
// their traffic is spread, not a hot key.
func TestPredictRandomEmptyKeys(t *testing.T) {
	crc := func(k []byte, n int) int { return int(crc32.ChecksumIEEE(k) % uint32(n)) }
	s := sampleOf(keysN(300, "k%d"), 7, crc)
	for i := range 700 {
		add(&s, int32(i%7), NewRecord([]byte{}, 10))
	}
	a := Analyze(s, nil, []int{7}, 3)
	if p := Predict(s, nil, a, 14); p.SkewFloor != 0 || p.Jain < 0.9 {
		t.Errorf("random empty keys: floor %v (%q), Jain %v", p.SkewFloor, p.HotKey, p.Jain)
	}
}

// Keys that all hash to partition 0 of 4 (murmur2 % 4 == 0) spread at 5
// but not at 6 or 8 (their hashes stay multiples of 4): Balanced finds 5.
func TestBalanced(t *testing.T) {
	var keys [][]byte
	for i := 0; len(keys) < 4000; i++ {
		if k := []byte(fmt.Sprint("k", i)); Murmur2Partition(k, 4) == 0 {
			keys = append(keys, k)
		}
	}
	s := sampleOf(keys, 4, murmur2Place)
	a := Analyze(s, nil, []int{4}, 0)
	if p := Predict(s, nil, a, 4); !near(p.Jain, 0.25, 1e-9) || !near(p.MaxMean, 4, 1e-9) {
		t.Fatalf("now: Jain %v, max/mean %v", p.Jain, p.MaxMean)
	}
	if p := Predict(s, nil, a, 8); !near(p.Jain, 0.25, 0.01) { // only 0 and 4 of 8
		t.Errorf("at 8: Jain %v, want 0.25", p.Jain)
	}
	if n := Balanced(s, nil, a, 4, 16, 0.95); n != 5 {
		t.Errorf("Balanced(4, 16, 0.95) = %d, want 5", n)
	}
	if n := Balanced(s, nil, a, 5, 6, 0.95); n != 0 {
		t.Errorf("Balanced(5, 6, 0.95) = %d, want 0", n)
	}
}

func TestJainAndMaxMean(t *testing.T) {
	for _, c := range []struct {
		loads         []float64
		jain, maxMean float64
	}{
		{[]float64{1, 1, 1, 1}, 1, 1},
		{[]float64{4, 0, 0, 0}, 0.25, 4},
		{[]float64{0, 0}, 1, 1},
		{[]float64{3, 1}, 16.0 / 20, 1.5},
	} {
		if j, m := Jain(c.loads), MaxMean(c.loads); !near(j, c.jain, 1e-12) || !near(m, c.maxMean, 1e-12) {
			t.Errorf("%v: Jain %v, max/mean %v; want %v, %v", c.loads, j, m, c.jain, c.maxMean)
		}
	}
}

func BenchmarkPredict(b *testing.B) {
	s, rates := benchSample()
	a := Analyze(s, rates, []int{1000}, 10)
	b.ReportAllocs()
	for b.Loop() {
		Predict(s, rates, a, 2000)
	}
}

// Each count Balanced tries costs about one Predict without the reading:
// ten counts here.
func BenchmarkBalancedTenCounts(b *testing.B) {
	s, rates := benchSample()
	a := Analyze(s, rates, []int{1000}, 10)
	b.ReportAllocs()
	for b.Loop() {
		Balanced(s, rates, a, 1000, 1010, 1.01)
	}
}
