package tui

import (
	"context"
	"time"

	"partop/producer"
	"partop/stats"
)

// Engine is everything the dashboard reads and asks of partop's producer.
// Only Apply may block (it can make an admin call to the cluster), so the
// dashboard calls it inside a tea.Cmd, never in Update or View.
type Engine interface {
	// Sample records the counters as of now and returns the snapshot.
	Sample(now time.Time) stats.Snapshot
	// View is the producer's current view of its topic.
	View() producer.View
	// Events is the event log, oldest first.
	Events() []producer.Event
	// Rate is the target rate in records/s (0: unlimited).
	Rate() float64
	// Paused reports whether sending is paused.
	Paused() bool
	// Apply carries out an operator action: add or grow partitions, set
	// the rate, pause or resume.
	Apply(ctx context.Context, a producer.Action) error
}

// Config is what the dashboard shows that never changes while it runs,
// plus the clock, so tests render deterministic screens.
type Config struct {
	Cluster     string        // where partop is connected: "embedded 127.0.0.1:9092" or the broker list
	Topic       string        // topic the producer writes to
	Partitioner string        // partitioner name, as given to the producer
	Tick        time.Duration // refresh interval (default 250ms)
	// Start is when partop started: uptime and --at offsets count from it.
	Start time.Time
	// Schedule lists the --at actions, sorted by offset. Something else
	// runs them (see ScheduledMsg); the dashboard shows what comes next.
	Schedule []producer.Action
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Location formats event times (default time.Local).
	Location *time.Location
	// Context bounds admin calls started from the dashboard (default
	// context.Background()); cancel it to abandon calls in flight.
	Context context.Context
	// AdminTimeout bounds one admin call (default 30s), so an unreachable
	// cluster shows an error instead of "adding…" forever.
	AdminTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Tick <= 0 {
		c.Tick = 250 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Context == nil {
		c.Context = context.Background()
	}
	if c.AdminTimeout <= 0 {
		c.AdminTimeout = 30 * time.Second
	}
	if c.Start.IsZero() {
		c.Start = c.Now()
	}
	return c
}
