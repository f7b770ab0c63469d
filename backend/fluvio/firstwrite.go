package fluvio

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"partop/source"
)

// firstWrites are the partitions added by the expansions the observer saw
// whose first record is not dated yet: only those are ever read, a few
// small Fetch requests per expansion and none in steady state.
type firstWrites struct {
	mu      sync.Mutex
	undated map[int32]bool
}

// add makes partitions from..to-1 due for dating once written to.
func (f *firstWrites) add(from, to int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.undated == nil {
		f.undated = map[int32]bool{}
	}
	for p := from; p < to; p++ {
		f.undated[int32(p)] = true
	}
}

// due are the undated partitions that have records as of the latest poll,
// each to be read from its start.
func (f *firstWrites) due(ends []int64) map[int32]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out map[int32]int64
	for p := range f.undated {
		if int(p) < len(ends) && ends[p] > 0 {
			if out == nil {
				out = map[int32]int64{}
			}
			out[p] = 0
		}
	}
	return out
}

func (f *firstWrites) done(p int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.undated, p)
}

// readFirstRecords dates the first record on every new partition that has
// records as of the latest poll: one Fetch per leader SPU at the
// partition's start (fluvio.Client.FirstRecords), whose first record's
// timestamp, stamped by the producer that wrote it, is the fleet's first
// write there. Fluvio has no broker-stamped time. What fails is a problem,
// read again at the next poll.
func (o *Observer) readFirstRecords(ctx context.Context) {
	due := o.firsts.due(o.Ends())
	if len(due) == 0 {
		return
	}
	got, err := o.cl.FirstRecords(ctx, o.cfg.Topic, due)
	for p, r := range got {
		o.firsts.done(p)
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
