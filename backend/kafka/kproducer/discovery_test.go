package kproducer

import (
	"context"
	"testing"
	"time"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestPicksUpPartitionsItAdded(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "own", 4)
	p, eng := running(t, c, Config{Config: producer.Config{Topic: "own", Rate: 2000, Partitioner: rules.RoundRobin}})
	waitfor.That(t, 10*time.Second, "the producer to route to 4 partitions", func() bool { return eng.Snapshot().TopicState.Partitions == 4 })
	add(t, eng, 4)
	waitfor.That(t, 10*time.Second, "the expansion to be picked up", func() bool {
		e, ok := lastExpansion(eng)
		return ok && e.Done
	})
	e, _ := lastExpansion(eng)
	if e.By != engine.ByPartop || e.From != 4 || e.To != 8 {
		t.Fatalf("event = %+v, want 4→8 by partop", e)
	}
	// The bound: partitions partop added are used within 1 s.
	if e.Pickup <= 0 || e.Pickup > time.Second {
		t.Fatalf("pickup = %s, want within (0, 1s]", e.Pickup)
	}
	if e.Created.IsZero() || e.Routed.Before(e.Created) || e.FirstRecord.Before(e.Routed) {
		t.Fatalf("timeline out of order: created %v routed %v first ack %v", e.Created, e.Routed, e.FirstRecord)
	}
	waitfor.That(t, time.Second, "the view to show 8 of 8", func() bool { v := eng.Snapshot().TopicState; return v.Partitions == 8 && v.Cluster == 8 })
	if v := eng.Snapshot().TopicState; v.Partitions != 8 || v.Cluster != 8 {
		t.Fatalf("view = %d routed / %d in cluster, want 8 / 8", v.Partitions, v.Cluster)
	}
	for part := int32(4); part < 8; part++ {
		if p.Counters().FirstAck(part).IsZero() {
			t.Fatalf("partition %d never acknowledged a record", part)
		}
	}
	if n := countExpansions(eng); n != 1 {
		t.Fatalf("%d expansion events, want 1 (the watcher must not report partop's own change again)", n)
	}
}

func TestPicksUpPartitionsOthersAdded(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "ext", 4)
	interval := 300 * time.Millisecond
	_, eng := running(t, c, Config{Config: producer.Config{Topic: "ext", Rate: 2000, Partitioner: rules.RoundRobin}, DiscoveryInterval: interval})
	waitfor.That(t, 10*time.Second, "the producer to route to 4 partitions", func() bool { return eng.Snapshot().TopicState.Partitions == 4 })

	other, err := kgo.NewClient(c.ClientOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	added := time.Now()
	resp, err := kadm.NewClient(other).UpdatePartitions(context.Background(), 7, "ext")
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	// The bound: interval + 1 s from the change to the producer
	// acknowledging records on every new partition.
	waitfor.That(t, interval+time.Second, "the external expansion to be picked up", func() bool {
		e, ok := lastExpansion(eng)
		return ok && e.Done
	})
	e, _ := lastExpansion(eng)
	if e.By != engine.ByExternal || e.From != 4 || e.To != 7 || !e.Created.IsZero() {
		t.Fatalf("event = %+v, want 4→7 external with no created time", e)
	}
	if e.Seen.Before(added) || e.FirstRecord.Sub(added) > interval+time.Second {
		t.Fatalf("seen %v, first ack %v; added at %v", e.Seen, e.FirstRecord, added)
	}
	if e.Pickup != e.FirstRecord.Sub(e.Seen) {
		t.Fatalf("pickup %s is not first ack - seen (%s)", e.Pickup, e.FirstRecord.Sub(e.Seen))
	}
}

func TestWithoutDiscoveryKgoWaits(t *testing.T) {
	t.Parallel()
	// The baseline partop exists to fix: a kgo producer with default
	// options keeps routing to the old partitions after an expansion.
	c, _ := embeddedtest.Start(t, "base", 2)
	cl, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("base"), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	if err := cl.ProduceSync(ctx, kgo.StringRecord("warm")).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Grow(ctx, "base", func(n int) int { return n + 2 }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		r := kgo.StringRecord("x")
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if r.Partition >= 2 {
			t.Fatalf("plain kgo wrote to new partition %d within 2s; the baseline assumption is wrong", r.Partition)
		}
	}
}

func countExpansions(eng *engine.Engine) int {
	n := 0
	for _, e := range eng.Snapshot().Events {
		if e.Kind == engine.KindExpansion {
			n++
		}
	}
	return n
}
