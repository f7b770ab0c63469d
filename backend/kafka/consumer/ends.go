package consumer

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/source"
)

// A partition assigned just after an expansion may be one that the broker
// asked does not know yet: its end offset is asked for again, every
// endsRetry, for up to endsTries asks.
const (
	endsTries = 20
	endsRetry = 100 * time.Millisecond
)

// endsAtAssignment reports the end offsets of partitions just assigned,
// asked for beside the group's own start: what a group starting at the
// end there skips. ctx ends when the consumer's client closes.
func (c *Consumer) endsAtAssignment(ctx context.Context, parts []int32) {
	left := slices.Clone(parts)
	for try := 1; ; try++ {
		got, err := c.listEnds(ctx, left)
		if len(got) > 0 {
			c.reports.Report(source.EndsAtAssignment{Ends: got})
		}
		left = slices.DeleteFunc(left, func(p int32) bool { _, ok := got[p]; return ok })
		if len(left) == 0 || ctx.Err() != nil || errors.Is(err, kgo.ErrClientClosed) {
			return
		}
		if try == endsTries {
			c.reports.Report(source.Problem{Message: "consumer group " + c.cfg.Group + ": end offsets at assignment: " + err.Error()})
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(endsRetry):
		}
	}
}

// listEnds asks the partitions' leaders for their end offsets (a
// ListOffsets request for the latest offset, sent straight to each
// leader; kadm's ListEndOffsets would first ask one broker for the whole
// topic's metadata, which may not have a partition just added). The
// error is the first of those that did not answer.
func (c *Consumer) listEnds(ctx context.Context, parts []int32) (map[int32]int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = c.cfg.Topic
	for _, p := range parts {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = p, -1 // -1: the end
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = []kmsg.ListOffsetsRequestTopic{rt}
	got := make(map[int32]int64, len(parts))
	var first error
	for _, sh := range c.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			first = cmp.Or(first, sh.Err)
			continue
		}
		for _, t := range sh.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					first = cmp.Or(first, err)
					continue
				}
				got[p.Partition] = p.Offset
			}
		}
	}
	if first == nil && len(got) < len(parts) {
		first = errors.New("no answer for some partitions")
	}
	return got, first
}
