package client

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"partop/internal/fanout"
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
	if len(parts) == 0 {
		return map[int32]int64{}, nil
	}
	out, failed, _, err := askLeaders(ctx, c, topic, "end offsets of "+topic, parts, func(ctx context.Context, cn *conn, parts []int32) (map[int32]int64, []error, error) {
		return fetchOffsets(ctx, cn, topic, parts)
	})
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		if _, ok := out[p]; !ok && len(failed.Errs) == 0 {
			failed.Add(fmt.Errorf("fluvio: no end offset returned for %s/%d", topic, p))
		}
	}
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

// askLeaders asks each leader SPU of parts at once, each about its own
// partitions, and gathers their per-partition answers into one map. What
// failed (partitions the SC does not know, an SPU, a partition's own error)
// is in one *fanout.Errors named what; answered counts the SPUs that
// answered. Routes a failure shows stale are dropped.
func askLeaders[V any](ctx context.Context, c *Client, topic, what string, parts []int32,
	ask func(ctx context.Context, cn *conn, parts []int32) (map[int32]V, []error, error),
) (out map[int32]V, failed *fanout.Errors, answered int, err error) {
	groups, missing, err := c.groupByLeader(ctx, topic, parts)
	if err != nil {
		return nil, nil, 0, err
	}
	out = make(map[int32]V, len(parts))
	failed = &fanout.Errors{What: what}
	for _, p := range missing {
		failed.Add(fmt.Errorf("%w: %s/%d", ErrUnknownPartition, topic, p))
	}
	var mu sync.Mutex // guards out, failed and answered
	groupErrs := c.atLeaders(ctx, groups, func(cn *conn, g leaderGroup) error {
		got, perr, err := ask(ctx, cn, g.parts)
		mu.Lock()
		defer mu.Unlock()
		for p, v := range got {
			out[p] = v
		}
		failed.Errs = append(failed.Errs, perr...)
		if err == nil {
			answered++
		}
		return err
	})
	for i, g := range groups {
		if groupErrs[i] != nil {
			failed.Add(fmt.Errorf("SPU %d (%s): %w", g.spu, fanout.Partitions(g.parts), groupErrs[i]))
		}
	}
	c.dropStaleRoutes(failed.Errs)
	return out, failed, answered, nil
}
