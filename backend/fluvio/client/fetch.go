package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// FirstRecord is the first record of a partition at or after an offset,
// as its batch dates it.
type FirstRecord struct {
	Offset int64 // the record's offset: later than asked when the log no longer starts there
	// Time is the record's timestamp: its batch's first_timestamp plus the
	// record's timestamp_delta (ConsumerRecord::timestamp in Fluvio's
	// client). Fluvio's producer stamps first_timestamp when it opens the
	// batch, by its own clock; the SPU keeps it as sent. Zero when the
	// batch carries no timestamp (first_timestamp <= 0).
	Time time.Time
}

const (
	// firstFetchBytes is what an SPU sends per partition in FirstRecords:
	// enough for a small first batch whole; a larger one is read again
	// alone, at its size.
	firstFetchBytes = 4 << 10
	// maxBatchBytes bounds that second read (Fluvio's default batch size
	// is 16 KiB, its largest accepted record 1 MiB).
	maxBatchBytes = 64 << 20
)

// FirstRecords reads, for each partition in from, the first record at or
// after its offset: one Fetch (API 1, the SPU's Kafka-style fetch) per
// leader SPU, reading from each partition only the first batch's bytes (a
// batch larger than 4 KiB is read again alone, whole; compressed batches
// are decompressed). A partition whose log starts later than asked (its
// first records evicted) is read again at its log start. Partitions with no
// record there yet are missing from the map, and so are those that failed;
// the error is then a *fanout.Errors naming each, AllFailed when none
// answered.
func (c *Client) FirstRecords(ctx context.Context, topic string, from map[int32]int64) (map[int32]FirstRecord, error) {
	parts := make([]int32, 0, len(from))
	for p := range from {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return map[int32]FirstRecord{}, nil
	}
	out, failed, answered, err := askLeaders(ctx, c, topic, "first records of "+topic, parts, func(ctx context.Context, cn *conn, parts []int32) (map[int32]FirstRecord, []error, error) {
		return firstRecordsAt(ctx, cn, topic, parts, from)
	})
	if err != nil {
		return nil, err
	}
	failed.AllFailed = answered == 0
	return out, failed.Err()
}

// fetched is one partition's answer to a Fetch.
type fetched struct {
	code     ErrorCode
	msg      string
	logStart int64
	records  []byte
}

// firstRecordsAt asks one SPU for parts' first batches, then each
// partition whose batch did not fit, or whose log starts later, alone (at
// most twice more: at the log start, then the whole batch).
func firstRecordsAt(ctx context.Context, cn *conn, topic string, parts []int32, from map[int32]int64) (map[int32]FirstRecord, []error, error) {
	at := make(map[int32]int64, len(parts))
	for _, p := range parts {
		at[p] = from[p]
	}
	answers, err := fetchFirst(ctx, cn, topic, parts, at, firstFetchBytes)
	if err != nil {
		return nil, nil, err
	}
	out := map[int32]FirstRecord{}
	var perr []error
	for _, p := range parts {
		a, ok := answers[p]
		for try := 0; ; try++ {
			if !ok {
				perr = append(perr, fmt.Errorf("fluvio: no answer for %s/%d", topic, p))
				break
			}
			r, again, err := firstOf(a, at[p])
			if err == nil && again > 0 && try == 2 {
				err = errors.New("fluvio: the first batch is still out of reach")
			}
			if err != nil {
				perr = append(perr, fmt.Errorf("first record of %s/%d at %d: %w", topic, p, at[p], err))
				break
			}
			if again == 0 {
				if r != nil {
					out[p] = *r
				}
				break
			}
			if a.logStart > at[p] && (a.code == codeOffsetEvicted || a.code == codeOffsetOutOfRange) {
				at[p] = a.logStart
			}
			var answers map[int32]fetched
			if answers, err = fetchFirst(ctx, cn, topic, []int32{p}, at, again); err != nil {
				perr = append(perr, fmt.Errorf("first record of %s/%d: %w", topic, p, err))
				break
			}
			a, ok = answers[p]
		}
	}
	return out, perr, nil
}

// firstOf reads one partition's answer to a Fetch at offset at: its first
// record at or after it, nothing yet, or again > 0, the bytes to read it
// again with, alone (its log starts later, or its first batch did not fit).
func firstOf(a fetched, at int64) (rec *FirstRecord, again int32, err error) {
	if (a.code == codeOffsetEvicted || a.code == codeOffsetOutOfRange) && a.logStart > at {
		return nil, firstFetchBytes, nil
	}
	if err := codeError(a.code, a.msg); err != nil {
		return nil, 0, err
	}
	return firstInBatch(a.records, at)
}

