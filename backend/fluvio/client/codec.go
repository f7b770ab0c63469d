package client

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Fluvio's wire primitives (crate fluvio-protocol, src/core/{encoder,decoder,varint}.rs):
//
//	integers     big-endian, fixed width
//	bool         one byte, 0 or 1
//	String       u16 length + UTF-8 bytes (decoders read the length as i16; <= 0 means "")
//	Vec<T>       i32 count + elements (decoders treat a count < 1 as empty)
//	BTreeMap     u16 count + key/value pairs
//	Option<T>    bool "present" byte + T when present (not Kafka's -1 length)
//	enum         tag (u8 unless the enum has #[repr(i16)], e.g. ErrorCode) + variant fields
//	varint       zigzag + LEB128, as in protobuf and Kafka record fields
//
// A field marked #[fluvio(min_version = N)] exists only when the request's
// API version is >= N; callers gate such fields on the negotiated version.

// writer appends Fluvio primitives to a byte slice. An encoding problem
// (a string longer than its u16 length prefix) is kept in err, so callers
// can write a whole message and check once.
type writer struct {
	b   []byte
	err error
}

func (w *writer) u8(v uint8)   { w.b = append(w.b, v) }
func (w *writer) i8(v int8)    { w.b = append(w.b, byte(v)) }
func (w *writer) i16(v int16)  { w.b = binary.BigEndian.AppendUint16(w.b, uint16(v)) }
func (w *writer) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *writer) i32(v int32)  { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)) }
func (w *writer) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *writer) i64(v int64)  { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)) }
func (w *writer) raw(p []byte) { w.b = append(w.b, p...) }

func (w *writer) bool(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

func (w *writer) str(s string) {
	if len(s) > math.MaxInt16 {
		// Rust writes the length as u16 but reads it back as i16.
		w.err = fmt.Errorf("fluvio: string of %d bytes is too long to encode", len(s))
		return
	}
	w.u16(uint16(len(s)))
	w.b = append(w.b, s...)
}

// none writes an absent Option<T>.
func (w *writer) none() { w.u8(0) }

// count writes the i32 element count that starts a Vec<T>.
func (w *writer) count(n int) { w.i32(int32(n)) }

// varint writes a zigzag varint. Fluvio's own encoder computes the zigzag
// value as (n<<1)^(n>>31) and stops at bit 32, so the two agree only for
// -2^31 <= n < 2^31; every varint partop writes (lengths, offset and
// timestamp deltas) is far inside that range.
func (w *writer) varint(n int64) {
	w.b = binary.AppendUvarint(w.b, uint64(n<<1)^uint64(n>>63))
}

// varBytes writes a varint length followed by the bytes (RecordData).
func (w *writer) varBytes(p []byte) {
	w.varint(int64(len(p)))
	w.b = append(w.b, p...)
}

// reader decodes Fluvio primitives from a byte slice. The first problem
// (short input, a bad tag) is kept in err and every later read returns a
// zero value, so decoders read a whole structure and check err once.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("fluvio: decoding: "+format, args...)
	}
}

// take returns the next n bytes, or nil after recording a short-input error.
func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.failf("need %d bytes at offset %d, have %d", n, r.off, len(r.b)-r.off)
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) i16() int16 {
	if p := r.take(2); p != nil {
		return int16(binary.BigEndian.Uint16(p))
	}
	return 0
}

func (r *reader) u16() uint16 { return uint16(r.i16()) }

func (r *reader) i32() int32 {
	if p := r.take(4); p != nil {
		return int32(binary.BigEndian.Uint32(p))
	}
	return 0
}

func (r *reader) u32() uint32 { return uint32(r.i32()) }

func (r *reader) i64() int64 {
	if p := r.take(8); p != nil {
		return int64(binary.BigEndian.Uint64(p))
	}
	return 0
}

func (r *reader) bool() bool {
	switch v := r.u8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.failf("bool byte %d", v)
		return false
	}
}

func (r *reader) str() string {
	n := r.i16()
	if n <= 0 {
		return ""
	}
	return string(r.take(int(n)))
}

// present reads the bool byte that starts an Option<T>.
func (r *reader) present() bool { return r.bool() }

func (r *reader) optStr() string {
	if r.present() {
		return r.str()
	}
	return ""
}

// count reads a Vec<T> element count. Each element takes at least one
// byte, so a count beyond the remaining input is corrupt and is rejected
// before anyone allocates for it.
func (r *reader) count() int {
	n := int(r.i32())
	if n < 1 {
		return 0
	}
	if n > r.remaining() {
		r.failf("vector of %d elements with %d bytes left", n, r.remaining())
		return 0
	}
	return n
}

// mapCount reads the u16 count that starts a BTreeMap.
func (r *reader) mapCount() int {
	n := int(r.u16())
	if n > r.remaining() {
		r.failf("map of %d entries with %d bytes left", n, r.remaining())
		return 0
	}
	return n
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	u, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.failf("bad varint at offset %d", r.off)
		return 0
	}
	r.off += n
	return int64(u>>1) ^ -int64(u&1)
}

func (r *reader) varBytes() []byte {
	n := r.varint()
	if n < 0 {
		r.failf("negative length %d", n)
		return nil
	}
	return r.take(int(n))
}

// done reports the first decoding error, or an error when bytes are left
// over: a response that decodes with leftovers was decoded with the wrong
// layout (usually a version-gated field), which must not pass silently.
func (r *reader) done() error {
	if r.err == nil && r.off != len(r.b) {
		r.failf("%d unexpected trailing bytes", len(r.b)-r.off)
	}
	return r.err
}
