//go:build kafka

package e2e

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/kproducer"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
)

// TestPickup: partop's producer uses partitions partop added within 1 s,
// and partitions Kafka's own admin tool added within the discovery
// interval + 1 s; what it acknowledged is exactly what a consumer reads back.
func TestPickup(t *testing.T) {
	topic := topicName("pickup")
	createTopic(t, topic, 4, 1, nil)
	c := openCluster(t, env.brokers, cluster.Security{})
	const interval = time.Second // the default
	l := newLedger()
	p := startProducer(t, c, kproducer.Config{Config: producer.Config{Topic: topic, Rate: 2000, Partitioner: rules.RoundRobin}, DiscoveryInterval: interval}, l)
	waitfor.That(t, 30*time.Second, "acks on all 4 partitions", func() bool { return firstAcks(p, 0, 4) })

	// 1. partop adds 2 partitions.
	ctx := context.Background()
	from, to, err := p.Grow(ctx, func(n int) int { return n + 2 })
	if err != nil || from != 4 || to != 6 {
		t.Fatalf("Grow = %d→%d, %v", from, to, err)
	}
	grown := time.Now()
	waitfor.That(t, 10*time.Second, "partop's expansion to be picked up", func() bool {
		e, ok := lastExpansion(p, engine.ByPartop)
		return ok && e.Done
	})
	own, _ := lastExpansion(p, engine.ByPartop)
	ownFromReturn := lastFirstAck(p, 4, 6).Sub(grown)
	if own.Pickup <= 0 || own.Pickup > time.Second {
		t.Errorf("partop-made pickup %s, want within 1s", own.Pickup)
	}

	// 2. Kafka's TopicCommand adds 2 more. A separate client polls the
	// topic every 20 ms to see when the cluster has them, so the latency is
	// measured from the cluster, not from partop's own watcher.
	visible := watchCount(t, c, topic, 8)
	toolStart := time.Now()
	kafkaSh(t, 2*time.Minute, "topics", "--alter", "--topic", topic, "--partitions", "8")
	toolDone := time.Now()
	waitfor.That(t, 10*time.Second, "the external expansion to be picked up", func() bool {
		e, ok := lastExpansion(p, engine.ByExternal)
		return ok && e.Done
	})
	ext, _ := lastExpansion(p, engine.ByExternal)
	seenAt := <-visible
	extFromVisible := lastFirstAck(p, 6, 8).Sub(seenAt)
	if ext.From != 6 || ext.To != 8 {
		t.Errorf("external expansion %d→%d, want 6→8", ext.From, ext.To)
	}
	if extFromVisible > interval+time.Second {
		t.Errorf("external pickup %s after the cluster showed 8 partitions, want within %s", extFromVisible, interval+time.Second)
	}

	// Keep going a moment on all 8, then stop and read everything back.
	time.Sleep(time.Second)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	lc := l.counts()
	a := doAudit(lc, readBack(t, topic))
	checkAudit(t, a, lc)
	if n := errorTotal(p); n != 0 {
		t.Errorf("%d produce errors", n)
	}
	for i, tt := range p.Counters().Read() {
		if int(tt.Acked) != lc.perPart[int32(i)] {
			t.Errorf("partition %d: partop counted %d acks, the hook saw %d", i, tt.Acked, lc.perPart[int32(i)])
		}
	}
	report(t, "partop-made 4→6: pickup %s (event; bound 1s), %s from Grow's return | external 6→8 (TopicCommand, %s): pickup %s from cluster showing it (bound %s), event %s from watcher | %s",
		ms(own.Pickup), ms(ownFromReturn), ms(toolDone.Sub(toolStart)), ms(extFromVisible), interval+time.Second, ms(ext.Pickup), a)
}

