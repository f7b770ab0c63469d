package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/internal/fanout"
)

// At is what ListOffsets asks each partition for: its end, its start, or
// the first offset at or after a time.
type At int64

const (
	// AtEnd is the high watermark: the offset the next record gets.
	AtEnd At = -1
	// AtStart is the log start: the first offset still kept.
	AtStart At = -2
)

// AtMilli is the first offset whose record's timestamp is at or after ms
// (Unix milliseconds; negative times are 0); where no record is that late,
// the end offset.
func AtMilli(ms int64) At { return At(max(ms, 0)) }

// String is what was asked for: "end offsets", "start offsets", "offsets
// at or after 2026-01-02T15:04:05.000Z".
func (a At) String() string {
	switch a {
	case AtEnd:
		return "end offsets"
	case AtStart:
		return "start offsets"
	}
	return "offsets at or after " + time.UnixMilli(int64(a)).UTC().Format("2006-01-02T15:04:05.000Z")
}

// PartitionOffset is one partition's answer.
type PartitionOffset struct {
	Offset int64
	// Timestamp is, for AtMilli, the time (Unix ms) of the record at
	// Offset; -1 where no record is at or after the time asked (Offset is
	// then the end), and for AtEnd and AtStart.
	Timestamp   int64
	LeaderEpoch int32 // -1 where the broker does not say
	Leader      int32 // the broker that answered
}

// OffsetsError is a ListOffsets that some partitions, or all of them
// (AllFailed), did not answer. Its text says which and why; the caller
// says what was asked.
type OffsetsError struct {
	Failed    map[int32]error // each partition not answered, and why
	AllFailed bool            // no partition answered
}

// Error groups the failed partitions by error: "partitions 0, 3: broker 2:
// EOF; partition 5: NOT_LEADER_FOR_PARTITION: …", the three largest groups
// at most.
func (e *OffsetsError) Error() string {
	gs := e.groups()
	msg := make([]string, 0, 3)
	for _, g := range gs[:min(3, len(gs))] {
		msg = append(msg, partitionList(g.parts)+": "+g.err.Error())
	}
	s := strings.Join(msg, "; ")
	if n := len(gs) - 3; n > 0 {
		s += fmt.Sprintf(" (and %d more errors)", n)
	}
	return s
}

// Unwrap lets errors.Is and errors.As see every distinct failure.
func (e *OffsetsError) Unwrap() []error {
	gs := e.groups()
	out := make([]error, len(gs))
	for i, g := range gs {
		out[i] = g.err
	}
	return out
}

type failGroup struct {
	err   error
	parts []int32
}

// groups are the failed partitions grouped by error text, largest first
// (then by lowest partition).
func (e *OffsetsError) groups() []failGroup {
	idx := map[string]int{}
	var gs []failGroup
	for p, err := range e.Failed {
		i, ok := idx[err.Error()]
		if !ok {
			i = len(gs)
			idx[err.Error()] = i
			gs = append(gs, failGroup{err: err})
		}
		gs[i].parts = append(gs[i].parts, p)
	}
	for i := range gs {
		slices.Sort(gs[i].parts)
	}
	slices.SortFunc(gs, func(a, b failGroup) int {
		if len(a.parts) != len(b.parts) {
			return len(b.parts) - len(a.parts)
		}
		return int(a.parts[0] - b.parts[0])
	})
	return gs
}

// partitionList is "partition 3", "partitions 0, 3" or, for a long list,
// "partitions 0, 1, 2, 3, 4, … (3333 in all)".
func partitionList(parts []int32) string {
	s := fanout.Partitions(parts[:min(len(parts), 5)])
	if len(parts) > 5 {
		s += fmt.Sprintf(", … (%d in all)", len(parts))
	}
	return s
}

// Retries: a partition not answered for a reason a fresh look at the
// topic's metadata may change (a partition added a moment ago, a leader
// that moved or is being elected, a leader the metadata did not name) is
// asked again after one, at most offsetsRounds times in all; the third
// round and later wait first, from offsetsBackoff doubling (25 ms to
// 800 ms: about 1.6 s in all). A look is bounded by lookTimeout.
const (
	offsetsRounds  = 8
	offsetsBackoff = 25 * time.Millisecond
	lookTimeout    = 3 * time.Second
)