// Error codes FirstRecords reads past.
const (
	codeOffsetOutOfRange ErrorCode = 1
	codeOffsetEvicted    ErrorCode = 71
)

// fetchFirst sends one FetchRequest (fluvio-spu-schema src/fetch/request.rs;
// every field a version gates is there at 25):
//
//	max_wait i32, min_bytes i32, max_bytes i32 (v3), isolation u8 (v4),
//	topics Vec<{ name, fetch_partitions Vec<{ partition_index u32,
//	  current_leader_epoch i32 (v9), fetch_offset i64,
//	  log_start_offset i64 (v5), max_bytes i32 }> }>,
//	forgotten Vec<{ name, Vec<i32> }> (v7)
//
// The SPU reads at most the request's max_bytes of each partition (it
// ignores the partition's own), from the start of the batch holding
// fetch_offset, up to the high watermark (ReadCommitted), and cuts the
// bytes there, mid-batch if need be. It answers FetchResponse {
// throttle_time_ms i32, error_code, session_id i32, topics Vec<{ name,
// partitions Vec<{ partition_index u32, error_code, high_watermark i64,
// next_filter_offset i64 (v11), log_start_offset i64,
// aborted Option<Vec<{ producer_id i64, first_offset i64 }>>,
// records: i32 length + batches }> }> }.
func fetchFirst(ctx context.Context, cn *conn, topic string, parts []int32, at map[int32]int64, maxBytes int32) (map[int32]fetched, error) {
	resp, v, err := cn.call(ctx, apiFetch, func(w *writer, v int16) {
		w.i32(0) // max_wait: answer at once
		w.i32(0) // min_bytes
		if v >= 3 {
			w.i32(maxBytes)
		}
		if v >= 4 {
			w.u8(1) // ReadCommitted: up to the high watermark, what EndOffsets reports
		}
		w.count(1)
		w.str(topic)
		w.count(len(parts))
		for _, p := range parts {
			w.u32(uint32(p))
			if v >= 9 {
				w.i32(-1)
			}
			w.i64(at[p])
			if v >= 5 {
				w.i64(-1)
			}
			w.i32(maxBytes)
		}
		if v >= 7 {
			w.count(0)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", cn.peer, err)
	}
	return readFetchResponse(resp, v, topic)
}

func readFetchResponse(resp []byte, v int16, topic string) (map[int32]fetched, error) {
	r := reader{b: resp}
	r.i32() // throttle_time_ms
	code, msg := readErrorCode(&r)
	r.i32() // session_id
	out := map[int32]fetched{}
	for nt := r.count(); nt > 0; nt-- {
		name := r.str()
		for np := r.count(); np > 0 && r.err == nil; np-- {
			p := int32(r.u32())
			var f fetched
			f.code, f.msg = readErrorCode(&r)
			r.i64() // high_watermark
			if v >= 11 {
				r.i64() // next_filter_offset
			}
			f.logStart = r.i64()
			if r.present() { // aborted transactions
				for na := r.count(); na > 0; na-- {
					r.i64()
					r.i64()
				}
			}
			if n := r.i32(); n > 0 {
				f.records = r.take(int(n))
			}
			if name == topic {
				out[p] = f
			}
		}
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("fetch response: %w", err)
	}
	if err := codeError(code, msg); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	return out, nil
}

// Batch header offsets (records.go has the layout): the bytes before
// batch_len, and where each field FirstRecords reads starts.
const (
	batchPreamble      = 12 // base_offset i64, batch_len i32
	batchAttributesAt  = 21
	batchFirstStampAt  = 27
	batchRecordsAt     = batchPreamble + batchHeaderSize
	attrCompression    = 0x07
	attrSchemaPresent  = 0x10
	compressionGzip    = 1
	compressionSnappy  = 2
	compressionLz4     = 3
	compressionZstd    = 4
	maxDecompressBytes = 64 << 20
)

// firstInBatch finds the first record at or after offset from in b, the
// bytes an SPU sent from the start of the batch holding from. need > 0
// says b holds only part of that batch, which is need bytes long. No
// record (and no error) when b is empty.
func firstInBatch(b []byte, from int64) (rec *FirstRecord, need int32, err error) {
	bt, _, need, err := nextBatch(b)
	if bt == nil || err != nil {
		return nil, need, err
	}
	err = bt.each(func(r batchRecord) bool {
		if r.offset < from {
			return true
		}
		rec = &FirstRecord{Offset: r.offset, Time: r.time}
		return false
	})
	if err != nil || rec != nil {
		return rec, 0, err
	}
	return nil, 0, fmt.Errorf("fluvio: the batch at %d has no record at or after %d", bt.base, from)
}

// batch is one whole batch, its records decompressed.
type batch struct {
	base       int64
	firstStamp int64
	records    []byte // the records Vec: i32 count, then each record
}

// batchRecord is one record of a batch. key and value alias the batch's
// bytes.
type batchRecord struct {
	offset int64
	time   time.Time // zero when the batch carries no timestamp
	keyed  bool
	key    []byte
	value  []byte
}

// nextBatch reads the batch at the start of b, the bytes an SPU sent
// (batches, the last of them maybe cut short), and returns it and the
// bytes after it. need > 0 (and no batch) says b holds only part of the
// batch, which is need bytes long; no batch, no need and no error when b
// is empty. The batch's CRC is not checked: Fluvio computes it when
// encoding, but neither its SPU nor its consumer checks it, so a batch
// Fluvio serves may carry any.
func nextBatch(b []byte) (bt *batch, rest []byte, need int32, err error) {
	if len(b) == 0 {
		return nil, nil, 0, nil
	}
	if len(b) < batchPreamble {
		return nil, nil, batchPreamble + batchHeaderSize, nil
	}
	base := int64(binary.BigEndian.Uint64(b))
	size := int64(binary.BigEndian.Uint32(b[8:])) + batchPreamble
	if size < batchRecordsAt || size > maxBatchBytes {
		return nil, nil, 0, fmt.Errorf("fluvio: a batch of %d bytes", size)
	}
	if int64(len(b)) < size {
		return nil, nil, int32(size), nil
	}
	b, rest = b[:size], b[size:]
	if magic := b[16]; magic != 2 {
		return nil, nil, 0, fmt.Errorf("fluvio: batch magic %d", magic)
	}
	attrs := int16(binary.BigEndian.Uint16(b[batchAttributesAt:]))
	bt = &batch{base: base, firstStamp: int64(binary.BigEndian.Uint64(b[batchFirstStampAt:])), records: b[batchRecordsAt:]}
	if attrs&attrSchemaPresent != 0 {
		if len(bt.records) < 4 {
			return nil, nil, 0, errors.New("fluvio: a batch too short for its schema id")
		}
		bt.records = bt.records[4:]
	}
	if c := attrs & attrCompression; c != 0 {
		if bt.records, err = decompress(c, bt.records); err != nil {
			return nil, nil, 0, fmt.Errorf("fluvio: decompressing the batch at %d: %w", base, err)
		}
	}
	return bt, rest, 0, nil
}

// each calls fn with the batch's records in order while fn returns true.
// Each record (records.go has the layout) is its length, then attributes,
// deltas, key, value and headers.
func (bt *batch) each(fn func(batchRecord) bool) error {
	r := reader{b: bt.records}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		rr := reader{b: r.take(int(r.varint()))}
		rr.u8()
		stampDelta, offsetDelta := rr.varint(), rr.varint()
		rec := batchRecord{offset: bt.base + offsetDelta}
		if bt.firstStamp > 0 {
			rec.time = time.UnixMilli(bt.firstStamp + stampDelta)
		}
		if rec.keyed = rr.present(); rec.keyed {
			rec.key = rr.varBytes()
		}
		rec.value = rr.varBytes()
		if rr.err != nil {
			return fmt.Errorf("fluvio: a record of the batch at %d: %w", bt.base, rr.err)
		}
		if !fn(rec) {
			return nil
		}
	}
	if r.err != nil {
		return fmt.Errorf("fluvio: the batch at %d: %w", bt.base, r.err)
	}
	return nil
}

// decompress undoes a batch's compression (fluvio-compression: gzip, the
// snappy and LZ4 frame formats, zstd), reading at most 64 MiB.
func decompress(codec int16, src []byte) ([]byte, error) {
	var rd io.Reader
	switch codec {
	case compressionGzip:
		zr, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		rd = zr
	case compressionSnappy:
		rd = snappy.NewReader(bytes.NewReader(src))
	case compressionLz4:
		rd = lz4.NewReader(bytes.NewReader(src))
	case compressionZstd:
		zr, err := zstd.NewReader(bytes.NewReader(src), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		rd = zr
	default:
		return nil, fmt.Errorf("unknown compression %d", codec)
	}
	out, err := io.ReadAll(io.LimitReader(rd, maxDecompressBytes+1))
	if err == nil && len(out) > maxDecompressBytes {
		err = errors.New("more than 64 MiB")
	}
	return out, err
}
