package keys

import (
	"fmt"
	"hash/crc32"
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// sampleOf places every key with place over n partitions, as a producer
// would, and samples all of them (Seen = records).
func sampleOf(keys [][]byte, n int, place func(key []byte, n int) int) Sample {
	s := Sample{Partitions: map[int32]PartitionSample{}}
	for p := range n {
		s.Partitions[int32(p)] = PartitionSample{}
	}
	for _, k := range keys {
		add(&s, int32(place(k, n)), NewRecord(k, 10))
	}
	return s
}

func add(s *Sample, p int32, r Record) {
	ps := s.Partitions[p]
	ps.Records = append(ps.Records, r)
	ps.Seen++
	s.Partitions[p] = ps
}

func keysN(n int, format string) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf(format, i))
	}
	return out
}

// kgoPlace is where franz-go's partitioner p puts a keyed record.
func kgoPlace(p kgo.Partitioner) func([]byte, int) int {
	tp := p.ForTopic("t")
	return func(key []byte, n int) int { return tp.Partition(&kgo.Record{Key: key}, n) }
}

func murmur2Place(key []byte, n int) int { return Murmur2Partition(key, n) }

// Records placed by a real client's partitioner are named after it, with
// every keyed record explained.
func TestAnalyzeNamesFranzGoPlacements(t *testing.T) {
	keys := keysN(500, "user-%d")
	for _, c := range []struct {
		name   string
		place  func([]byte, int) int
		hasher int
	}{
		{"kgo StickyKeyPartitioner (Java's murmur2)", kgoPlace(kgo.StickyKeyPartitioner(nil)), 0},
		{"kgo SaramaHasher(crc32): librdkafka consistent", kgoPlace(kgo.StickyKeyPartitioner(kgo.SaramaHasher(crc32.ChecksumIEEE))), 1},
		{"kgo SaramaCompatHasher(fnv32a): sarama's default", kgoPlace(kgo.StickyKeyPartitioner(kgo.SaramaCompatHasher(fnv32a))), 2},
		{"kgo KafkaHasher(fnv32a): sarama's reference", kgoPlace(kgo.StickyKeyPartitioner(kgo.KafkaHasher(fnv32a))), 3},
		{"kgo SaramaHasher(fnv32a): unsigned", kgoPlace(kgo.StickyKeyPartitioner(kgo.SaramaHasher(fnv32a))), 4},
		{"Fluvio", SipHashPartition, 5},
	} {
		a := Analyze(sampleOf(keys, 7, c.place), nil, []int{7}, 5)
		if a.Hasher != c.hasher || a.Partitioner != Hashers[c.hasher].Name || a.Clients != Hashers[c.hasher].Clients || a.Explained != 1 {
			t.Errorf("%s: %s (hasher %d, %q) explaining %.3f, want hasher %d explaining 1", c.name, a.Partitioner, a.Hasher, a.Clients, a.Explained, c.hasher)
		}
		if a.Keyed != 500 || a.Sampled != 500 || a.NullShare != 0 {
			t.Errorf("%s: keyed %d of %d, null share %v", c.name, a.Keyed, a.Sampled, a.NullShare)
		}
	}
}

// A mixed sample: null keys do not count against the placement, but two
// clients hashing differently into one topic explain it only in part.
func TestAnalyzeMixedSample(t *testing.T) {
	keys := keysN(600, "k%d")
	s := sampleOf(keys, 6, murmur2Place)
	for i := range 400 {
		add(&s, int32(i%6), NewRecord(nil, 10))
	}
	a := Analyze(s, nil, []int{6}, 3)
	if a.Partitioner != Murmur2 || a.Explained != 1 || a.Keyed != 600 || a.Sampled != 1000 || math.Abs(a.NullShare-0.4) > 1e-9 {
		t.Errorf("murmur2 and nulls: %s explaining %v, %d keyed of %d, null share %v", a.Partitioner, a.Explained, a.Keyed, a.Sampled, a.NullShare)
	}

	crc := sampleOf(keysN(600, "other%d"), 6, func(k []byte, n int) int { return int(crc32.ChecksumIEEE(k) % uint32(n)) })
	for p, ps := range crc.Partitions {
		for _, r := range ps.Records {
			add(&s, p, r)
		}
	}
	a = Analyze(s, nil, []int{6}, 3)
	if a.Partitioner != Unknown || a.Hasher != -1 || a.Clients != "" || a.Explained < 0.5 || a.Explained >= ExplainedEnough {
		t.Errorf("half murmur2, half crc32: %s (hasher %d) explaining %v, want unknown", a.Partitioner, a.Hasher, a.Explained)
	}
}

