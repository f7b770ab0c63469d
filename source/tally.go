package source

import (
	"sync/atomic"
	"time"

	"partop/stats"
)

// Tally is what an end-offsets observer keeps on either platform: the
// counts it feeds, the book of end offsets they come from, where its facts
// go, and the topic's leaders when it was made. An observer embeds one;
// its poll loop calls Count for every end offset and Polled once a poll.
type Tally struct {
	Reports
	counters *stats.Counters
	offsets  *stats.Offsets // only the poll loop touches it
	initial  []int32
	ends     atomic.Pointer[[]int64] // the latest poll's end offsets
}

// NewTally starts the tally of a topic whose partitions have leaders now.
// Partitions the topic has now count from their current end offsets (what
// was written before partop started is not traffic it saw); partitions
// added later count from their start.
func NewTally(leaders []int32) *Tally {
	return &Tally{counters: stats.NewCounters(len(leaders)), offsets: stats.NewOffsets(len(leaders)), initial: leaders}
}

// Counters are the per-partition record counts seen so far.
func (t *Tally) Counters() *stats.Counters { return t.counters }

// About says what the engine needs to know: an observer counts in steps,
// once a poll, and routes nothing.
func (t *Tally) About() About { return About{Leaders: t.initial, Stepped: true} }

// Initial are the topic's leaders when the tally began.
func (t *Tally) Initial() []int32 { return t.initial }

// Count takes partition p's end offset as of a poll at at, counting what
// was written since the last one.
func (t *Tally) Count(p int32, end int64, at time.Time) {
	t.counters.Add(p, t.offsets.Step(p, end), at)
}

// Polled reports a poll's end offsets and its step: the engine samples the
// counts as of at.
func (t *Tally) Polled(at time.Time) {
	ends := t.offsets.Ends()
	t.ends.Store(&ends)
	t.Report(EndOffsets{Offsets: ends})
	t.Report(Step{At: at})
}

// Ends are the end offsets by partition as of the latest poll (-1: not
// known; nil before the first poll), for what runs beside the observer in
// the same backend (the groups poll). The slice is shared: read only.
func (t *Tally) Ends() []int64 {
	if e := t.ends.Load(); e != nil {
		return *e
	}
	return nil
}
