package client

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// ProduceResult is the outcome for one partition of a Produce call.
type ProduceResult struct {
	BaseOffset int64 // BaseOffset is the offset of the partition's first record in this call.
	Err        error // Err is this partition's failure (errors.Is: ErrNotLeader, ErrSPUOffline, ...), or nil.
}

// defaultCommitWait is how long the SPU waits for a write to commit when
// ctx has no deadline (Fluvio's producer default timeout, 1.5 s).
const defaultCommitWait = 1500 * time.Millisecond

// Produce writes values (records without keys) to partitions of topic; see
// ProduceRecords.
func (c *Client) Produce(ctx context.Context, topic string, batches map[int32][][]byte) (map[int32]ProduceResult, error) {
	recs := make(map[int32][]Record, len(batches))
	for p, values := range batches {
		rs := make([]Record, len(values))
		for i, v := range values {
			rs[i].Value = v
		}
		recs[p] = rs
	}
	return c.ProduceRecords(ctx, topic, recs)
}

// ProduceRecords sends each partition's records, as one batch, to that
// partition's leader SPU and waits until the SPU has committed them (the
// high watermark passed them, Isolation::ReadCommitted), so a following
// EndOffsets sees them. Partitions led by the same SPU share one request;
// requests to different SPUs run in parallel, and concurrent calls share
// each SPU's connection with requests in flight side by side.
//
// The error is non-nil only when nothing could be sent (unknown topic, SC
// unreachable); failures of single partitions are in their ProduceResult.
// Partitions with no records are skipped. Nothing is retried: after an
// ErrSPUOffline or ErrNotLeader the next call reconnects and asks the SC
// for leaders again.
func (c *Client) ProduceRecords(ctx context.Context, topic string, batches map[int32][]Record) (map[int32]ProduceResult, error) {
	parts := make([]int32, 0, len(batches))
	for p, rs := range batches {
		if len(rs) > 0 {
			parts = append(parts, p)
		}
	}
	slices.Sort(parts)
	results := make(map[int32]ProduceResult, len(parts))
	if len(parts) == 0 {
		return results, nil
	}
	groups, missing, err := c.groupByLeader(ctx, topic, parts)
	if err != nil {
		return nil, err
	}
	for _, p := range missing {
		results[p] = ProduceResult{BaseOffset: -1, Err: fmt.Errorf("%w: %s/%d", ErrUnknownPartition, topic, p)}
	}
	var mu sync.Mutex // guards results
	errs := c.atLeaders(ctx, groups, func(cn *conn, g leaderGroup) error {
		got, err := produceTo(ctx, cn, topic, g.parts, batches)
		mu.Lock()
		defer mu.Unlock()
		for p, r := range got {
			results[p] = r
		}
		return err
	})
	for i, g := range groups {
		for _, p := range g.parts {
			if _, ok := results[p]; ok {
				continue
			}
			err := errs[i]
			if err == nil {
				err = fmt.Errorf("fluvio: SPU %d sent no result for %s/%d", g.spu, topic, p)
			}
			results[p] = ProduceResult{BaseOffset: -1, Err: err}
		}
	}
	resErrs := make([]error, 0, len(results)) // a group's error is its partitions' too
	for _, r := range results {
		resErrs = append(resErrs, r.Err)
	}
	c.dropStaleRoutes(resErrs)
	return results, nil
}

// produceTo sends one ProduceRequest for parts of topic to an SPU.
func produceTo(ctx context.Context, cn *conn, topic string, parts []int32, batches map[int32][]Record) (map[int32]ProduceResult, error) {
	now, wait := time.Now(), commitWait(ctx)
	resp, v, err := cn.call(ctx, apiProduce, func(w *writer, v int16) {
		writeProduceRequest(w, topic, parts, batches, wait, now)
	})
	if err != nil {
		return nil, fmt.Errorf("produce to %s: %w", cn.peer, err)
	}
	return readProduceResponse(resp, v, topic)
}

// writeProduceRequest encodes ProduceRequest { transactional_id Option<String>,
// isolation i16, timeout_ms i32, topics Vec<{ name, partitions Vec<{
// partition_index u32, records RecordSet }> }>, smartmodules Vec }. Its
// encoder is hand-written (fluvio-spu-schema src/produce/request.rs) and
// writes transactional_id at every version, despite the field's
// min_version = 3 attribute; nothing else depends on the version.
func writeProduceRequest(w *writer, topic string, parts []int32, batches map[int32][]Record, waitMs int32, ts time.Time) {
	w.none()  // transactional_id
	w.i16(-1) // isolation, as Kafka acks: -1 ReadCommitted, 1 ReadUncommitted
	w.i32(waitMs)
	w.count(1)
	w.str(topic)
	w.count(len(parts))
	for _, p := range parts {
		w.u32(uint32(p))
		at := len(w.b)
		w.i32(0) // RecordSet: i32 byte length, then batches; patched below
		w.b = appendBatch(w.b, batches[p], ts)
		binary.BigEndian.PutUint32(w.b[at:], uint32(len(w.b)-at-4))
	}
	w.count(0) // smartmodules
}

// readProduceResponse decodes ProduceResponse { Vec<TopicProduceResponse { name,
// Vec<PartitionProduceResponse { partition_index u32, error_code, base_offset i64,
// log_append_time_ms i64 (v2), log_start_offset i64 (v5) }> }>, throttle_time_ms i32 (v1) }.
func readProduceResponse(resp []byte, v int16, topic string) (map[int32]ProduceResult, error) {
	r := reader{b: resp}
	out := map[int32]ProduceResult{}
	for nt := r.count(); nt > 0; nt-- {
		name := r.str()
		for np := r.count(); np > 0 && r.err == nil; np-- {
			p := int32(r.u32())
			code, msg := readErrorCode(&r)
			res := ProduceResult{BaseOffset: r.i64()}
			if v >= 2 {
				r.i64()
			}
			if v >= 5 {
				r.i64()
			}
			if res.Err = codeError(code, msg); res.Err != nil {
				res.BaseOffset = -1
				res.Err = fmt.Errorf("produce to %s/%d: %w", name, p, res.Err)
			}
			if name == topic {
				out[p] = res
			}
		}
	}
	if v >= 1 {
		r.i32()
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("produce response: %w", err)
	}
	return out, nil
}

// commitWait is the SPU's commit timeout: ctx's remaining time, else the default.
func commitWait(ctx context.Context) int32 {
	d := defaultCommitWait
	if dl, ok := ctx.Deadline(); ok {
		d = max(time.Until(dl), time.Millisecond)
	}
	return int32(min(d.Milliseconds(), math.MaxInt32))
}
