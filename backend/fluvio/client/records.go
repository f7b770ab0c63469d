package client

import (
	"encoding/binary"
	"hash/crc32"
	"time"
)

// Record is one record to produce. Key may be nil (no key); Value is the payload.
type Record struct {
	Key   []byte // Key is optional; nil means the record has no key.
	Value []byte // Value is the record's payload.
}

// Batch layout (fluvio-protocol src/record/batch.rs, Encoder for Batch),
// Kafka's "magic 2" record batch with Fluvio's own record encoding:
//
//	base_offset            i64   0; the SPU assigns offsets
//	batch_len              i32   bytes after this field (45-byte header rest + records)
//	partition_leader_epoch i32   -1
//	magic                  i8    2
//	crc                    u32   CRC-32C (Castagnoli) of everything after it
//	attributes             i16   bits 0-2 compression (0 none), 0x10 schema id present
//	last_offset_delta      i32   records - 1
//	first_timestamp        i64   ms since epoch
//	max_time_stamp         i64   first_timestamp + last record's timestamp delta
//	producer_id            i64   -1
//	producer_epoch         i16   -1
//	first_sequence         i32   -1
//	records                Vec<Record>: i32 count, then each record
//
// and each record (src/record/data.rs, Encoder for Record):
//
//	length          varint  bytes of the rest of the record
//	attributes      i8      0
//	timestamp_delta varint  ms since first_timestamp
//	offset_delta    varint  index in the batch
//	key             Option<RecordData>: bool byte, then varint length + bytes
//	value           RecordData: varint length + bytes
//	headers         varint  0 (Fluvio keeps only a header count)
//
// Unlike Kafka, a missing key is a 0 "present" byte, not a varint -1.

// batchHeaderSize is the part of the header counted in batch_len.
const batchHeaderSize = 45

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendBatch appends one uncompressed batch holding records, all stamped
// with ts (so every timestamp delta is 0).
func appendBatch(dst []byte, records []Record, ts time.Time) []byte {
	w := writer{b: dst}
	w.i64(0)
	lenAt := len(w.b)
	w.i32(0) // batch_len, patched below
	w.i32(-1)
	w.i8(2)
	crcAt := len(w.b)
	w.u32(0) // crc, patched below
	w.i16(0)
	w.i32(int32(len(records) - 1))
	w.i64(ts.UnixMilli())
	w.i64(ts.UnixMilli())
	w.i64(-1)
	w.i16(-1)
	w.i32(-1)
	w.count(len(records))
	var rec writer
	for i, r := range records {
		rec.b = rec.b[:0]
		rec.i8(0)
		rec.varint(0)
		rec.varint(int64(i))
		if r.Key == nil {
			rec.none()
		} else {
			rec.bool(true)
			rec.varBytes(r.Key)
		}
		rec.varBytes(r.Value)
		rec.varint(0)
		w.varint(int64(len(rec.b)))
		w.raw(rec.b)
	}
	binary.BigEndian.PutUint32(w.b[lenAt:], uint32(len(w.b)-lenAt-4))
	binary.BigEndian.PutUint32(w.b[crcAt:], crc32.Checksum(w.b[crcAt+4:], castagnoli))
	return w.b
}