// ListOffsets asks the leaders of the topic's partitions for their offsets
// at at, one ListOffsets request per leader, all at once, over cl.
//
// leaders, when not nil, are the partitions' leaders by id as the caller
// last saw them (from a metadata poll of its own): the first ask goes to
// them with no Metadata request, so a caller polling every second costs one
// request per leader per poll. With leaders nil one Metadata request finds
// them. partitions nil means every partition the topic's metadata lists
// (a Metadata request then even with leaders).
//
// A partition not answered for a reason a fresh look may change
// (NOT_LEADER, UNKNOWN_TOPIC_OR_PARTITION from a leader that has not
// applied a partition just added, no leader known, a leader that moved
// since a request to it failed) is asked again after a fresh Metadata
// request, a bounded number of times (about 1.6 s in all); kadm's
// ListEndOffsets instead answers from one broker's metadata, which may
// lack a partition added a moment earlier.
//
// The answers are by partition. When some partitions were not answered,
// the error is *OffsetsError, saying why for each, beside the answers of
// the others. When the topic's partitions could not be listed at all
// (partitions nil), it is the metadata error: errors.Is(err,
// ErrUnknownTopic) for a topic that does not exist.
func ListOffsets(ctx context.Context, cl *kgo.Client, topic string, at At, partitions, leaders []int32) (map[int32]PartitionOffset, error) {
	l := &lister{cl: cl, topic: topic, leaders: leaders}
	switch {
	case partitions != nil && len(partitions) == 0:
		return map[int32]PartitionOffset{}, nil
	case partitions == nil:
		if err := l.look(ctx); err != nil {
			return nil, err
		}
		partitions = make([]int32, len(l.leaders))
		for i := range partitions {
			partitions[i] = int32(i)
		}
	case leaders == nil:
		if err := l.look(ctx); err != nil {
			failed := make(map[int32]error, len(partitions))
			for _, p := range partitions {
				failed[p] = err
			}
			return map[int32]PartitionOffset{}, &OffsetsError{Failed: failed, AllFailed: true}
		}
	}
	got, failed := l.list(ctx, at, partitions)
	if at >= 0 {
		// No record at or after the time: the answer is the end (kadm's
		// ListOffsetsAfterMilli does the same).
		var none []int32
		for p, o := range got {
			if o.Offset < 0 {
				none = append(none, p)
			}
		}
		if len(none) > 0 {
			ends, endsFailed := l.list(ctx, AtEnd, none)
			for p, o := range ends {
				o.Timestamp = -1
				got[p] = o
			}
			for p, err := range endsFailed {
				delete(got, p)
				failed[p] = err
			}
		}
	}
	if len(failed) == 0 {
		return got, nil
	}
	return got, &OffsetsError{Failed: failed, AllFailed: len(got) == 0}
}

// ListOffsets is the package's ListOffsets over the admin client, finding
// the leaders with a Metadata request.
func (c *Cluster) ListOffsets(ctx context.Context, topic string, at At, partitions []int32) (map[int32]PartitionOffset, error) {
	return ListOffsets(ctx, c.client, topic, at, partitions, nil)
}

// lister is one ListOffsets call: the client, the topic and the leaders
// by partition id as last seen.
type lister struct {
	cl      *kgo.Client
	topic   string
	leaders []int32
}

// look learns the leaders with a fresh Metadata request.
func (l *lister) look(ctx context.Context) error {
	t, err := Describe(ctx, l.cl, l.topic)
	if err != nil {
		return err
	}
	l.leaders = t.Leaders()
	return nil
}

// leader is partition p's leader as last seen, or why there is none.
func (l *lister) leader(p int32) (int32, error) {
	switch {
	case p < 0 || int(p) >= len(l.leaders):
		return -1, fmt.Errorf("not in the topic's metadata: %w", kerr.UnknownTopicOrPartition)
	case l.leaders[p] < 0:
		return -1, kerr.LeaderNotAvailable
	}
	return l.leaders[p], nil
}

