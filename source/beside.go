package source

import (
	"context"
	"time"

	"partop/stats"
)

// What a backend runs beside the engine's source (Sources): the whole
// topic's count, partop's consumer group, the groups poll.

// Companion runs beside the engine's source and counts something of its
// own: the whole topic's records (end offsets), partop's consumer's reads.
type Companion interface {
	Counters() *stats.Counters
	Run(ctx context.Context, r Reporter)
	Close() error
}

// Runner runs beside the engine's source and only reports facts: the
// groups poller.
type Runner interface {
	Run(ctx context.Context, r Reporter)
	Close() error
}

// Waker is a Runner that can poll at once when asked: the groups poll,
// which the engine wakes when partop's own consumer is assigned
// partitions, so the group shows as soon as it exists instead of at the
// next interval.
type Waker interface {
	Wake()
}

// Burster is a Runner that can look often for a while: the groups poll,
// which the engine asks to burst when it logs an expansion (partop's own
// or anyone's), so that each group's assignment of the new partitions is
// timed to a fraction of a second instead of to the poll's interval.
// Burst never blocks and may be called while the engine holds its lock.
type Burster interface {
	// Burst says partitions from..to-1 are new: look at the assignments
	// of the groups with a stake in the topic often, until each has them
	// all or a limit passes.
	Burst(from, to int)
}

// Backdater is a Runner that can tell, after the fact, the end offsets
// partitions had at a past time, from their records' own timestamps (the
// first offset at or after the time), reported as EndsAt: the groups
// poll, which the engine asks at the ends of each group's assignment
// bracket, so what a group found unread on the new partitions does not
// depend on when a look ran. AskEndsAt never blocks and may be called
// while the engine holds its lock.
type Backdater interface {
	AskEndsAt(at time.Time, partitions []int32)
}