// Records written before an expansion are explained by the old count.
func TestAnalyzeAcrossExpansion(t *testing.T) {
	s := sampleOf(keysN(400, "old%d"), 4, murmur2Place)
	for _, k := range keysN(400, "new%d") {
		add(&s, int32(Murmur2Partition(k, 8)), NewRecord(k, 10))
	}
	if a := Analyze(s, nil, []int{8, 4}, 0); a.Partitioner != Murmur2 || a.Explained != 1 {
		t.Errorf("counts 8 and 4: %s explaining %v", a.Partitioner, a.Explained)
	}
	// At 8 alone, the old keys whose partition changed (about half) are
	// unexplained.
	if a := Analyze(s, nil, []int{8}, 0); a.Explained > 0.85 || a.Explained < 0.65 {
		t.Errorf("count 8 only: explained %v, want about 0.75", a.Explained)
	}
}

func TestAnalyzeUnkeyedAndEmpty(t *testing.T) {
	s := Sample{Partitions: map[int32]PartitionSample{}}
	for i := range 30 {
		add(&s, int32(i%3), NewRecord(nil, 100))
	}
	a := Analyze(s, []float64{1, 1, 1}, []int{3}, 5)
	if a.Partitioner != Unkeyed || a.Hasher != -1 || a.NullShare != 1 || a.Keyed != 0 || len(a.Top) != 0 {
		t.Errorf("no keys: %+v", a)
	}
	if pk := a.Partitions[1]; pk.Sampled != 10 || pk.NullShare != 1 || pk.BytesPerRecord != 100 {
		t.Errorf("partition 1: %+v", pk)
	}
	if a := Analyze(Sample{}, nil, nil, 5); a.Partitioner != Unkeyed || a.Sampled != 0 || a.NullShare != 0 {
		t.Errorf("nothing sampled: %+v", a)
	}
}

// librdkafka's default puts empty keys at random: CRC32 still explains
// them. Java hashes them: murmur2 explains them where they are.
func TestAnalyzeEmptyKeys(t *testing.T) {
	crc := func(k []byte, n int) int { return int(crc32.ChecksumIEEE(k) % uint32(n)) }
	s := sampleOf(keysN(300, "k%d"), 7, crc)
	for i := range 70 {
		add(&s, int32(i%7), NewRecord([]byte{}, 10))
	}
	a := Analyze(s, nil, []int{7}, 3)
	if a.Partitioner != CRC32 || a.Explained != 1 || a.Keyed != 370 || !a.emptyRandom {
		t.Errorf("crc32, empty keys at random: %s explaining %v of %d keyed, empty random %v", a.Partitioner, a.Explained, a.Keyed, a.emptyRandom)
	}
	if a.Top[0].Key != "" || math.Abs(a.Top[0].Share-70.0/370) > 1e-9 {
		t.Errorf("the empty key is the hottest: %+v", a.Top[0])
	}

	s = sampleOf(keysN(300, "k%d"), 7, murmur2Place)
	for range 50 {
		add(&s, int32(Murmur2Partition([]byte{}, 7)), NewRecord([]byte{}, 10))
	}
	if a := Analyze(s, nil, []int{7}, 3); a.Partitioner != Murmur2 || a.Explained != 1 || a.emptyRandom {
		t.Errorf("murmur2 with hashed empty keys: %s explaining %v, empty random %v", a.Partitioner, a.Explained, a.emptyRandom)
	}
}

// Partitions weigh by rate; by Seen beyond rates or when no rate is set.
func TestAnalyzeWeights(t *testing.T) {
	s := Sample{Partitions: map[int32]PartitionSample{}}
	for range 10 {
		add(&s, 0, NewRecord(nil, 10))
		add(&s, 1, NewRecord([]byte("a"), 10))
	}
	if a := Analyze(s, []float64{300, 100}, nil, 1); math.Abs(a.NullShare-0.75) > 1e-9 || math.Abs(a.Top[0].Share-0.25) > 1e-9 {
		t.Errorf("rates 300/100: null share %v, top %+v", a.NullShare, a.Top)
	}
	ps := s.Partitions[1]
	ps.Seen = 30
	s.Partitions[1] = ps
	if a := Analyze(s, []float64{0, 0}, nil, 1); math.Abs(a.NullShare-0.25) > 1e-9 {
		t.Errorf("no rates, seen 10/30: null share %v", a.NullShare)
	}
	if a := Analyze(s, []float64{50}, nil, 1); math.Abs(a.NullShare-0.625) > 1e-9 {
		t.Errorf("rate 50 and seen 30: null share %v", a.NullShare)
	}
}

