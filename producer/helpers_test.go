package producer

import (
	"context"
	"testing"
	"time"

	"partop/cluster"
	"partop/discovery"
)

// embedded starts an in-process cluster on free ports with a topic of n
// partitions, closed when the test ends.
func embedded(t testing.TB, topic string, n int) *cluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := cluster.Open(ctx, cluster.Config{Embedded: cluster.EmbeddedConfig{Port: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if _, err := c.EnsureTopic(ctx, topic, n, true); err != nil {
		t.Fatal(err)
	}
	return c
}

// running makes a producer on c's topic, runs it, and closes it when the
// test ends.
func running(t testing.TB, c *cluster.Cluster, cfg Config) *Producer {
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
	go p.Run(context.Background())
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lastExpansion returns the newest expansion event.
func lastExpansion(p *Producer) (discovery.Event, bool) {
	evs := p.Tracker().Events()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == discovery.KindExpansion {
			return evs[i], true
		}
	}
	return discovery.Event{}, false
}
