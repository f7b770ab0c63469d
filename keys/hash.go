package keys

import (
	"encoding/binary"
	"hash/crc32"
	"hash/fnv"
	"math/bits"
)

// A Hasher is one way clients place a keyed record: Sum hashes the whole
// key once; Place maps that sum to one of n partitions with the client's
// own formula (sign handling, masking). Name is what headless reports
// ("murmur2"); Clients says who places records this way.
type Hasher struct {
	Name    string
	Clients string
	Sum     func(key []byte) uint64
	Place   func(sum uint64, n int) int
}

// Hashers are the placements of the common clients, in the order a tie is
// broken (the first two must stay murmur2 and CRC-32: Record.ID joins
// their sums). Each formula was read in the client's source:
//
//   - Java: BuiltInPartitioner.partitionForKey,
//     Utils.toPositive(Utils.murmur2(key)) % n, toPositive masking the sign
//     bit; franz-go's KafkaHasher, librdkafka's murmur2 and murmur2_random
//     (src/rdkafka_msg.c, "(rd_murmur2(key) & 0x7fffffff) % cnt") and
//     segmentio/kafka-go's Murmur2Balancer (balancer.go) do the same.
//   - librdkafka's consistent and consistent_random, its default (and so
//     kcat's and confluent-kafka's): rd_crc32(key) % cnt, unsigned;
//     kafka-go's CRC32Balancer the same. consistent_random puts empty keys,
//     not only null ones, at random (Analyze allows for it).
//   - sarama's default HashPartitioner (partitioner.go): FNV-1a 32, the
//     signed hash % n, negated when negative; kafka-go's Hash (balancer.go)
//     copies it, and so does librdkafka's fnv1a and fnv1a_random: rd_fnv1a
//     (src/rdfnv1a.c) takes the absolute value of the signed hash before
//     its unsigned % cnt, "to match the Sarama NewHashPartitioner", which
//     places every key where sarama does (|h| % n == -(h % n) for h < 0,
//     and -MinInt32 wraps to 2^31 in both).
//   - sarama's NewReferenceHashPartitioner and kafka-go's ReferenceHash:
//     FNV-1a with Java's sign mask.
//   - sarama's WithHashUnsigned option: FNV-1a, unsigned % n; franz-go's
//     SaramaHasher(fnv32a) lands there too on 64-bit platforms (its doc:
//     "only the 64-bit behavior matches librdkafka"), unlike its
//     SaramaCompatHasher, which is sarama's default.
var Hashers = [numHashers]Hasher{
	{Name: Murmur2, Clients: "Java, franz-go, librdkafka murmur2, kafka-go Murmur2Balancer", Sum: murmur2Sum, Place: positiveMod},
	{Name: CRC32, Clients: "librdkafka default (kcat, confluent-kafka), kafka-go CRC32Balancer", Sum: crc32Sum, Place: unsignedMod},
	{Name: FNV1a, Clients: "sarama default, kafka-go Hash, librdkafka fnv1a", Sum: fnv1aSum, Place: absMod},
	{Name: FNV1a, Clients: "sarama NewReferenceHashPartitioner, kafka-go ReferenceHash", Sum: fnv1aSum, Place: positiveMod},
	{Name: FNV1a, Clients: "sarama WithHashUnsigned, franz-go SaramaHasher", Sum: fnv1aSum, Place: unsignedMod},
	{Name: SipHash, Clients: "Fluvio", Sum: sipHashSum, Place: unsigned64Mod},
}

const numHashers = 6

// The partitioner names headless reports.
const (
	Murmur2 = "murmur2"
	CRC32   = "crc32"
	FNV1a   = "fnv1a"
	SipHash = "siphash"
	Unkeyed = "unkeyed" // no sampled record had a key
	Unknown = "unknown" // no hasher explains the keyed records
)

// Murmur2Partition is where Kafka's Java client puts key among n
// partitions.
func Murmur2Partition(key []byte, n int) int { return positiveMod(murmur2Sum(key), n) }

// SipHashPartition is where Fluvio's own producer puts key among n
// partitions.
func SipHashPartition(key []byte, n int) int { return unsigned64Mod(sipHashSum(key), n) }

// positiveMod is Kafka's Utils.toPositive(h) % n.
func positiveMod(sum uint64, n int) int { return int(uint32(sum)&0x7fffffff) % n }

// unsignedMod is librdkafka's consistent: the unsigned 32-bit hash % n.
func unsignedMod(sum uint64, n int) int { return int(uint32(sum) % uint32(n)) }

// absMod is sarama's: the signed 32-bit hash % n, negated when negative
// (and librdkafka's fnv1a: |hash| % n, the same partition).
func absMod(sum uint64, n int) int {
	p := int32(sum) % int32(n)
	if p < 0 {
		p = -p
	}
	return int(p)
}

func unsigned64Mod(sum uint64, n int) int { return int(sum % uint64(n)) }

// murmur2Sum is Kafka's Utils.murmur2: MurmurHash2, 32 bits, seed
// 0x9747b28c, the tail read little-endian.
func murmur2Sum(data []byte) uint64 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	h := uint32(seed) ^ uint32(len(data))
	for len(data) >= 4 {
		k := binary.LittleEndian.Uint32(data)
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		data = data[4:]
	}
	switch len(data) {
	case 3:
		h ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return uint64(h)
}

func crc32Sum(key []byte) uint64 { return uint64(crc32.ChecksumIEEE(key)) }

func fnv1aSum(key []byte) uint64 {
	h := fnv.New32a()
	h.Write(key)
	return uint64(h.Sum32())
}

// sipHashSum is what Fluvio's producer hashes (SiphashRoundRobinPartitioner
// in crates/fluvio/src/producer/partitioning.rs): SipHash-2-4 with a zero
// key over what Rust's Hash writes for a byte slice, its length as a
// little-endian u64 and then the bytes.
func sipHashSum(key []byte) uint64 {
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(key)))
	return sipHash24(0, 0, prefix[:], key)
}

// sipHash24 is SipHash-2-4 with key k0, k1 over a followed by b.
func sipHash24(k0, k1 uint64, a, b []byte) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13)
		v1 ^= v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16)
		v3 ^= v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21)
		v3 ^= v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17)
		v1 ^= v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	total := len(a) + len(b)
	var block [8]byte
	fill := 0
	compress := func(m uint64) {
		v3 ^= m
		round()
		round()
		v0 ^= m
	}
	for _, part := range [2][]byte{a, b} {
		for _, c := range part {
			block[fill] = c
			if fill++; fill == 8 {
				compress(binary.LittleEndian.Uint64(block[:]))
				fill = 0
			}
		}
	}
	clear(block[fill:])
	block[7] = byte(total)
	compress(binary.LittleEndian.Uint64(block[:]))
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
