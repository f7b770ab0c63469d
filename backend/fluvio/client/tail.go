package client

import (
	"context"
	"fmt"
	"slices"
)

// TailRecord is one record TailRecords read.
type TailRecord struct {
	Offset int64
	// Key is the record's key: nil when it has none (Fluvio's key is an
	// Option), empty but not nil when it is empty. It aliases the fetched
	// bytes: copy what is kept.
	Key []byte
	// ValueBytes is the length of the record's value.
	ValueBytes int
}

// Tail is what TailRecords read of one partition.
type Tail struct {
	// Records are the records at or after the offset asked for, in the
	// whole batches that came, in offset order.
	Records []TailRecord
	// Bytes are the batches' bytes the SPU sent (the last maybe cut short
	// by maxBytes), and Batches and BatchRecords the whole batches among
	// them and the records they hold, those before the offset asked for
	// included: what a caller sizes its next read by.
	Bytes, Batches, BatchRecords int
	// Need > 0 says the first batch did not fit in maxBytes: it is Need
	// bytes long, and no record came.
	Need int32
	// From is where the read began: later than asked when the log starts
	// later (its first records evicted).
	From int64
}

// TailRecords reads, for each partition in from, the records of every
// whole batch the SPU sends from that offset within maxBytes: one Fetch
// per leader SPU (the SPU reads at most maxBytes of each partition, from
// the start of the batch holding the offset, up to the high watermark,
// cutting the last batch short if need be; a batch cut short is left
// out). Compressed batches are decompressed. A partition whose log starts
// later than asked is read again at its log start. Partitions that failed
// are missing from the map; the error is then a *fanout.Errors naming
// each, AllFailed when none answered.
func (c *Client) TailRecords(ctx context.Context, topic string, from map[int32]int64, maxBytes int32) (map[int32]Tail, error) {
	parts := make([]int32, 0, len(from))
	for p := range from {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return map[int32]Tail{}, nil
	}
	out, failed, answered, err := askLeaders(ctx, c, topic, "records of "+topic, parts, func(ctx context.Context, cn *conn, parts []int32) (map[int32]Tail, []error, error) {
		return tailsAt(ctx, cn, topic, parts, from, maxBytes)
	})
	if err != nil {
		return nil, err
	}
	failed.AllFailed = answered == 0
	return out, failed.Err()
}

// tailsAt reads parts from one SPU, then, once more, the partitions whose
// log starts later than asked, at their log start.
func tailsAt(ctx context.Context, cn *conn, topic string, parts []int32, from map[int32]int64, maxBytes int32) (map[int32]Tail, []error, error) {
	at := make(map[int32]int64, len(parts))
	for _, p := range parts {
		at[p] = from[p]
	}
	answers, err := fetchFirst(ctx, cn, topic, parts, at, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	var evicted []int32
	for _, p := range parts {
		if a, ok := answers[p]; ok && evictedBefore(a, at[p]) {
			evicted = append(evicted, p)
			at[p] = a.logStart
		}
	}
	if len(evicted) > 0 {
		again, err := fetchFirst(ctx, cn, topic, evicted, at, maxBytes)
		if err != nil {
			return nil, nil, err
		}
		for p, a := range again {
			answers[p] = a
		}
	}
	out := make(map[int32]Tail, len(parts))
	var perr []error
	for _, p := range parts {
		a, ok := answers[p]
		if !ok {
			perr = append(perr, fmt.Errorf("fluvio: no answer for %s/%d", topic, p))
			continue
		}
		if evictedBefore(a, at[p]) {
			perr = append(perr, fmt.Errorf("records of %s/%d at %d: the log starts at %d", topic, p, at[p], a.logStart))
			continue
		}
		if err := codeError(a.code, a.msg); err != nil {
			perr = append(perr, fmt.Errorf("records of %s/%d at %d: %w", topic, p, at[p], err))
			continue
		}
		t, err := tailOf(a.records, at[p])
		if err != nil {
			perr = append(perr, fmt.Errorf("records of %s/%d at %d: %w", topic, p, at[p], err))
			continue
		}
		out[p] = t
	}
	return out, perr, nil
}

// evictedBefore says a partition's answer is that its log starts after
// offset at.
func evictedBefore(a fetched, at int64) bool {
	return (a.code == codeOffsetEvicted || a.code == codeOffsetOutOfRange) && a.logStart > at
}

// tailOf decodes every whole batch in b, the bytes an SPU sent from the
// start of the batch holding offset from: the records at or after from.
// A batch cut short ends the read; when it is the first, Need says its
// length.
func tailOf(b []byte, from int64) (Tail, error) {
	t := Tail{Bytes: len(b), From: from}
	for len(b) > 0 {
		bt, rest, need, err := nextBatch(b)
		if err != nil {
			return t, err
		}
		if bt == nil {
			if t.Batches == 0 {
				t.Need = need
			}
			break
		}
		t.Batches++
		err = bt.each(func(r batchRecord) bool {
			t.BatchRecords++
			if r.offset >= from {
				tr := TailRecord{Offset: r.offset, ValueBytes: len(r.value)}
				if r.keyed {
					tr.Key = r.key
					if tr.Key == nil {
						tr.Key = []byte{}
					}
				}
				t.Records = append(t.Records, tr)
			}
			return true
		})
		if err != nil {
			return t, err
		}
		b = rest
	}
	return t, nil
}
