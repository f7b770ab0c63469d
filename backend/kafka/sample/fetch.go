package sample

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/internal/fanout"
	"partop/keys"
)

// result is one leader's part of a round.
type result struct {
	leader int32
	parts  []partResult
	bytes  int   // record-batch bytes this leader sent
	share  int   // its share of the budget: its reads' maxBytes
	err    error // the request failed: every partition in it
}

// partResult is one partition's read.
type partResult struct {
	id           int32
	end          int64 // its end offset as the round began
	sample       keys.PartitionSample
	bytes        int   // record-batch bytes read
	batchRecords int   // records in the batches read, control records and those before the offset asked included
	batches      int   // the batches read
	logStart     int64 // as the leader said; -1: not said
	err          error
}

// fetch reads the planned partitions, one Fetch per leader, all at once.
func (s *Sampler) fetch(ctx context.Context, id [16]byte, reads []read, seed uint64) []result {
	byLeader := map[int32][]int32{}
	byID := make(map[int32]read, len(reads))
	for _, rd := range reads {
		byLeader[rd.leader] = append(byLeader[rd.leader], rd.id)
		byID[rd.id] = rd
	}
	answers := fanout.Ask(ctx, byLeader, func(ctx context.Context, leader int32, parts []int32) (result, error) {
		mine := make([]read, len(parts))
		for i, p := range parts {
			mine[i] = byID[p]
		}
		return s.readLeader(ctx, s.cl.Broker(int(leader)), id, mine, seed)
	})
	out := make([]result, len(answers))
	for i, a := range answers {
		out[i] = a.Resp
		out[i].leader = a.Leader
		if a.Err != nil {
			out[i].err = fmt.Errorf("broker %d (%s): %w", a.Leader, fanout.Partitions(a.Partitions), a.Err)
			out[i].parts = out[i].parts[:0]
			for _, p := range a.Partitions {
				out[i].parts = append(out[i].parts, partResult{id: p, logStart: -1})
			}
		}
	}
	return out
}

// readLeader reads one leader's partitions in one Fetch, then alone, each
// partition whose first batch did not fit or whose log starts later than
// asked, while the leader's share of the budget lasts.
func (s *Sampler) readLeader(ctx context.Context, b *kgo.Broker, id [16]byte, reads []read, seed uint64) (result, error) {
	var res result
	for _, rd := range reads {
		res.share += int(rd.maxBytes)
	}
	again, err := s.readSome(ctx, b, id, reads, seed, &res)
	if err != nil {
		return res, err
	}
	for _, rd := range again {
		if res.bytes >= res.share {
			break // not reached this round: the next one plans it again
		}
		// Alone, the broker sends the whole first batch, however large.
		rd.maxBytes = int32(min(int(rd.maxBytes), res.share-res.bytes))
		still, err := s.readSome(ctx, b, id, []read{rd}, seed, &res)
		if err == nil && len(still) > 0 {
			err = errors.New("read alone, it still came without a whole batch")
		}
		if err != nil {
			res.parts = append(res.parts, partResult{id: rd.id, logStart: -1, err: err})
		}
	}
	return res, nil
}

// readSome sends one Fetch for reads, decodes what came into res and
// returns the reads to try again alone.
func (s *Sampler) readSome(ctx context.Context, b *kgo.Broker, id [16]byte, reads []read, seed uint64, res *result) ([]read, error) {
	resp, err := fetchRequest(s.cfg.Topic, id, reads).RequestWith(ctx, b)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, deniedOr(err)
	}
	byID := make(map[int32]read, len(reads))
	for _, rd := range reads {
		byID[rd.id] = rd
	}
	var again []read
	for _, t := range resp.Topics {
		for i := range t.Partitions {
			rp := &t.Partitions[i]
			rd, ok := byID[rp.Partition]
			if !ok {
				continue
			}
			delete(byID, rp.Partition)
			res.bytes += len(rp.RecordBatches)
			pr, retry := decode(s.cfg.Topic, rp, rd, s.cfg.Capacity, seed)
			if retry != nil {
				again = append(again, *retry)
				continue
			}
			res.parts = append(res.parts, pr)
		}
	}
	// Partitions left out of the answer (the response was full) are not
	// reached this round: the next one plans them again.
	return again, nil
}

// deniedOr is err, marked errDenied when it says partop may not read the
// topic.
func deniedOr(err error) error {
	if errors.Is(err, kerr.TopicAuthorizationFailed) {
		return fmt.Errorf("%w: %w", errDenied, err)
	}
	return err
}

// decode samples one partition's answer into a fresh reservoir; a read to
// try again alone instead when its first batch did not fit or its log
// starts later than asked.
func decode(topic string, rp *kmsg.FetchResponseTopicPartition, rd read, capacity int, seed uint64) (partResult, *read) {
	pr := partResult{id: rd.id, end: rd.end, bytes: len(rp.RecordBatches), logStart: rp.LogStartOffset}
	if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
		if errors.Is(err, kerr.OffsetOutOfRange) && rp.LogStartOffset > rd.from && rp.LogStartOffset < rp.HighWatermark {
			rd.from = rp.LogStartOffset
			return pr, &rd
		}
		pr.err = deniedOr(err)
		return pr, nil
	}
	res := keys.NewReservoir(capacity, seed^uint64(rd.id)*0x9e3779b97f4a7c15)
	fp, next := cluster.FetchedRecords(topic, rp, rd.from, func(m kgo.FetchBatchMetrics) {
		pr.batchRecords += m.NumRecords
		pr.batches++
	})
	for _, r := range fp.Records {
		res.Add(keys.NewRecord(r.Key, len(r.Value)))
	}
	pr.sample, pr.err = res.Take(), fp.Err
	if len(fp.Records) == 0 && fp.Err == nil && next <= rd.from && rp.HighWatermark > rd.from {
		return pr, &rd // records are there, but the first batch did not fit
	}
	return pr, nil
}

// fetchRequest reads each of reads from its offset, at most its maxBytes.
func fetchRequest(topic string, id [16]byte, reads []read) *kmsg.FetchRequest {
	at := make([]cluster.FetchAt, len(reads))
	for i, rd := range reads {
		at[i] = cluster.FetchAt{Partition: rd.id, Offset: rd.from, MaxBytes: rd.maxBytes}
	}
	return cluster.FetchRequest(topic, id, at)
}
