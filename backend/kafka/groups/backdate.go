package groups

import (
	"context"
	"slices"
	"time"

	"partop/backend/kafka/cluster"
	"partop/source"
)

// DateAfter is how long after a time the poller waits before asking the
// end offsets a partition had then (AskEndsAt): records a producer
// stamped before it may still be in its buffers or in flight.
const DateAfter = 2 * time.Second

// dateTries bounds the tries at one time's end offsets.
const dateTries = 3

// dating is one AskEndsAt not yet answered.
type dating struct {
	at    time.Time
	parts []int32
	tries int
}

// AskEndsAt asks for the end offsets partitions had at at, from their
// records' own timestamps (source.Backdater), answered as source.EndsAt
// no sooner than DateAfter after at. It never blocks.
func (p *Poller) AskEndsAt(at time.Time, partitions []int32) {
	p.mu.Lock()
	p.datings = append(p.datings, dating{at: at, parts: slices.Clone(partitions)})
	p.mu.Unlock()
	select {
	case p.dated <- struct{}{}:
	default:
	}
}

// dates answers AskEndsAt until ctx ends: ListOffsets by timestamp, one
// request per leader for each time asked.
func (p *Poller) dates(ctx context.Context, r source.Reporter) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.dated:
		case <-timer.C:
		}
		now := time.Now()
		p.mu.Lock()
		var due []dating
		keep := p.datings[:0]
		next := time.Time{}
		for _, d := range p.datings {
			when := d.at.Add(DateAfter)
			if !when.After(now) {
				due = append(due, d)
				continue
			}
			keep = append(keep, d)
			if next.IsZero() || when.Before(next) {
				next = when
			}
		}
		p.datings = keep
		p.mu.Unlock()
		var again []dating
		for _, d := range due {
			got, err := cluster.ListOffsets(ctx, p.cl, p.cfg.Topic, cluster.AtMilli(d.at.UnixMilli()), d.parts, nil)
			if ctx.Err() != nil {
				return
			}
			if err != nil && d.tries+1 < dateTries {
				d.tries++
				again = append(again, d)
				continue
			}
			ends := make(map[int32]int64, len(got))
			for part, o := range got {
				ends[part] = o.Offset
			}
			r.Report(source.EndsAt{At: d.at, Ends: ends})
		}
		if len(again) > 0 {
			p.mu.Lock()
			p.datings = append(p.datings, again...) // due again at once: tried at the next wake, a second from now at most
			p.mu.Unlock()
			next = now.Add(time.Second)
		}
		if !next.IsZero() {
			timer.Reset(time.Until(next))
		}
	}
}
