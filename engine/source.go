package engine

import (
	"context"
	"errors"
	"time"

	"partop/discovery"
	"partop/stats"
)

// Source is where the engine's per-partition counts come from: partop's
// producer (acknowledgements), end offsets of the whole topic (observe
// mode), a producer on a Fluvio cluster. A new source is a new package that
// implements this; no view changes.
type Source interface {
	// Counters are the per-partition counts the source feeds.
	Counters() *stats.Counters
	// Tracker is the source's view of its topic and its event log.
	Tracker() *discovery.Tracker
	// Run sends or polls until ctx ends, then returns.
	Run(ctx context.Context)
	// Close stops the source, waits for what is in flight within the
	// source's own deadline, and releases it. The error says what was lost.
	Close() error
	// Grow adds partitions to the topic; target maps the current count to
	// the wanted total. The source wraps the admin call so its own change
	// is never mistaken for someone else's.
	Grow(ctx context.Context, target func(current int) int) (from, to int, err error)
}

// Sender is a Source that sends records: the rate and pause actions apply
// to it.
type Sender interface {
	Source
	Rate() float64 // target records/s; 0: as fast as the cluster takes
	SetRate(r float64) error
	Paused() bool
	SetPaused(paused bool)
}

// ErrNotSending is what rate and pause actions return on a source that
// sends nothing (observe mode).
var ErrNotSending = errors.New("partop sends nothing in observe mode: rate and pause do not apply")

// Connection is the cluster connection the engine closes after its source.
type Connection interface{ Close() }

// Stepped is a source whose counts change in steps at known times (observe
// mode polls end offsets once a second). The engine samples at each step
// instead of on its tick, so a rate divides what a step added by the real
// time between steps.
type Stepped interface {
	Steps() <-chan time.Time
}
