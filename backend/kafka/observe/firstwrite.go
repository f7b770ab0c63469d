package observe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/internal/fanout"
	"partop/source"
)

// firstPartitionBytes bounds what a leader sends per partition when the
// first records of several partitions are read in one Fetch: a producer's
// first batch on a new partition is usually smaller (Java's batch.size is
// 16 KiB). A batch that does not fit is read again alone, where the broker
// returns the whole first batch however large (KIP-74).
const firstPartitionBytes = 16 << 10

// topicID is the topic's id (Fetch v13+ names topics by id) once a
// Metadata request told it; zero: not known.
type topicID struct {
	mu sync.Mutex
	id [16]byte
}

func (f *topicID) get() [16]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id
}

func (f *topicID) set(id [16]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.id = id
}

// firstRecord is what reading one partition's first record found.
type firstRecord struct {
	partition int32
	at        time.Time // the record's own timestamp; zero: none found yet
	logAppend bool      // the broker stamped it (message.timestamp.type=LogAppendTime)
	noTime    bool      // the record carries no timestamp (message format v0)
	next      int64     // read at this offset next time (past control records, the log start); -1: as before
	truncated bool      // only part of the first batch came: read it alone
	err       error
}

// readFirstRecords dates the first record on every new partition that has
// one since the latest poll: one Fetch per leader at the offset the
// partition starts at, small, whose first record's own timestamp is the
// fleet's first write there. What fails is a problem, read again at the
// next poll.
func (s *Observer) readFirstRecords(ctx context.Context) {
	due := s.firsts.Due(s.Ends())
	if len(due) == 0 {
		return
	}
	leaders := s.partitionLeaders()
	byLeader := map[int32][]int32{}
	for p := range due {
		if int(p) < len(leaders) && leaders[p] >= 0 {
			byLeader[leaders[p]] = append(byLeader[leaders[p]], p)
		}
	}
	if len(byLeader) == 0 {
		return // no leader yet: the next poll
	}
	failed := &fanout.Errors{What: "first records"}
	id, err := s.learnTopicID(ctx)
	if err != nil {
		failed.Add(err)
		failed.AllFailed = true
		s.Report(source.Problem{Message: "reading " + failed.Error()})
		return
	}
	answers := fanout.Ask(ctx, byLeader, func(ctx context.Context, leader int32, parts []int32) ([]firstRecord, error) {
		slices.Sort(parts)
		return s.readFirst(ctx, s.cl.Broker(int(leader)), id, parts, due)
	})
	stale, denied := s.takeFirstRecords(answers, failed)
	if stale {
		s.pollMetaNow()
	}
	if denied {
		// Fetch needs Read on the topic, which observing otherwise does not:
		// say so once, and read none of these partitions again (the next
		// expansion tries again, in case the ACLs changed).
		for p := range due {
			s.firsts.Done(p)
		}
		s.Report(source.Notice{Message: "first records not read (Read on the topic denied): the fleet's first write is as the polls saw it", Error: true})
		return
	}
	if err := failed.Err(); err != nil {
		s.Report(source.Problem{Message: "reading " + err.Error()})
	}
}

// takeFirstRecords reports what the leaders answered: each dated first
// record, records with no time, where to read next; failures go to
// failed. It says whether a leader moved and whether Read was denied.
func (s *Observer) takeFirstRecords(answers []fanout.Answer[[]firstRecord], failed *fanout.Errors) (stale, denied bool) {
	for _, a := range answers {
		if a.Err != nil {
			failed.Add(fmt.Errorf("broker %d (%s): %w", a.Leader, fanout.Partitions(a.Partitions), a.Err))
			continue
		}
		for _, r := range a.Resp {
			switch {
			case errors.Is(r.err, kerr.TopicAuthorizationFailed):
				denied = true
			case r.err != nil:
				stale = stale || errors.Is(r.err, kerr.NotLeaderForPartition) || errors.Is(r.err, kerr.UnknownTopicOrPartition) || errors.Is(r.err, kerr.FencedLeaderEpoch)
				if errors.Is(r.err, kerr.UnknownTopicID) || errors.Is(r.err, kerr.InconsistentTopicID) {
					s.topicID.set([16]byte{}) // recreated: learn it again
				}
				failed.Add(fmt.Errorf("partition %d: %w", r.partition, r.err))
			case r.noTime:
				s.firsts.Done(r.partition)
				s.Report(source.Notice{Message: fmt.Sprintf("partition %d's first record carries no timestamp (message format v0): its first write is as the poll saw it", r.partition)})
			case !r.at.IsZero():
				s.firsts.Done(r.partition)
				s.Report(source.FirstWrite{Partition: r.partition, At: r.at, LogAppendTime: r.logAppend})
			case r.next >= 0:
				s.firsts.MoveTo(r.partition, r.next)
			}
		}
	}
	return stale, denied
}

