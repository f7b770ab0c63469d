package keys

import (
	"fmt"
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
