package client

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"
)

// unhex turns "00 02 77 6f" into bytes; spaces and newlines are ignored.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The expected bytes are those asserted by fluvio-protocol's own tests
// (src/core/encoder.rs, mod test).
func TestPrimitivesMatchRustEncoderTests(t *testing.T) {
	cases := []struct {
		name  string
		write func(w *writer)
		want  string
	}{
		{"i8 5", func(w *writer) { w.i8(5) }, "05"},
		{"u8 8", func(w *writer) { w.u8(8) }, "08"},
		{"i16 5", func(w *writer) { w.i16(5) }, "00 05"},
		{"u16 16", func(w *writer) { w.u16(16) }, "00 10"},
		{"u32 16", func(w *writer) { w.u32(16) }, "00 00 00 10"},
		{"i32 5", func(w *writer) { w.i32(5) }, "00 00 00 05"},
		{"i64 5", func(w *writer) { w.i64(5) }, "00 00 00 00 00 00 00 05"},
		{"Option<u16> None", func(w *writer) { w.none() }, "00"},
		{"Option<u16> Some(16)", func(w *writer) { w.bool(true); w.u16(16) }, "01 00 10"},
		{"Option<u32> Some(16)", func(w *writer) { w.bool(true); w.u32(16) }, "01 00 00 00 10"},
		{"bool true", func(w *writer) { w.bool(true) }, "01"},
		{"String wo", func(w *writer) { w.str("wo") }, "00 02 77 6f"},
		{"Option<String> Some(wo)", func(w *writer) { w.bool(true); w.str("wo") }, "01 00 02 77 6f"},
		{"Vec<String> [test]", func(w *writer) { w.count(1); w.str("test") }, "00 00 00 01 00 04 74 65 73 74"},
		{"Vec<u8> [0x10,0x11]", func(w *writer) { w.count(2); w.u8(0x10); w.u8(0x11) }, "00 00 00 02 10 11"},
	}
	for _, tc := range cases {
		var w writer
		tc.write(&w)
		if want := unhex(t, tc.want); !bytes.Equal(w.b, want) {
			t.Errorf("%s: % x, want % x", tc.name, w.b, want)
		}
	}
}

func TestReaderPrimitives(t *testing.T) {
	r := reader{b: unhex(t, "05 00 05 ff ff ff fb 00 00 00 00 00 00 00 07 01 00 02 77 6f 01 00 02 77 6f 00 00 00 00 02 00 00 00 01 00 00 00 02")}
	if v := r.u8(); v != 5 {
		t.Errorf("u8 %d", v)
	}
	if v := r.i16(); v != 5 {
		t.Errorf("i16 %d", v)
	}
	if v := r.i32(); v != -5 {
		t.Errorf("i32 %d", v)
	}
	if v := r.i64(); v != 7 {
		t.Errorf("i64 %d", v)
	}
	if v := r.bool(); !v {
		t.Error("bool")
	}
	if v := r.str(); v != "wo" {
		t.Errorf("str %q", v)
	}
	if v := r.optStr(); v != "wo" {
		t.Errorf("optStr %q", v)
	}
	if v := r.optStr(); v != "" {
		t.Errorf("optStr None %q", v)
	}
	if n := r.count(); n != 2 || r.i32() != 1 || r.i32() != 2 {
		t.Errorf("count %d", n)
	}
	if err := r.done(); err != nil {
		t.Error(err)
	}
}

func TestReaderErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		read func(r *reader)
		want string
	}{
		{"short", "00 00 01", func(r *reader) { r.i32() }, "need 4 bytes"},
		{"bad bool", "02", func(r *reader) { r.bool() }, "bool byte 2"},
		{"vec beyond input", "00 00 10 00 01", func(r *reader) { r.count() }, "vector of 4096 elements"},
		{"trailing", "00 01 ff", func(r *reader) { r.i16() }, "1 unexpected trailing bytes"},
		{"short string", "00 05 61", func(r *reader) { r.str() }, "need 5 bytes"},
		{"bad varint", "ff ff", func(r *reader) { r.varint() }, "bad varint"},
	}
	for _, tc := range cases {
		r := reader{b: unhex(t, tc.in)}
		tc.read(&r)
		if r.err != nil {
			r.i64() // reads after an error return zero values and keep the first error
		}
		if err := r.done(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Negative and zero lengths mean empty, as in the Rust decoders.
	r := reader{b: unhex(t, "ff ff ff ff ff ff")}
	if r.count() != 0 || r.str() != "" || r.done() != nil {
		t.Errorf("negative lengths: %v", r.err)
	}
}

func TestStringTooLong(t *testing.T) {
	var w writer
	w.str(strings.Repeat("x", math.MaxInt16+1))
	if w.err == nil {
		t.Fatal("no error for a string longer than i16")
	}
}

// fluvioVarint is fluvio-protocol's variant_encode (src/core/varint.rs)
// transcribed literally, to compare with the standard zigzag encoding.
func fluvioVarint(num int64) []byte {
	v := (num << 1) ^ (num >> 31)
	var out []byte
	for v&0xffffff80 != 0 {
		out = append(out, byte((v&0x7f)|0x80))
		v >>= 7
	}
	return append(out, byte(v))
}

func TestVarint(t *testing.T) {
	golden := []struct {
		n    int64
		want string
	}{
		{0, "00"}, {-1, "01"}, {1, "02"}, {-2, "03"}, {63, "7e"}, {-64, "7f"},
		{64, "80 01"}, {300, "d8 04"}, {math.MaxInt32, "fe ff ff ff 0f"}, {math.MinInt32, "ff ff ff ff 0f"},
	}
	for _, g := range golden {
		var w writer
		w.varint(g.n)
		if want := unhex(t, g.want); !bytes.Equal(w.b, want) {
			t.Errorf("varint(%d) = % x, want % x", g.n, w.b, want)
		}
		r := reader{b: w.b}
		if got := r.varint(); got != g.n || r.done() != nil {
			t.Errorf("decode(% x) = %d, %v", w.b, got, r.err)
		}
	}
	// Agreement with Fluvio's encoder over the range where it is correct.
	check := func(n int64) {
		var w writer
		w.varint(n)
		if f := fluvioVarint(n); !bytes.Equal(w.b, f) {
			t.Fatalf("varint(%d) = % x, Fluvio writes % x", n, w.b, f)
		}
	}
	for n := int64(-70000); n <= 70000; n++ {
		check(n)
	}
	for s := 0; s < 31; s++ {
		check(1<<s - 1)
		check(1 << s)
		check(-(1 << s))
	}
}

func TestVarBytes(t *testing.T) {
	var w writer
	w.varBytes([]byte("test"))
	w.varBytes(nil)
	if want := unhex(t, "08 74 65 73 74 00"); !bytes.Equal(w.b, want) {
		t.Fatalf("% x, want % x", w.b, want)
	}
	r := reader{b: w.b}
	if a, b := r.varBytes(), r.varBytes(); string(a) != "test" || len(b) != 0 || r.done() != nil {
		t.Fatalf("%q %q %v", a, b, r.err)
	}
}