// Top lists the hottest keys of the topic and of each partition, by
// records and bytes; a long key keeps its first MaxKey bytes.
func TestAnalyzeTop(t *testing.T) {
	s := Sample{Partitions: map[int32]PartitionSample{}}
	long := make([]byte, 1<<20)
	long[0] = 'L'
	bin := []byte{0xff, 0x00, 0x1b}
	for i := range 100 {
		k := []byte(fmt.Sprint("cold", i))
		switch {
		case i < 50:
			k = []byte("hot")
		case i < 60:
			k = long
		case i < 65:
			k = bin
		}
		add(&s, int32(Murmur2Partition(k, 4)), NewRecord(k, 10))
	}
	a := Analyze(s, nil, []int{4}, 3)
	if a.Partitioner != Murmur2 || a.Explained != 1 || len(a.Top) != 3 {
		t.Fatalf("%s explaining %v, top %d", a.Partitioner, a.Explained, len(a.Top))
	}
	hot, l, b := a.Top[0], a.Top[1], a.Top[2]
	if hot.Key != "hot" || hot.Cut || math.Abs(hot.Share-0.5) > 1e-9 || hot.Partition != int32(Murmur2Partition([]byte("hot"), 4)) {
		t.Errorf("hot key: %+v", hot)
	}
	totalBytes := 50*13.0 + 10*(1<<20+10) + 5*13 + 35*16 // cold keys: "coldNN", 6 bytes
	if l.Key != string(long[:MaxKey]) || !l.Cut || math.Abs(l.Share-0.1) > 1e-9 || math.Abs(l.BytesShare-10*(1<<20+10)/totalBytes) > 1e-9 {
		t.Errorf("1 MiB key: cut %v, %d bytes kept, share %v, bytes share %v", l.Cut, len(l.Key), l.Share, l.BytesShare)
	}
	if b.Key != string(bin) || math.Abs(b.Share-0.05) > 1e-9 {
		t.Errorf("binary key: %+v", b)
	}
	pk := a.Partitions[hot.Partition]
	if pk.Top[0].Key != "hot" || pk.Top[0].Share != 50/float64(pk.Sampled) || pk.Sampled != len(s.Partitions[hot.Partition].Records) {
		t.Errorf("the hot key's partition: %+v", pk)
	}
}

// benchSample is 1,000 partitions × 128 sampled records of uniform keys,
// a tenth of them null, placed by murmur2.
func benchSample() (Sample, []float64) {
	const parts, per = 1000, 128
	s := Sample{Partitions: make(map[int32]PartitionSample, parts)}
	recs := make([][]Record, parts)
	rates := make([]float64, parts)
	for p := range parts {
		recs[p] = make([]Record, 0, per)
		for range per / 10 {
			recs[p] = append(recs[p], NewRecord(nil, 100))
		}
		rates[p] = float64(100 + p%7)
	}
	for i, full := 0, 0; full < parts; i++ {
		k := []byte(fmt.Sprint("key-", i))
		if p := Murmur2Partition(k, parts); len(recs[p]) < per {
			if recs[p] = append(recs[p], NewRecord(k, 100)); len(recs[p]) == per {
				full++
			}
		}
	}
	for p := range parts {
		s.Partitions[int32(p)] = PartitionSample{Records: recs[p], Seen: 10 * per}
	}
	return s, rates
}

func BenchmarkAnalyze(b *testing.B) {
	s, rates := benchSample()
	b.ReportAllocs()
	for b.Loop() {
		if a := Analyze(s, rates, []int{1000}, 10); a.Partitioner != Murmur2 {
			b.Fatal(a.Partitioner)
		}
	}
}

// Records written before an expansion: two counts to try.
func BenchmarkAnalyzeTwoCounts(b *testing.B) {
	s, rates := benchSample()
	b.ReportAllocs()
	for b.Loop() {
		Analyze(s, rates, []int{1000, 500}, 10)
	}
}
