package fluvio

import (
	"encoding/binary"
	"math/bits"
)

// keyPartition is the partition Fluvio's own producer picks for a keyed
// record (SiphashRoundRobinPartitioner in crates/fluvio/src/producer/
// partitioning.rs): SipHash-2-4 with a zero key over what Rust's Hash
// writes for a byte slice (its length as a little-endian u64, then the
// bytes), modulo the partition count.
func keyPartition(key []byte, n int) int {
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(key)))
	return int(sipHash24(0, 0, prefix[:], key) % uint64(n))
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
