package client

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// based is batch b (appendBatch's) at base offset base.
func based(b []byte, base int64) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint64(b, uint64(base))
	return b
}

// compressed is appendBatch's batch b with its records compressed by
// codec, as Fluvio's producer sends it.
func compressed(t *testing.T, b []byte, codec int16) []byte {
	t.Helper()
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
	if _, err := zw.Write(b[batchRecordsAt:]); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out := append(bytes.Clone(b[:batchRecordsAt]), buf.Bytes()...)
	binary.BigEndian.PutUint32(out[8:], uint32(len(out)-batchPreamble))
	binary.BigEndian.PutUint16(out[batchAttributesAt:], uint16(codec))
	return out
}

// TestTailOf: every record of every whole batch at or after the offset,
// keys as Fluvio's Option (none, empty, some), value lengths, through
// every compression; a last batch cut short is left out, a first one says
// its length.
func TestTailOf(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	first := appendBatch(nil, []Record{
		{Key: nil, Value: []byte("v0")},
		{Key: []byte{}, Value: []byte("value1")},
		{Key: []byte("k2"), Value: nil},
	}, now)
	second := based(appendBatch(nil, []Record{{Key: []byte("k3"), Value: []byte("0123")}, {Key: []byte("k4"), Value: []byte("x")}}, now), 3)
	type rec struct {
		off   int64
		key   string
		keyed bool
		value int
	}
	all := []rec{{0, "", false, 2}, {1, "", true, 6}, {2, "k2", true, 0}, {3, "k3", true, 4}, {4, "k4", true, 1}}
	check := func(name string, b []byte, from int64, want []rec, batches int, need int32) {
		t.Helper()
		got, err := tailOf(b, from)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Bytes != len(b) || got.Batches != batches || got.Need != need || got.From != from {
			t.Errorf("%s: bytes %d batches %d need %d from %d, want %d %d %d %d", name, got.Bytes, got.Batches, got.Need, got.From, len(b), batches, need, from)
		}
		if len(got.Records) != len(want) {
			t.Fatalf("%s: %d records, want %d: %+v", name, len(got.Records), len(want), got.Records)
		}
		for i, w := range want {
			g := got.Records[i]
			if g.Offset != w.off || string(g.Key) != w.key || (g.Key != nil) != w.keyed || g.ValueBytes != w.value {
				t.Errorf("%s: record %d is %+v (keyed %v), want %+v", name, i, g, g.Key != nil, w)
			}
		}
	}
	both := append(bytes.Clone(first), second...)
	check("two batches", both, 0, all, 2, 0)
	check("from inside the first", both, 2, all[2:], 2, 0)
	check("the last cut short", both[:len(both)-3], 0, all[:3], 1, 0)
	check("the first cut short", both[:20], 0, nil, 0, int32(len(first)))
	check("the first cut in its preamble", both[:5], 0, nil, 0, batchRecordsAt)
	check("nothing", nil, 0, nil, 0, 0)
	for _, codec := range []int16{compressionGzip, compressionSnappy, compressionLz4, compressionZstd} {
		b := append(compressed(t, first, codec), compressed(t, second, codec)...)
		check("compression "+string(rune('0'+codec)), b, 1, all[1:], 2, 0)
	}
	got, err := tailOf(append(bytes.Clone(first), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 0)
	if err == nil {
		t.Errorf("a batch of 13 bytes read as %+v", got)
	}
	bad := bytes.Clone(first)
	bad[len(bad)-2] = 0x7f // the last record's value claims more bytes than there are
	if got, err := tailOf(bad, 0); err == nil {
		t.Errorf("a record longer than its batch read as %+v", got)
	}
}
