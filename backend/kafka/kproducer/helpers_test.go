package kproducer

import (
	"context"
	"testing"
	"time"

	"partop/backend/kafka/cluster"
	"partop/engine"
)

// running makes a producer on c's topic and runs it under an engine, which
// keeps the expansion timeline from the facts the producer reports. The
// engine stops (closing the producer) when the test ends.
func running(t testing.TB, c *cluster.Cluster, cfg Config) (*Producer, *engine.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	topic, err := c.Describe(ctx, cfg.Topic)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientOpts = c.ClientOpts()
	p, err := New(cfg, c, topic)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(p, engine.Config{Tick: 20 * time.Millisecond})
	rctx, stop := context.WithCancel(context.Background())
	go func() { _ = eng.Run(rctx) }()
	t.Cleanup(func() { stop(); <-eng.Done() })
	return p, eng
}

// lastExpansion returns the newest expansion event.
func lastExpansion(eng *engine.Engine) (engine.Event, bool) {
	evs := eng.Snapshot().Events
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == engine.KindExpansion {
			return evs[i], true
		}
	}
	return engine.Event{}, false
}

// add has the engine add n partitions through the producer, as an
// operator's action does.
func add(t testing.TB, eng *engine.Engine, n int) {
	t.Helper()
	if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: n}); err != nil {
		t.Fatal(err)
	}
}
