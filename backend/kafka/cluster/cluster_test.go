package cluster

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"partop/rules"
)

func openEmbedded(t *testing.T) *Cluster {
	t.Helper()
	c, err := Open(context.Background(), Config{Embedded: EmbeddedConfig{Port: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestEmbeddedTopicLifecycle(t *testing.T) {
	t.Parallel()
	c := openEmbedded(t)
	ctx := context.Background()
	if !c.Embedded() || !strings.HasPrefix(c.Name(), "embedded 127.0.0.1:") || len(c.Seeds()) != 3 {
		t.Fatalf("name %q seeds %v", c.Name(), c.Seeds())
	}
	top, err := c.EnsureTopic(ctx, "t", 4, false) // embedded creates even without create
	if err != nil || top.Count() != 4 {
		t.Fatalf("EnsureTopic = %d partitions, %v", top.Count(), err)
	}
	for i, p := range top.Partitions {
		if p.ID != int32(i) || p.Leader < 0 {
			t.Fatalf("partition %+v", p)
		}
	}
	if again, err := c.EnsureTopic(ctx, "t", 9, false); err != nil || again.Count() != 4 {
		t.Fatalf("existing topic changed: %d, %v", again.Count(), err)
	}
	from, to, err := c.Grow(ctx, "t", func(n int) int { return n + 3 })
	if err != nil || from != 4 || to != 7 {
		t.Fatalf("Grow = %d→%d, %v", from, to, err)
	}
	from, to, err = c.Grow(ctx, "t", func(int) int { return 7 })
	if err == nil || from != 7 || to != 7 || !strings.Contains(err.Error(), "cannot shrink") {
		t.Fatalf("Grow to the same count = %d→%d, %v", from, to, err)
	}
	if _, _, err := c.Grow(ctx, "t", func(int) int { return rules.MaxPartitions + 1 }); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("absurd count: %v", err)
	}
	if top, _ := c.Describe(ctx, "t"); top.Count() != 7 {
		t.Fatalf("topic has %d partitions after refused grows, want 7", top.Count())
	}
}

func TestUnknownTopicOnRealClusterNeedsCreate(t *testing.T) {
	t.Parallel()
	emb := openEmbedded(t)
	// Reaching the same brokers by address is what a user with --brokers
	// does: partop must not create topics there unasked.
	c, err := Open(context.Background(), Config{Brokers: emb.Seeds()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.EnsureTopic(context.Background(), "missing", 4, false)
	if !errors.Is(err, ErrUnknownTopic) && (err == nil || !strings.Contains(err.Error(), "--create")) {
		t.Fatalf("error = %v, want one naming --create", err)
	}
	if !strings.Contains(err.Error(), "--create") || !strings.Contains(err.Error(), `"missing"`) {
		t.Fatalf("error = %v, want the topic and --create named", err)
	}
	if top, err := c.EnsureTopic(context.Background(), "missing", 2, true); err != nil || top.Count() != 2 {
		t.Fatalf("with create: %d, %v", top.Count(), err)
	}
}

func TestUnreachableBrokersFailFastWithAddress(t *testing.T) {
	t.Parallel()
	// A closed port: refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err = Open(context.Background(), Config{Brokers: []string{addr}})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error = %v, want it to name %s", err, addr)
	}
	if took := time.Since(start); took > 12*time.Second {
		t.Fatalf("took %s, want about 10s at most", took)
	}
}

func TestSilentBrokerTimesOut(t *testing.T) {
	t.Parallel()
	// A port that accepts connections and never answers: the hang case.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	start := time.Now()
	_, err = Open(context.Background(), Config{Brokers: []string{ln.Addr().String()}, ConnectTimeout: time.Second})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "within 1s") {
		t.Fatalf("error = %v, want no answer within 1s naming the address", err)
	}
	if took > 5*time.Second {
		t.Fatalf("took %s with a 1s connect timeout", took)
	}
}

func TestBadBrokerAddress(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), Config{Brokers: []string{"localhost"}})
	if err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Fatalf("error = %v", err)
	}
}

func TestRetentionBudget(t *testing.T) {
	t.Parallel()
	e := EmbeddedConfig{}.withDefaults()
	if got := e.retainPerPartition(4); got != defaultRetainBytes/4 {
		t.Fatalf("4 partitions: %d", got)
	}
	if got := e.retainPerPartition(10000); got != minRetainPerPartition {
		t.Fatalf("10000 partitions: %d, want the floor %d", got, minRetainPerPartition)
	}
}
