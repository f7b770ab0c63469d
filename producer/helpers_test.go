package producer

import (
	"context"
	"testing"
	"time"

	"partop/cluster"
	"partop/discovery"
)

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
