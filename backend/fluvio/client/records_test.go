package client

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

// goldenBatch is one batch holding the record value "test" (no key) at
// timestamp 1555478494747, written by hand from the Rust encoder's rules
// (Encoder for Batch in fluvio-protocol src/record/batch.rs, Encoder for
// Record in src/record/data.rs). The CRC is CRC-32C of bytes 21.. as
// computed by crc32cBitwise below; TestBatchCRCMatchesRust ties that
// algorithm and range to a CRC asserted by Fluvio's own test suite.
const goldenBatch = `
00 00 00 00 00 00 00 00   base_offset 0 (the SPU assigns offsets)
00 00 00 3c               batch_len 60 = 45 header bytes + 4 count + 11 record
ff ff ff ff               partition_leader_epoch -1
02                        magic 2
32 47 00 f9               crc (CRC-32C of everything below)
00 00                     attributes: no compression, no schema id
00 00 00 00               last_offset_delta: 1 record
00 00 01 6a 29 be 3e 1b   first_timestamp 1555478494747
00 00 01 6a 29 be 3e 1b   max_time_stamp
ff ff ff ff ff ff ff ff   producer_id -1
ff ff                     producer_epoch -1
ff ff ff ff               first_sequence -1
00 00 00 01               Vec<Record> count 1
14                        record length 10 (varint)
00                        record attributes
00                        timestamp_delta 0 (varint)
00                        offset_delta 0 (varint)
00                        key: Option None
08 74 65 73 74            value: varint length 4, "test"
00                        header count 0 (varint)
`

// unhexCommented is unhex for the golden layout above: each line's first
// run of hex pairs, then a comment.
func unhexCommented(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, line := range bytes.Split([]byte(s), []byte("\n")) {
		for _, f := range bytes.Fields(line) {
			if len(f) != 2 {
				break
			}
			var b byte
			if _, err := fmt.Sscanf(string(f), "%02x", &b); err != nil {
				break
			}
			out = append(out, b)
		}
	}
	return out
}

func crc32cBitwise(b []byte) uint32 {
	crc := ^uint32(0)
	for _, x := range b {
		crc ^= uint32(x)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x82f63b78 // Castagnoli, reflected
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

func TestBatchGolden(t *testing.T) {
	want := unhexCommented(t, goldenBatch)
	if len(want) != 72 {
		t.Fatalf("golden has %d bytes, want 72", len(want))
	}
	if crc := crc32cBitwise(want[21:]); crc != binary.BigEndian.Uint32(want[17:]) {
		t.Fatalf("golden CRC is %08x, bytes say %08x", crc, want[17:21])
	}
	got := appendBatch(nil, []Record{{Value: []byte("test")}}, time.UnixMilli(1555478494747))
	if !bytes.Equal(got, want) {
		t.Fatalf("appendBatch:\n% x\nwant\n% x", got, want)
	}
}

// Fluvio's test_encode_and_decode_batch_basic encodes the same record and
// timestamps but leaves last_offset_delta at its default -1, and asserts
// crc == 1430948200.
func TestBatchCRCMatchesRust(t *testing.T) {
	b := unhexCommented(t, goldenBatch)
	copy(b[23:27], []byte{0xff, 0xff, 0xff, 0xff})
	if crc := crc32cBitwise(b[21:]); crc != 1430948200 {
		t.Fatalf("CRC %d, Fluvio's test says 1430948200", crc)
	}
}

func TestBatchRoundTrip(t *testing.T) {
	recs := []Record{
		{Value: []byte("v0")},
		{Key: []byte("k1"), Value: []byte("v1")},
		{Key: []byte{}, Value: nil}, // empty key is present, unlike a nil key
		{Value: bytes.Repeat([]byte("x"), 300)},
	}
	ts := time.UnixMilli(1_700_000_000_123)
	b := appendBatch([]byte("prefix"), recs, ts)
	r := reader{b: b[len("prefix"):]}
	got := readBatch(&r)
	if err := r.done(); err != nil {
		t.Fatal(err)
	}
	if !got.crcOK || got.attributes != 0 || got.firstTS != ts.UnixMilli() || got.maxTS != ts.UnixMilli() {
		t.Fatalf("header: %+v", got)
	}
	if len(got.records) != len(recs) {
		t.Fatalf("%d records, want %d", len(got.records), len(recs))
	}
	for i, rec := range recs {
		g := got.records[i]
		if (rec.Key == nil) != (g.Key == nil) || !bytes.Equal(rec.Key, g.Key) || !bytes.Equal(rec.Value, g.Value) {
			t.Errorf("record %d: %+v, want %+v", i, g, rec)
		}
	}
	// A flipped bit anywhere after the CRC field must be detected.
	b[len(b)-3] ^= 1
	r = reader{b: b[len("prefix"):]}
	if readBatch(&r).crcOK {
		t.Error("corruption not detected by the CRC")
	}
}

// decodedBatch is a batch read back by readBatch.
type decodedBatch struct {
	crcOK      bool
	attributes int16
	firstTS    int64
	maxTS      int64
	records    []Record
}

// readBatch decodes one uncompressed batch (the layout is in records.go).
// Only tests need it: the client never reads records.
func readBatch(r *reader) decodedBatch {
	var b decodedBatch
	r.i64() // base offset
	body := r.take(int(r.i32()))
	br := &reader{b: body}
	br.i32() // partition leader epoch
	if magic := br.u8(); magic != 2 {
		br.failf("batch magic %d", magic)
	}
	crc := br.u32()
	b.crcOK = br.err == nil && crc32cBitwise(body[br.off:]) == crc
	b.attributes = br.i16()
	last := br.i32()
	b.firstTS, b.maxTS = br.i64(), br.i64()
	br.i64() // producer id
	br.i16() // producer epoch
	br.i32() // first sequence
	for n := br.count(); n > 0 && br.err == nil; n-- {
		rr := &reader{b: br.varBytes()}
		rr.u8()     // attributes
		rr.varint() // timestamp delta
		rr.varint() // offset delta
		var rec Record
		if rr.present() {
			rec.Key = rr.varBytes()
		}
		rec.Value = rr.varBytes()
		rr.varint() // headers
		if err := rr.done(); err != nil && br.err == nil {
			br.err = err
		}
		b.records = append(b.records, rec)
	}
	if br.err == nil && len(b.records) != int(last)+1 {
		br.failf("last_offset_delta %d for %d records", last, len(b.records))
	}
	if err := br.done(); err != nil && r.err == nil {
		r.err = err
	}
	return b
}
