package observe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"partop/backend"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// pollOffsets asks every leader for its partitions' end offsets, one
// request per broker, all at once, and counts what was written since the
// last poll. Partitions without a leader wait for the next poll.
func (s *Observer) pollOffsets(ctx context.Context) error {
	answers, err := askLeaders(ctx, s, func(ctx context.Context, b *kgo.Broker, parts []int32) (*kmsg.ListOffsetsResponse, error) {
		return endOffsetsRequest(s.cfg.Topic, parts).RequestWith(ctx, b)
	})
	if err != nil {
		return err
	}
	at := time.Now()
	var firstErr error
	stale, failed := false, 0
	for _, a := range answers {
		if a.err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("end offsets from broker %d: %w", a.leader, a.err))
			failed++
			continue
		}
		for _, t := range a.resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					stale = stale || errors.Is(err, kerr.NotLeaderForPartition) || errors.Is(err, kerr.UnknownTopicOrPartition)
					firstErr = cmp.Or(firstErr, fmt.Errorf("end offset of partition %d: %w", p.Partition, err))
					continue
				}
				s.counters.Add(p.Partition, s.offsets.Step(p.Partition, p.Offset), at)
			}
		}
	}
	if stale { // a leader moved: learn where before the next poll
		s.pollMetaNow()
	}
	if firstErr != nil {
		s.reports.Report(backend.Problem{Message: "polling end offsets: " + firstErr.Error()})
	}
	if failed == len(answers) {
		return firstErr // nothing answered: no sample, and back off
	}
	s.reports.Report(backend.EndOffsets{Offsets: s.offsets.Ends()})
	s.reports.Report(backend.Step{At: at}) // the engine samples at this poll
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

// answer is one leader's answer to a request about its partitions.
type answer[R any] struct {
	leader int32
	resp   R
	err    error
	at     time.Time // when it came
}

// askLeaders sends ask to every partition leader at once, each with its
// partitions of the topic, and returns the answers. Partitions without a
// leader wait for the next poll; none with one is an error.
func askLeaders[R any](ctx context.Context, s *Observer, ask func(context.Context, *kgo.Broker, []int32) (R, error)) ([]answer[R], error) {
	byLeader := map[int32][]int32{}
	for p, l := range s.partitionLeaders() {
		if l >= 0 {
			byLeader[l] = append(byLeader[l], int32(p))
		}
	}
	if len(byLeader) == 0 {
		return nil, errors.New("no partition has a leader")
	}
	answers := make([]answer[R], 0, len(byLeader))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for leader, parts := range byLeader {
		wg.Go(func() {
			resp, err := ask(ctx, s.cl.Broker(int(leader)), parts)
			a := answer[R]{leader: leader, resp: resp, err: err, at: time.Now()}
			mu.Lock()
			answers = append(answers, a)
			mu.Unlock()
		})
	}
	wg.Wait()
	return answers, nil
}
