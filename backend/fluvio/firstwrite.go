package fluvio

import (
	"context"
	"errors"
	"fmt"

	"partop/source"
)

// readFirstRecords dates the first record on every new partition that has
// records as of the latest poll: one Fetch per leader SPU at the
// partition's start (client.Client.FirstRecords), whose first record's
// timestamp, stamped by the producer that wrote it, is the fleet's first
// write there. Fluvio has no broker-stamped time. What fails is a problem,
// read again at the next poll.
func (o *Observer) readFirstRecords(ctx context.Context) {
	due := o.firsts.Due(o.Ends())
	if len(due) == 0 {
		return
	}
	got, err := o.cl.FirstRecords(ctx, o.cfg.Topic, due)
	for p, r := range got {
		o.firsts.Done(p)
		if r.Time.IsZero() {
			o.Report(source.Notice{Message: fmt.Sprintf("partition %d's first record carries no timestamp: its first write is as the poll saw it", p)})
			continue
		}
		o.Report(source.FirstWrite{Partition: p, At: r.Time})
	}
	if err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		o.Report(source.Problem{Message: "reading " + err.Error()})
	}
}
