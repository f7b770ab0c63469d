package tui

import (
	"context"
	"time"

	"partop/engine"
	"partop/rules"
)

// Engine is what the dashboard reads and asks: *engine.Engine. Snapshot
// never blocks; Apply may (it can make an admin call to the cluster), so
// the dashboard calls it inside a tea.Cmd, never in Update or View.
type Engine interface {
	// Snapshot is the engine's latest published state; it is shared, so
	// the dashboard never modifies it.
	Snapshot() *engine.Snapshot
	// Apply carries out an operator action: add or grow partitions, set
	// the rate, pause or resume.
	Apply(ctx context.Context, a engine.Action) error
}

// Config is how this dashboard shows the engine: how often it looks, its
// clock (tests render deterministic screens), and how it runs actions.
type Config struct {
	// Tick is how often the dashboard reads a snapshot (default: the
	// engine's sampling tick).
	Tick time.Duration
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
	// ViewOnly refuses actions: this viewer may watch, not change.
	ViewOnly bool
	// TopicsKey shows t, the topics view, in the help: the dashboard runs
	// inside one (Topics acts on the key).
	TopicsKey bool
}

func (c Config) withDefaults(snap *engine.Snapshot) Config {
	if c.Tick <= 0 {
		c.Tick = snap.Tick
	}
	if c.Tick <= 0 {
		c.Tick = rules.DefaultTick
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
	return c
}
