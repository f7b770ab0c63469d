package observe

import (
	"context"
	"errors"
	"time"

	"partop/backend/kafka/cluster"
	"partop/internal/fanout"
	"partop/source"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// pollOffsets asks every leader for its partitions' end offsets, one
// request per broker, all at once (cluster.ListOffsets, sent to the
// leaders as last seen: no Metadata request in steady state), and counts
// what was written since the last poll. Partitions without a leader wait
// for the next poll. What failed is one *cluster.OffsetsError: all of it
// ends the poll (no sample, and back off), some of it is a problem and
// the rest is counted.
func (s *Observer) pollOffsets(ctx context.Context) error {
	leaders := s.partitionLeaders()
	parts := make([]int32, 0, len(leaders))
	for p, l := range leaders {
		if l >= 0 {
			parts = append(parts, int32(p))
		}
	}
	if len(parts) == 0 {
		return errors.New("no partition has a leader")
	}
	got, err := cluster.ListOffsets(ctx, s.cl, s.cfg.Topic, cluster.AtEnd, parts, leaders)
	at := time.Now()
	// A leader moved (answered elsewhere, or not the leader any more):
	// learn where before the next poll.
	moved := errors.Is(err, kerr.NotLeaderForPartition) || errors.Is(err, kerr.UnknownTopicOrPartition)
	for p, o := range got {
		s.Count(p, o.Offset, at)
		moved = moved || o.Leader != leaders[p]
	}
	if moved {
		s.pollMetaNow()
	}
	if err != nil {
		s.Report(source.Problem{Message: "polling end offsets: " + err.Error()})
		if len(got) == 0 {
			return err // nothing answered: no sample, and back off
		}
	}
	s.Polled(at) // the engine samples at this poll
	return nil
}

// askLeaders sends ask to every partition leader at once, each with its
// partitions of the topic (package fanout), for the producers list.
// Partitions without a leader wait for the next poll; none with one is an
// error.
func askLeaders[R any](ctx context.Context, s *Observer, ask func(context.Context, *kgo.Broker, []int32) (R, error)) ([]fanout.Answer[R], error) {
	byLeader := fanout.ByLeader(s.partitionLeaders())
	if len(byLeader) == 0 {
		return nil, errors.New("no partition has a leader")
	}
	return fanout.Ask(ctx, byLeader, func(ctx context.Context, leader int32, parts []int32) (R, error) {
		return ask(ctx, s.cl.Broker(int(leader)), parts)
	}), nil
}