// list asks for at on parts, in rounds (see ListOffsets), and returns
// what was answered and why the rest was not.
func (l *lister) list(ctx context.Context, at At, parts []int32) (map[int32]PartitionOffset, map[int32]error) {
	got := make(map[int32]PartitionOffset, len(parts))
	failed := map[int32]error{}
	left, wait := parts, offsetsBackoff
	for round := 1; ; round++ {
		byLeader := map[int32][]int32{}
		var again []int32         // asked again after a fresh look
		down := map[int32]int32{} // partitions whose leader did not answer: that leader
		for _, p := range left {
			delete(failed, p) // each round says anew why
			if ld, err := l.leader(p); err != nil {
				failed[p] = err
				again = append(again, p)
			} else {
				byLeader[ld] = append(byLeader[ld], p)
			}
		}
		answers := fanout.Ask(ctx, byLeader, func(ctx context.Context, leader int32, ps []int32) (*kmsg.ListOffsetsResponse, error) {
			return request(l.topic, at, ps).RequestWith(ctx, l.cl.Broker(int(leader)))
		})
		stop := ctx.Err() != nil || round == offsetsRounds
		for _, a := range answers {
			if a.Err != nil {
				stop = stop || errors.Is(a.Err, kgo.ErrClientClosed)
				err := fmt.Errorf("broker %d: %w", a.Leader, a.Err)
				for _, p := range a.Partitions {
					failed[p] = err
					down[p] = a.Leader
				}
				continue
			}
			again = l.take(a, got, failed, again)
		}
		if stop || len(again)+len(down) == 0 {
			return got, failed
		}
		if round > 1 {
			select {
			case <-ctx.Done():
				return got, failed
			case <-time.After(wait):
			}
			wait *= 2
		}
		lctx, cancel := context.WithTimeout(ctx, lookTimeout)
		err := l.look(lctx)
		cancel()
		if err != nil {
			if errors.Is(err, ErrUnknownTopic) { // deleted: say so for every partition left
				for _, p := range again {
					failed[p] = err
				}
				for p := range down {
					failed[p] = err
				}
			}
			return got, failed
		}
		for p, ld := range down { // a request that failed: again only if the leader moved
			if now, _ := l.leader(p); now != ld {
				again = append(again, p)
			}
		}
		if len(again) == 0 {
			return got, failed
		}
		left = again
	}
}

// take reads one leader's answer into got and failed, and returns again
// with the partitions to ask again.
func (l *lister) take(a fanout.Answer[*kmsg.ListOffsetsResponse], got map[int32]PartitionOffset, failed map[int32]error, again []int32) []int32 {
	n := 0
	for _, t := range a.Resp.Topics {
		if t.Topic != l.topic {
			continue
		}
		for _, rp := range t.Partitions {
			n++
			if rp.ErrorCode != 0 {
				err := kerr.ErrorForCode(rp.ErrorCode)
				failed[rp.Partition] = err
				if kerr.IsRetriable(err) {
					again = append(again, rp.Partition)
				}
				continue
			}
			got[rp.Partition] = PartitionOffset{Offset: rp.Offset, Timestamp: rp.Timestamp, LeaderEpoch: rp.LeaderEpoch, Leader: a.Leader}
			delete(failed, rp.Partition)
		}
	}
	if n >= len(a.Partitions) {
		return again
	}
	for _, p := range a.Partitions { // a partition left out of the answer
		if _, ok := got[p]; !ok && failed[p] == nil {
			failed[p] = fmt.Errorf("broker %d left it out of its answer: %w", a.Leader, kerr.UnknownTopicOrPartition)
			again = append(again, p)
		}
	}
	return again
}

// request is a ListOffsets request for at on partitions of topic.
func request(topic string, at At, partitions []int32) *kmsg.ListOffsetsRequest {
	req := kmsg.NewPtrListOffsetsRequest() // ReplicaID -1: a consumer's; read uncommitted: the high watermark
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rt.Partitions = make([]kmsg.ListOffsetsRequestTopicPartition, len(partitions))
	for i, p := range partitions {
		rp := &rt.Partitions[i]
		rp.Default() // CurrentLeaderEpoch -1: no fencing
		rp.Partition, rp.Timestamp = p, int64(at)
	}
	req.Topics = append(req.Topics, rt)
	return req
}
