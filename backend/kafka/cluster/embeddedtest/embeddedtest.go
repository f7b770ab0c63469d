// Package embeddedtest starts partop's embedded cluster (kfake, on free
// ports) for the tests of the packages above cluster, and polls for what
// those tests, and the real-Kafka suite's, wait on.
package embeddedtest

import (
	"context"
	"testing"
	"time"

	"partop/backend/kafka/cluster"
)

// Start opens an embedded cluster, closed when the test ends, with topic
// made with the given partitions (no topic when topic is empty).
func Start(t testing.TB, topic string, partitions int) (*cluster.Cluster, cluster.Topic) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := cluster.Open(ctx, cluster.Config{Embedded: cluster.EmbeddedConfig{Port: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if topic == "" {
		return c, cluster.Topic{}
	}
	tp, err := c.EnsureTopic(ctx, topic, partitions, true)
	if err != nil {
		t.Fatal(err)
	}
	return c, tp
}
