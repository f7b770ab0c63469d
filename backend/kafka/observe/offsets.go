package observe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"partop/internal/fanout"
	"partop/source"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// pollOffsets asks every leader for its partitions' end offsets, one
// request per broker, all at once, and counts what was written since the
// last poll. Partitions without a leader wait for the next poll. What
// failed is one *fanout.Errors: all of it ends the poll (no sample, and
// back off), some of it is a problem and the rest is counted.
func (s *Observer) pollOffsets(ctx context.Context) error {
	answers, err := askLeaders(ctx, s, func(ctx context.Context, b *kgo.Broker, parts []int32) (*kmsg.ListOffsetsResponse, error) {
		return endOffsetsRequest(s.cfg.Topic, parts).RequestWith(ctx, b)
	})
	if err != nil {
		return err
	}
	at := time.Now()
	failed := &fanout.Errors{What: "end offsets"}
	stale, answered := false, 0
	for _, a := range answers {
		if a.Err != nil {
			failed.Add(fmt.Errorf("broker %d (%s): %w", a.Leader, fanout.Partitions(a.Partitions), a.Err))
			continue
		}
		answered++
		for _, t := range a.Resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					stale = stale || errors.Is(err, kerr.NotLeaderForPartition) || errors.Is(err, kerr.UnknownTopicOrPartition)
					failed.Add(fmt.Errorf("partition %d: %w", p.Partition, err))
					continue
				}
				s.Count(p.Partition, p.Offset, at)
			}
		}
	}
	if stale { // a leader moved: learn where before the next poll
		s.pollMetaNow()
	}
	failed.AllFailed = answered == 0
	if err := failed.Err(); err != nil {
		s.Report(source.Problem{Message: "polling " + err.Error()})
		if failed.AllFailed {
			return err // nothing answered: no sample, and back off
		}
	}
	s.Polled(at) // the engine samples at this poll
	return nil
}

// endOffsetsRequest asks for the latest offsets (the high watermarks) of
// partitions of one topic.
func endOffsetsRequest(topic string, partitions []int32) *kmsg.ListOffsetsRequest {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for _, p := range partitions {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p
		rp.CurrentLeaderEpoch = -1
		rp.Timestamp = -1 // latest
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	return req
}

// askLeaders sends ask to every partition leader at once, each with its
// partitions of the topic (package fanout). Partitions without a leader
// wait for the next poll; none with one is an error.
func askLeaders[R any](ctx context.Context, s *Observer, ask func(context.Context, *kgo.Broker, []int32) (R, error)) ([]fanout.Answer[R], error) {
	byLeader := fanout.ByLeader(s.partitionLeaders())
	if len(byLeader) == 0 {
		return nil, errors.New("no partition has a leader")
	}
	return fanout.Ask(ctx, byLeader, func(ctx context.Context, leader int32, parts []int32) (R, error) {
		return ask(ctx, s.cl.Broker(int(leader)), parts)
	}), nil
}
