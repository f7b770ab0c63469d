package keys

import (
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// SipHash-2-4 reference vectors (the SipHash paper, appendix A: key
// 00..0f, messages 00, 00 01, ...).
func TestSipHashVectors(t *testing.T) {
	msg := make([]byte, 15)
	for i := range msg {
		msg[i] = byte(i)
	}
	k0, k1 := uint64(0x0706050403020100), uint64(0x0f0e0d0c0b0a0908)
	for _, c := range []struct {
		n    int
		want uint64
	}{{0, 0x726fdb47dd0e0e31}, {1, 0x74f839c593dc67fd}, {8, 0x93f5f5799a932462}, {15, 0xa129ca6149be45e5}} {
		if got := sipHash24(k0, k1, msg[:c.n], nil); got != c.want {
			t.Errorf("%d bytes: %#x, want %#x", c.n, got, c.want)
		}
		// Split anywhere, the same hash.
		if c.n > 3 {
			if got := sipHash24(k0, k1, msg[:3], msg[3:c.n]); got != c.want {
				t.Errorf("%d bytes split at 3: %#x, want %#x", c.n, got, c.want)
			}
		}
	}
}

// Murmur2Partition agrees with franz-go's StickyKeyPartitioner (murmur2
// like the Java client), and the Java client's own published values for
// Utils.murmur2 ("21" → -973932308, from Kafka's UtilsTest).
func TestMurmur2MatchesKafka(t *testing.T) {
	if got := int32(murmur2Sum([]byte("21"))); got != -973932308 {
		t.Errorf("murmur2(\"21\") = %d, want -973932308", got)
	}
	for i := range 1000 {
		key := []byte(fmt.Sprintf("key-%d", i))
		for _, n := range []int{1, 3, 4, 7, 8, 100} {
			want := kgo.StickyKeyPartitioner(nil).ForTopic("t").Partition(&kgo.Record{Key: key}, n)
			if got := Murmur2Partition(key, n); got != want {
				t.Fatalf("%q over %d: %d, kgo says %d", key, n, got, want)
			}
		}
	}
}

func fnv32a(b []byte) uint32 {
	h := fnv.New32a()
	h.Write(b)
	return h.Sum32()
}

// Every entry of Hashers places keys exactly where the real client it
// names does, where that client runs here (franz-go's hashers: KafkaHasher
// is Java's formula, SaramaCompatHasher sarama's default, SaramaHasher
// with crc32 librdkafka's consistent and with fnv32a sarama's
// WithHashUnsigned), over keys whose hashes take both signs.
func TestHashersMatchFranzGo(t *testing.T) {
	want := map[int]kgo.PartitionerHasher{
		0: kgo.KafkaHasher(func(b []byte) uint32 { return uint32(murmur2Sum(b)) }),
		1: kgo.SaramaHasher(crc32.ChecksumIEEE),
		2: kgo.SaramaCompatHasher(fnv32a),
		3: kgo.KafkaHasher(fnv32a),
		4: kgo.SaramaHasher(fnv32a),
	}
	negative := 0
	for i := range 2000 {
		key := []byte(fmt.Sprintf("order-%d", i))
		rec := NewRecord(key, 0)
		if int32(rec.Sums[2]) < 0 {
			negative++
		}
		for h, place := range want {
			for _, n := range []int{1, 3, 7, 8, 12, 1000} {
				if got, w := Hashers[h].Place(rec.Sums[h], n), place(key, n); got != w {
					t.Fatalf("%s (%s): %q over %d: %d, franz-go says %d", Hashers[h].Name, Hashers[h].Clients, key, n, got, w)
				}
			}
		}
	}
	if negative < 500 {
		t.Fatalf("only %d of 2000 keys have a negative FNV-1a hash: the sign handling is barely tested", negative)
	}
}

// librdkafka's own unit-test vectors (src/rdfnv1a.c, src/rdmurmur2.c):
// rd_fnv1a returns |FNV-1a| as sarama does, and rd_murmur2 Java's hash.
func TestLibrdkafkaVectors(t *testing.T) {
	keys := []string{"kafka", "giberish123456789", "1234", "234", "34", "4",
		"PreAmbleWillBeRemoved,ThePrePartThatIs", "reAmbleWillBeRemoved,ThePrePartThatIs",
		"eAmbleWillBeRemoved,ThePrePartThatIs", "AmbleWillBeRemoved,ThePrePartThatIs", ""}
	fnv1a := []uint32{0xd33c4e1, 0x77a58295, 0x23bdd03, 0x2dea3cd2, 0x740fa83e, 0x310ca263,
		0x65cbd69c, 0x6e49c79a, 0x69eed356, 0x6abcc023, 0x7ee3623b}
	murmur2 := []uint32{0xd067cf64, 0x8f552b0c, 0x9fc97b14, 0xe7c009ca, 0x873930da, 0x5a4b5ca1,
		0x78424f1c, 0x4a62b377, 0xe0e4e09e, 0x62b8b43f, 0x106e08d9}
	for i, k := range keys {
		if got := uint32(murmur2Sum([]byte(k))); got != murmur2[i] {
			t.Errorf("murmur2(%q) = %#x, librdkafka says %#x", k, got, murmur2[i])
		}
		sum := fnv1aSum([]byte(k))
		for _, n := range []int{3, 7, 100} {
			// librdkafka's fnv1a partitioner: rd_fnv1a(key) % cnt.
			if got, want := Hashers[2].Place(sum, n), int(fnv1a[i]%uint32(n)); got != want {
				t.Errorf("fnv1a %q over %d: %d, librdkafka puts it on %d", k, n, got, want)
			}
		}
	}
}