// TestPickupRepeated: ten expansions by partop in a row, each picked up
// within 1 s. One expansion can be lucky; ten show whether the refresh
// after CreatePartitions can hit a broker that has not applied it yet.
func TestPickupRepeated(t *testing.T) {
	topic := topicName("pickup-repeated")
	createTopic(t, topic, 2, 1, nil)
	c := openCluster(t, env.brokers, cluster.Security{})
	l := newLedger()
	p := startProducer(t, c, kproducer.Config{Config: producer.Config{Topic: topic, Rate: 2000, Partitioner: rules.RoundRobin}}, l)
	waitfor.That(t, 30*time.Second, "acks on both partitions", func() bool { return firstAcks(p, 0, 2) })
	const rounds = 10
	var pickups []time.Duration
	var late []string
	for i := 0; i < rounds; i++ {
		from, to, err := p.Grow(context.Background(), func(n int) int { return n + 1 })
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			e, ok := lastExpansion(p, engine.ByPartop)
			if ok && e.To == to && e.Done {
				pickups = append(pickups, e.Pickup)
				if e.Pickup > time.Second {
					late = append(late, fmt.Sprintf("%d→%d: %s", from, to, ms(e.Pickup)))
				}
				break
			}
			if time.Now().After(deadline) {
				pickups = append(pickups, 3*time.Second)
				late = append(late, fmt.Sprintf("%d→%d: not picked up within 3s (routing %d partitions)", from, to, p.eng.Snapshot().TopicState.Partitions))
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	lc := l.counts()
	a := doAudit(lc, readBack(t, topic))
	checkAudit(t, a, lc)
	sorted := append([]time.Duration(nil), pickups...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	report(t, "%d expansions by partop (+1 each, 2→%d): pickup min %s, median %s, max %s; over 1s: %d | %s",
		rounds, 2+rounds, ms(sorted[0]), ms(sorted[len(sorted)/2]), ms(sorted[len(sorted)-1]), len(late), a)
	if len(late) > 0 {
		t.Errorf("%d of %d expansions were not picked up within 1s:\n  %s", len(late), rounds, strings.Join(late, "\n  "))
	}
}

// TestHeadlessEndToEnd runs the partop command as a user would: it adds 2 partitions itself at 4 s, and Kafka's TopicCommand adds
// 2 more at about 6-8 s; the summary must report both expansions.
func TestHeadlessEndToEnd(t *testing.T) {
	topic := topicName("headless")
	// --create below finds the topic: creating it is TestCreateTopic's
	// business, this test is about the expansions.
	createTopic(t, topic, 4, 1, nil)
	var once sync.Once
	altered := make(chan error, 1)
	var alterStart time.Time
	onLine := func(m map[string]any) {
		if num(m, "t") >= 5.5 && num(m, "cluster_partitions") == 6 {
			once.Do(func() {
				alterStart = time.Now()
				go func() {
					altered <- alterPartitions(topic, 8)
				}()
			})
		}
	}
	start := time.Now()
	code, stderr, lines, sum := headless(t, 2*time.Minute, nil, onLine,
		"--brokers", joinComma(env.brokers), "--create", "--topic", topic, "--duration", "12s",
		"--partitioner", "round-robin", "--discovery-interval", "500ms", "--at", "4s:add=2")
	elapsed := time.Since(start)
	if alterStart.IsZero() {
		t.Fatalf("partop never showed 6 partitions after 5.5s; exit %d, stderr:\n%s", code, stderr)
	}
	if err := <-altered; err != nil {
		t.Fatal(err)
	}
	if code != 0 || sum == nil {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if sum["partitions"] != 8.0 || sum["cluster_partitions"] != 8.0 {
		t.Errorf("summary: partitions %v, cluster_partitions %v; want 8, 8", sum["partitions"], sum["cluster_partitions"])
	}
	var own, ext map[string]any
	for _, e := range expansions(sum) {
		switch e["by"] {
		case "partop":
			own = e
		case "external":
			ext = e
		}
	}
	if own == nil || own["from"] != 4.0 || own["to"] != 6.0 || own["pickup_ms"] == nil {
		t.Fatalf("partop expansion = %v", own)
	}
	if ext == nil || ext["from"] != 6.0 || ext["to"] != 8.0 || ext["pickup_ms"] == nil {
		t.Fatalf("external expansion = %v", ext)
	}
	if v := num(own, "pickup_ms"); v <= 0 || v > 1000 {
		t.Errorf("partop pickup_ms %v, want within 1000", v)
	}
	// The external event's pickup runs from when partop's watcher saw the
	// change; the watcher polls every 500ms, so the bound is that + 1s.
	if v := num(ext, "pickup_ms"); v <= 0 || v > 1500 {
		t.Errorf("external pickup_ms %v, want within 1500", v)
	}
	// What the summary says each partition acknowledged is exactly what the
	// topic holds: nothing lost, nothing twice.
	records := readBack(t, topic)
	readPer := map[int32]int{}
	runs := map[uint64]bool{}
	seqs := map[uint64]int{}
	dups := 0
	for _, r := range records {
		readPer[r.partition]++
		runs[r.runID] = true
		if seqs[r.seq]++; seqs[r.seq] == 2 {
			dups++
		}
	}
	var acked float64
	for _, pp := range sum["per_partition"].([]any) {
		pl := pp.(map[string]any)
		part := int32(num(pl, "partition"))
		acked += num(pl, "acked")
		if int(num(pl, "acked")) != readPer[part] {
			t.Errorf("partition %d: summary acked %v, read back %d", part, pl["acked"], readPer[part])
		}
	}
	if len(runs) != 1 || dups != 0 || num(sum, "errors") != 0 || acked != num(sum, "acked") {
		t.Errorf("run ids %d (want 1), duplicates %d, errors %v, per-partition acked %v vs total %v", len(runs), dups, sum["errors"], acked, sum["acked"])
	}
	report(t, "headless 12s, %d lines in %s: by partop 4→6 pickup_ms=%v | by external 6→8 (TopicCommand started at t≈%.1fs) pickup_ms=%v | acked=%v read_back=%d duplicates=%d errors=%v",
		len(lines), elapsed.Round(100*time.Millisecond), own["pickup_ms"], alterStart.Sub(start).Seconds(), ext["pickup_ms"], sum["acked"], len(records), dups, sum["errors"])
}

func alterPartitions(topic string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := runKafkaSh(ctx, "topics", "--alter", "--topic", topic, "--partitions", strconv.Itoa(n))
	if err != nil {
		return fmt.Errorf("kafka.sh topics --alter: %v\n%s", err, out)
	}
	return nil
}

// firstAcks reports whether partitions from..to-1 all have a first ack.
func firstAcks(p counted, from, to int) bool {
	return !lastFirstAck(p, from, to).IsZero()
}

// lastFirstAck is the latest first-ack time of partitions from..to-1, or
// zero if one has none yet.
func lastFirstAck(p counted, from, to int) time.Time {
	var last time.Time
	for i := from; i < to; i++ {
		at := p.Counters().FirstAck(int32(i))
		if at.IsZero() {
			return time.Time{}
		}
		if at.After(last) {
			last = at
		}
	}
	return last
}

// watchCount polls the topic every 20ms with its own client and sends the
// time it first has at least n partitions.
func watchCount(t *testing.T, c *cluster.Cluster, topic string, n int) <-chan time.Time {
	t.Helper()
	cl, err := kgo.NewClient(c.ClientOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan time.Time, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	go func() {
		defer cancel()
		defer cl.Close()
		for ctx.Err() == nil {
			top, err := cluster.Describe(ctx, cl, topic)
			if err == nil && top.Count() >= n {
				out <- time.Now()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		out <- time.Time{}
	}()
	t.Cleanup(cancel)
	return out
}

func checkAudit(t *testing.T, a audit, lc ledgerCounts) {
	t.Helper()
	if a.acked == 0 {
		t.Fatal("nothing was acknowledged")
	}
	if a.missing != 0 || a.duplicated != 0 || lc.twice != 0 {
		t.Errorf("%s, acknowledged twice %d", a, lc.twice)
	}
	for _, m := range a.perPartitionMismatch {
		t.Errorf("%s", m)
	}
	if a.foreign != 0 {
		t.Errorf("%d records in the topic are not from this run", a.foreign)
	}
	if a.nonIdempotent != 0 {
		t.Errorf("%d records were written without a producer id: the producer was not idempotent", a.nonIdempotent)
	}
}

// TestCreateTopic: partop creates a topic on a 3-node cluster and uses it
// at once. Kafka answers CreateTopics when the controller has the topic;
// the broker that answers the next Metadata request may not know it yet
// for a few milliseconds, so EnsureTopic must wait for it rather than
// report "unknown topic" for a topic it has just created.
func TestCreateTopic(t *testing.T) {
	c := openCluster(t, env.brokers, cluster.Security{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	missing := topicName("never-created")
	if _, err := c.EnsureTopic(ctx, missing, 4, false); err == nil || !strings.Contains(err.Error(), "--create") {
		t.Errorf("EnsureTopic without create on a missing topic = %v; want advice to pass --create", err)
	}
	const n = 10
	var failed []string
	start := time.Now()
	for i := 0; i < n; i++ {
		topic := topicName(fmt.Sprintf("create-%d", i))
		top, err := c.EnsureTopic(ctx, topic, 3, true)
		if err != nil {
			failed = append(failed, err.Error())
		} else if top.Count() != 3 {
			failed = append(failed, fmt.Sprintf("%s: %d partitions, want 3", topic, top.Count()))
		}
	}
	took := time.Since(start)
	topic := topicName("create-cmd")
	code, stderr, _, sum := headless(t, time.Minute, nil, nil, "--brokers", joinComma(env.brokers), "--create", "--topic", topic, "--partitions", "3", "--duration", "2s")
	if code != 0 || sum == nil || num(sum, "acked") <= 0 {
		failed = append(failed, fmt.Sprintf("partop --create: exit %d: %s", code, strings.TrimSpace(stderr)))
	}
	report(t, "EnsureTopic(create) on %d new topics: %d failed (%s for all); partop --create: exit %d", n, len(failed), ms(took), code)
	if len(failed) > 0 {
		t.Errorf("creating a topic and using it at once failed %d times (of %d); cluster.EnsureTopic must retry Describe while the new topic is unknown:\n  %s",
			len(failed), n+1, strings.Join(failed, "\n  "))
	}
}
