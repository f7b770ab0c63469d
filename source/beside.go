package source

import (
	"context"

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
