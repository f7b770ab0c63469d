package client

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// stored is a batch as an SPU stores it (records.go's layout): base
// offset, first_timestamp, one record per timestamp delta, the records
// compressed with codec (0 none), a schema id when schema is set.
func stored(t *testing.T, base, firstStamp int64, codec int16, schema bool, deltas ...int64) []byte {
	t.Helper()
	var recs writer
	recs.count(len(deltas))
	for i, d := range deltas {
		var rec writer
		rec.i8(0)
		rec.varint(d)
		rec.varint(int64(i))
		rec.none()
		rec.varBytes([]byte("value"))
		rec.varint(0)
		recs.varint(int64(len(rec.b)))
		recs.raw(rec.b)
	}
	body := recs.b
	if codec != 0 {
		var buf bytes.Buffer
		var zw io.WriteCloser
		switch codec {
		case compressionGzip:
			zw = gzip.NewWriter(&buf)
		case compressionSnappy:
			zw = snappy.NewBufferedWriter(&buf)
		case compressionLz4:
			zw = lz4.NewWriter(&buf)
		case compressionZstd:
			enc, err := zstd.NewWriter(&buf)
			if err != nil {
				t.Fatal(err)
			}
			zw = enc
		}
		if _, err := zw.Write(body); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		body = buf.Bytes()
	}
	attrs := codec
	if schema {
		attrs |= attrSchemaPresent
	}
	var w writer
	w.i64(base)
	w.i32(0) // batch_len, patched below
	w.i32(0)
	w.i8(2)
	w.u32(0) // crc: nobody checks it
	w.i16(attrs)
	w.i32(int32(len(deltas) - 1))
	w.i64(firstStamp)
	w.i64(firstStamp + deltas[len(deltas)-1])
	w.i64(-1)
	w.i16(-1)
	w.i32(-1)
	if schema {
		w.u32(7)
	}
	w.raw(body)
	binary.BigEndian.PutUint32(w.b[8:], uint32(len(w.b)-12))
	return w.b
}

// TestFirstInBatch: the first record at or after the offset asked for,
// dated first_timestamp + its delta, through every compression Fluvio
// has and a schema id; a batch cut short says how long it is; a batch
// with no first_timestamp has no time.
func TestFirstInBatch(t *testing.T) {
	const stamp = 1_700_000_000_000
	ours := appendBatch(nil, []Record{{Value: []byte("a")}, {Value: []byte("b")}}, time.UnixMilli(stamp))
	whole := stored(t, 0, stamp, 0, false, 4, 9)
	for _, tc := range []struct {
		name   string
		b      []byte
		from   int64
		want   *FirstRecord
		need   int32
		failed bool
	}{
		{"partop's own batch", ours, 0, &FirstRecord{Offset: 0, Time: time.UnixMilli(stamp)}, 0, false},
		{"the first record's delta", whole, 0, &FirstRecord{Offset: 0, Time: time.UnixMilli(stamp + 4)}, 0, false},
		{"a batch begun before the offset", stored(t, 10, stamp, 0, false, 0, 5, 8), 12, &FirstRecord{Offset: 12, Time: time.UnixMilli(stamp + 8)}, 0, false},
		{"gzip", stored(t, 0, stamp, compressionGzip, false, 3, 5), 0, &FirstRecord{Time: time.UnixMilli(stamp + 3)}, 0, false},
		{"snappy", stored(t, 0, stamp, compressionSnappy, false, 3, 5), 0, &FirstRecord{Time: time.UnixMilli(stamp + 3)}, 0, false},
		{"lz4", stored(t, 0, stamp, compressionLz4, false, 3, 5), 0, &FirstRecord{Time: time.UnixMilli(stamp + 3)}, 0, false},
		{"zstd", stored(t, 0, stamp, compressionZstd, false, 3, 5), 0, &FirstRecord{Time: time.UnixMilli(stamp + 3)}, 0, false},
		{"a schema id", stored(t, 0, stamp, compressionGzip, true, 2), 0, &FirstRecord{Time: time.UnixMilli(stamp + 2)}, 0, false},
		{"no timestamp", stored(t, 0, -1, 0, false, 0), 0, &FirstRecord{}, 0, false},
		{"cut short", whole[:40], 0, nil, int32(len(whole)), false},
		{"cut in the header", whole[:9], 0, nil, batchRecordsAt, false},
		{"then more batches", append(append([]byte(nil), whole...), ours...), 0, &FirstRecord{Time: time.UnixMilli(stamp + 4)}, 0, false},
		{"nothing", nil, 0, nil, 0, false},
		{"no record that late", whole, 5, nil, 0, true},
		{"garbage", append([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 57}, make([]byte, 57)...), 0, nil, 0, true},
	} {
		got, need, err := firstInBatch(tc.b, tc.from)
		switch {
		case (err != nil) != tc.failed:
			t.Errorf("%s: error %v", tc.name, err)
		case need != tc.need:
			t.Errorf("%s: need %d, want %d", tc.name, need, tc.need)
		case (got == nil) != (tc.want == nil):
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		case got != nil && (got.Offset != tc.want.Offset || !got.Time.Equal(tc.want.Time)):
			t.Errorf("%s: got %+v, want %+v", tc.name, *got, *tc.want)
		}
	}
}

// fetchResponse encodes a FetchResponse at version 25 the way the SPU's
// FileWrite implementations do (fluvio-spu-schema src/fetch/response.rs).
func fetchResponse(topic string, parts map[uint32]fetched) []byte {
	var w writer
	w.i32(0)
	w.i16(0)
	w.i32(0)
	w.count(1)
	w.str(topic)
	w.count(len(parts))
	for p, f := range parts {
		w.u32(p)
		w.i16(int16(f.code))
		if f.code == codeOffsetEvicted {
			w.i64(0)
			w.i64(f.logStart)
		}
		w.i64(100) // high watermark
		w.i64(-1)  // next_filter_offset
		w.i64(f.logStart)
		w.none() // aborted
		w.i32(int32(len(f.records)))
		w.raw(f.records)
	}
	return w.b
}

func TestReadFetchResponse(t *testing.T) {
	b := stored(t, 0, 1000, 0, false, 0)
	got, err := readFetchResponse(fetchResponse("t", map[uint32]fetched{
		0: {records: b},
		1: {code: codeOffsetEvicted, logStart: 40},
	}), 25, "t")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[0].records, b) || got[0].code != 0 {
		t.Errorf("partition 0: %+v", got[0])
	}
	if got[1].code != codeOffsetEvicted || got[1].logStart != 40 || got[1].msg != "0 40" {
		t.Errorf("partition 1: %+v", got[1])
	}
	if _, err := readFetchResponse(fetchResponse("t", map[uint32]fetched{0: {records: b}}), 10, "t"); err == nil {
		t.Error("a version-10 response read as 25 decoded without an error")
	}
}

// TestFirstOf: a partition whose log starts later is read again there,
// an SPU's error is the partition's.
func TestFirstOf(t *testing.T) {
	if r, again, err := firstOf(fetched{code: codeOffsetEvicted, logStart: 40}, 0); r != nil || again != firstFetchBytes || err != nil {
		t.Errorf("evicted: %v %d %v", r, again, err)
	}
	if _, _, err := firstOf(fetched{code: CodeNotLeaderForPartition}, 0); !errors.Is(err, ErrNotLeader) {
		t.Errorf("not leader: %v", err)
	}
}
