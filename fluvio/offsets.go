package fluvio

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"partop/fanout"
)

// EndOffsets returns the high watermark (the offset the next committed
// record will get) of each listed partition, asking each leader SPU once
// with the fetch-offsets API. Partitions that fail are missing from the
// map; the error is then a *fanout.Errors naming each leader and partition
// that failed, AllFailed when none answered.
func (c *Client) EndOffsets(ctx context.Context, topic string, partitions []int32) (map[int32]int64, error) {
	parts := slices.Clone(partitions)
	slices.Sort(parts)
	parts = slices.Compact(parts)
	out := make(map[int32]int64, len(parts))
	if len(parts) == 0 {
		return out, nil
	}
	groups, missing, err := c.groupByLeader(ctx, topic, parts)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex // guards out and failed
	failed := &fanout.Errors{What: "end offsets of " + topic}
	for _, p := range missing {
		failed.Add(fmt.Errorf("%w: %s/%d", ErrUnknownPartition, topic, p))
	}
	groupErrs := c.atLeaders(ctx, groups, func(cn *conn, g leaderGroup) error {
		got, perr, err := fetchOffsets(ctx, cn, topic, g.parts)
		mu.Lock()
		defer mu.Unlock()
		for p, hw := range got {
			out[p] = hw
		}
		failed.Errs = append(failed.Errs, perr...)
		return err
	})
	for i, g := range groups {
		if groupErrs[i] != nil {
			failed.Add(fmt.Errorf("SPU %d (%s): %w", g.spu, fanout.Partitions(g.parts), groupErrs[i]))
		}
	}
	for _, p := range parts {
		if _, ok := out[p]; !ok && len(failed.Errs) == 0 {
			failed.Add(fmt.Errorf("fluvio: no end offset returned for %s/%d", topic, p))
		}
	}
	c.dropStaleRoutes(failed.Errs)
	failed.AllFailed = len(out) == 0
	return out, failed.Err()
}

// fetchOffsets sends one FetchOffsetsRequest { topics Vec<{ name,
// partitions Vec<{ partition_index u32 }> }>, consumer_id Option<String>
// (only at version 23) } and decodes FetchOffsetsResponse { topics Vec<{
// name, partitions Vec<{ error_code, partition_index u32, start_offset i64,
// last_stable_offset i64 }> }> }; no field is version-gated in the
// response. last_stable_offset is the high watermark.
func fetchOffsets(ctx context.Context, cn *conn, topic string, parts []int32) (map[int32]int64, []error, error) {
	resp, _, err := cn.call(ctx, apiFetchOffsets, func(w *writer, v int16) {
		w.count(1)
		w.str(topic)
		w.count(len(parts))
		for _, p := range parts {
			w.u32(uint32(p))
		}
		if v == 23 {
			w.none()
		}
	})
	if err != nil {
		return nil, nil, err
	}
	r := reader{b: resp}
	out := map[int32]int64{}
	var perr []error
	for nt := r.count(); nt > 0; nt-- {
		name := r.str()
		for np := r.count(); np > 0 && r.err == nil; np-- {
			code, msg := readErrorCode(&r)
			p := int32(r.u32())
			r.i64() // start offset
			hw := r.i64()
			if err := codeError(code, msg); err != nil {
				perr = append(perr, fmt.Errorf("end offset of %s/%d: %w", name, p, err))
			} else if name == topic {
				out[p] = hw
			}
		}
	}
	if err := r.done(); err != nil {
		return nil, nil, fmt.Errorf("fetch offsets response: %w", err)
	}
	return out, perr, nil
}