// learnTopicID is the topic's id, asked for once with a Metadata request
// (brokers before Kafka 2.8 have none, and take Fetch by name).
func (s *Observer) learnTopicID(ctx context.Context) ([16]byte, error) {
	if id := s.topicID.get(); id != ([16]byte{}) {
		return id, nil
	}
	t, err := cluster.Describe(ctx, s.cl, s.cfg.Topic)
	if err != nil {
		return [16]byte{}, fmt.Errorf("topic id: %w", err)
	}
	s.topicID.set(t.ID)
	return t.ID, nil
}

// readFirst asks one leader for the first batch of each of parts at its
// offset in from, and reads again alone each partition whose first batch
// did not fit.
func (s *Observer) readFirst(ctx context.Context, b *kgo.Broker, id [16]byte, parts []int32, from map[int32]int64) ([]firstRecord, error) {
	resp, err := firstFetchRequest(s.cfg.Topic, id, parts, from, firstPartitionBytes).RequestWith(ctx, b)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, err
	}
	out := decodeFirsts(s.cfg.Topic, resp, from)
	for i, r := range out {
		if !r.truncated {
			continue
		}
		// Alone, with 1 byte allowed, the broker sends exactly the whole
		// first batch.
		resp, err := firstFetchRequest(s.cfg.Topic, id, []int32{r.partition}, from, 1).RequestWith(ctx, b)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		if err != nil {
			out[i] = firstRecord{partition: r.partition, next: -1, err: err}
			continue
		}
		if alone := decodeFirsts(s.cfg.Topic, resp, from); len(alone) == 1 {
			out[i] = alone[0]
			if out[i].truncated {
				out[i].err = errors.New("the first batch came truncated")
			}
		}
	}
	return out, nil
}

// firstFetchRequest reads parts from their offsets in from, at most
// maxBytes of each.
func firstFetchRequest(topic string, id [16]byte, parts []int32, from map[int32]int64, maxBytes int32) *kmsg.FetchRequest {
	at := make([]cluster.FetchAt, len(parts))
	for i, p := range parts {
		at[i] = cluster.FetchAt{Partition: p, Offset: from[p], MaxBytes: maxBytes}
	}
	return cluster.FetchRequest(topic, id, at)
}

// decodeFirsts finds each partition's first record in a Fetch response.
func decodeFirsts(topic string, resp *kmsg.FetchResponse, from map[int32]int64) []firstRecord {
	var out []firstRecord
	for _, t := range resp.Topics {
		for i := range t.Partitions {
			rp := &t.Partitions[i]
			out = append(out, decodeFirst(topic, rp, from[rp.Partition]))
		}
	}
	return out
}

// decodeFirst reads the first record at or after offset from in one
// partition's answer (kgo decodes the batch: message formats v0-v2,
// compression, the CRC). Its timestamp is CreateTime, the producer's, or
// LogAppendTime, the broker's, as the batch says.
func decodeFirst(topic string, rp *kmsg.FetchResponseTopicPartition, from int64) firstRecord {
	r := firstRecord{partition: rp.Partition, next: -1}
	if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
		if errors.Is(err, kerr.OffsetOutOfRange) && rp.LogStartOffset > from {
			// The first records are gone (deleted, or retention):
			// the earliest one left dates the first write at best.
			r.next = rp.LogStartOffset
			return r
		}
		r.err = err
		return r
	}
	fp, next := cluster.FetchedRecords(topic, rp, from, nil)
	if fp.Err != nil {
		r.err = fp.Err
		return r
	}
	if len(fp.Records) > 0 {
		first := fp.Records[0]
		switch first.Attrs.TimestampType() {
		case -1:
			r.noTime = true
		case 1:
			r.at, r.logAppend = first.Timestamp, true
		default:
			r.at = first.Timestamp
		}
		return r
	}
	switch {
	case next > from: // control records only: the first record comes after
		r.next = next
	case rp.HighWatermark > from:
		// Records are there, but the first batch did not fit (the broker
		// sent part of it, or none).
		r.truncated = true
	}
	return r
}
