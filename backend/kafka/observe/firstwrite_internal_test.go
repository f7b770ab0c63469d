package observe

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// batch encodes a magic-2 record batch at firstOffset with one record per
// timestamp delta, as a broker stores it (CRC-32C over what follows it).
// Attribute bits: 0x07 compression (1: gzip), 0x08 LogAppendTime, 0x20
// control.
func batch(t *testing.T, firstOffset int64, attrs int16, firstTS, maxTS int64, deltas ...int64) []byte {
	t.Helper()
	var recs []byte
	for i, d := range deltas {
		r := kmsg.NewRecord()
		r.TimestampDelta64, r.OffsetDelta, r.Value = d, int32(i), []byte("value")
		r.Length = int32(len(r.AppendTo(nil)) - 1) // the length varint of 0 takes one byte
		recs = r.AppendTo(recs)
	}
	if attrs&0x07 == 1 {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(recs); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		recs = buf.Bytes()
	}
	rb := kmsg.NewRecordBatch()
	rb.FirstOffset, rb.PartitionLeaderEpoch, rb.Magic, rb.Attributes = firstOffset, 0, 2, attrs
	rb.LastOffsetDelta, rb.FirstTimestamp, rb.MaxTimestamp = int32(len(deltas)-1), firstTS, maxTS
	rb.ProducerID, rb.ProducerEpoch, rb.FirstSequence = -1, -1, -1
	rb.NumRecords, rb.Records = int32(len(deltas)), recs
	raw := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(raw[8:], uint32(len(raw)-12))
	binary.BigEndian.PutUint32(raw[17:], crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)))
	return raw
}

func answer(batches ...[]byte) *kmsg.FetchResponseTopicPartition {
	rp := kmsg.NewFetchResponseTopicPartition()
	rp.HighWatermark = 100
	rp.RecordBatches = bytes.Join(batches, nil)
	return &rp
}

func ms(n int64) time.Time { return time.UnixMilli(n) }

// TestDecodeFirst: the first record at or after the offset read, dated by
// its own timestamp as the batch says (CreateTime: the first timestamp plus
// the record's delta; LogAppendTime: the broker's), through compression; a
// batch that did not fit, control records and a log that starts later are
// read again, not dated.
func TestDecodeFirst(t *testing.T) {
	t.Parallel()
	control := batch(t, 0, 0x20|0x10, 500, 500, 0)
	whole := batch(t, 0, 0, 1000, 1100, 7, 100)
	outOfRange := kmsg.NewFetchResponseTopicPartition()
	outOfRange.ErrorCode, outOfRange.LogStartOffset = kerr.OffsetOutOfRange.Code, 7
	empty := answer()
	empty.HighWatermark = 0
	for _, tc := range []struct {
		name string
		rp   *kmsg.FetchResponseTopicPartition
		from int64
		want firstRecord
	}{
		{"create time", answer(whole), 0, firstRecord{at: ms(1007), next: -1}},
		{"gzip", answer(batch(t, 0, 1, 1000, 1100, 3, 100)), 0, firstRecord{at: ms(1003), next: -1}},
		{"log append time", answer(batch(t, 0, 0x08, 1000, 2500, 0, 100)), 0, firstRecord{at: ms(2500), logAppend: true, next: -1}},
		{"a batch begun before the offset", answer(batch(t, 3, 0, 1000, 1020, 0, 10, 20)), 4, firstRecord{at: ms(1010), next: -1}},
		{"control records first", answer(control), 0, firstRecord{next: 1}},
		{"control records, then records", answer(control, batch(t, 1, 0, 2000, 2000, 0)), 0, firstRecord{at: ms(2000), next: -1}},
		{"truncated", answer(whole[:len(whole)-5]), 0, firstRecord{truncated: true, next: -1}},
		{"none of it", answer(), 0, firstRecord{truncated: true, next: -1}},
		{"nothing yet", empty, 0, firstRecord{next: -1}},
		{"the log starts later", &outOfRange, 0, firstRecord{next: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeFirst("t", tc.rp, tc.from)
			if got.err != nil || !got.at.Equal(tc.want.at) || got.logAppend != tc.want.logAppend || got.next != tc.want.next || got.truncated != tc.want.truncated || got.noTime {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestDecodeFirstFailures: a broker's error, an offset out of range at the
// log start itself, and a batch whose CRC does not match are errors (a
// problem, read again at the next poll), never a date.
func TestDecodeFirstFailures(t *testing.T) {
	t.Parallel()
	notLeader := kmsg.NewFetchResponseTopicPartition()
	notLeader.ErrorCode = kerr.NotLeaderForPartition.Code
	outOfRange := kmsg.NewFetchResponseTopicPartition()
	outOfRange.ErrorCode, outOfRange.LogStartOffset = kerr.OffsetOutOfRange.Code, 0
	corrupt := batch(t, 0, 0, 1000, 1000, 0)
	corrupt[len(corrupt)-1] ^= 0xff
	for name, tc := range map[string]struct {
		rp   *kmsg.FetchResponseTopicPartition
		want error
	}{
		"not leader":   {&notLeader, kerr.NotLeaderForPartition},
		"out of range": {&outOfRange, kerr.OffsetOutOfRange},
		"crc":          {answer(corrupt), nil},
	} {
		got := decodeFirst("t", tc.rp, 0)
		if got.err == nil || (tc.want != nil && !errors.Is(got.err, tc.want)) || !got.at.IsZero() {
			t.Errorf("%s: got %+v, want the error %v", name, got, tc.want)
		}
	}
}

// TestDecodeFirstMessageV0: a record in message format v0 has no
// timestamp; it is found, and said to have none.
func TestDecodeFirstMessageV0(t *testing.T) {
	t.Parallel()
	m := kmsg.MessageV0{Magic: 0, Value: []byte("old")}
	raw := m.AppendTo(nil)
	binary.BigEndian.PutUint32(raw[8:], uint32(len(raw)-12))
	binary.BigEndian.PutUint32(raw[12:], crc32.ChecksumIEEE(raw[16:]))
	got := decodeFirst("t", answer(raw), 0)
	if got.err != nil || !got.noTime || !got.at.IsZero() {
		t.Fatalf("got %+v, want a record with no timestamp", got)
	}
}
