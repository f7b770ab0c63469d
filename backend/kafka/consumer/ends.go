package consumer

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/source"
)

// endsAtAssignment reports the end offsets of partitions just assigned,
// asked for beside the group's own start: what a group starting at the
// end there skips. They come straight from the leaders
// (cluster.ListOffsets), which asks again, after a fresh look at the
// metadata, for a partition assigned just after an expansion that the
// broker asked does not know yet. ctx ends when the consumer's client
// closes.
func (c *Consumer) endsAtAssignment(ctx context.Context, parts []int32) {
	got, err := cluster.ListOffsets(ctx, c.cl, c.cfg.Topic, cluster.AtEnd, parts, nil)
	if len(got) > 0 {
		ends := make(map[int32]int64, len(got))
		for p, o := range got {
			ends[p] = o.Offset
		}
		c.reports.Report(source.EndsAtAssignment{Ends: ends})
	}
	if err != nil && ctx.Err() == nil && !errors.Is(err, kgo.ErrClientClosed) {
		c.reports.Report(source.Problem{Message: "consumer group " + c.cfg.Group + ": end offsets at assignment: " + err.Error()})
	}
}
