//go:build kafka

package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/kproducer"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
)

// TestBrokerFailure: on the 3-node cluster, a topic with replication
// factor 3 and min.insync.replicas=2 takes records at a steady rate from
// partop's producer (acks=all, idempotent) while the broker leading most of
// its partitions is killed with SIGKILL, stays down about 10 s, and comes
// back. The producer must keep going, and reading the whole topic back must
// show every acknowledged record exactly once.
//
// Recovery time is measured from the kill until every partition has
// acknowledged a record that was produced after the kill (so backlog from
// before the kill does not count). It is bounded by how long Kafka takes to
// notice the dead broker (broker.session.timeout.ms, 9 s by default) and
// move leadership; kgo retries meanwhile.
func TestBrokerFailure(t *testing.T) {
	if env.nodes < 3 {
		t.Skipf("needs the 3-node cluster (KAFKA_NODES=%d)", env.nodes)
	}
	const (
		partitions = 6
		rate       = 1000.0
		down       = 10 * time.Second
	)
	topic := topicName("failover")
	minISR := "2"
	createTopic(t, topic, partitions, 3, map[string]*string{"min.insync.replicas": &minISR})
	c := openCluster(t, env.brokers, cluster.Security{})
	l := newLedger()
	p := startProducer(t, c, kproducer.Config{Config: producer.Config{Topic: topic, Rate: rate, Partitioner: rules.RoundRobin}}, l)

	// The producer must ask for acks from all in-sync replicas and write
	// idempotently: kgo's defaults, which partop must not weaken.
	if acks := p.Client().OptValue(kgo.RequiredAcks); acks != kgo.AllISRAcks() {
		t.Fatalf("producer acks = %v, want all ISR", acks)
	}
	if off := p.Client().OptValue(kgo.DisableIdempotentWrite); off != false {
		t.Fatalf("producer idempotence disabled = %v", off)
	}
	waitfor.That(t, 30*time.Second, "acks on all partitions", func() bool { return firstAcks(p, 0, partitions) })
	time.Sleep(3 * time.Second)

	ctx := context.Background()
	top, err := c.Describe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	led := map[int32][]int32{}
	for _, pt := range top.Partitions {
		led[pt.Leader] = append(led[pt.Leader], pt.ID)
	}
	victim := int32(-1)
	for b, ps := range led {
		if victim < 0 || len(ps) > len(led[victim]) || (len(ps) == len(led[victim]) && b < victim) {
			victim = b
		}
	}
	if victim < 1 || victim > 3 {
		t.Fatalf("no leader to kill: %v", led)
	}

	// Sample the producer's counters every 100ms to see the rate drop and
	// come back.
	var (
		smu     sync.Mutex
		samples []sample
	)
	sctx, scancel := context.WithCancel(ctx)
	sdone := make(chan struct{})
	go func() {
		defer close(sdone)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case now := <-tick.C:
				smu.Lock()
				samples = append(samples, sample{now, ackedTotal(p), errorTotal(p)})
				smu.Unlock()
			}
		}
	}()

	node := nodes(t)
	ackedBefore := ackedTotal(p)
	// Kill returns once the process is gone; records produced before
	// that may still be acknowledged normally, so the clock starts here.
	node.Kill(victim)
	killAt := time.Now()
	l.markRecovery(killAt)
	t.Logf("killed node %d (leader of partitions %v) at %s", victim, led[victim], killAt.Format("15:04:05.000"))

	time.Sleep(time.Until(killAt.Add(down)))
	restartAt := time.Now()
	node.Start(victim)
	backAt := time.Now()
	t.Logf("node %d restarted; back in the metadata after %s", victim, ms(backAt.Sub(restartAt)))
	ackedAtRestart := ackedTotal(p)

	// Keep producing after the restart, then wait (bounded) for every
	// partition to have recovered, if it has not yet.
	time.Sleep(5 * time.Second)
	deadline := time.Now().Add(30 * time.Second)
	recoveredAt, ok := l.recoveredAll(partitions)
	for !ok && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		recoveredAt, ok = l.recoveredAll(partitions)
	}
	scancel()
	<-sdone
	ackedEnd := ackedTotal(p)
	closeErr := p.Close()
	stopAt := time.Now()

	if !ok {
		t.Errorf("not every partition acknowledged a record produced after the kill within %s", time.Since(killAt).Round(time.Second))
	}
	recovery := recoveredAt.Sub(killAt)
	if closeErr != nil {
		t.Errorf("producer close: %v", closeErr)
	}
	if ackedAtRestart <= ackedBefore || ackedEnd <= ackedAtRestart {
		t.Errorf("the producer stopped acking: %d before the kill, %d at restart, %d at the end", ackedBefore, ackedAtRestart, ackedEnd)
	}

	// Rate figures from the samples: the lowest 1 s rate after the kill,
	// and when the 1 s rate first came back to 90% of the target.
	smu.Lock()
	minRate, rateBack := rateFigures(samples, killAt, rate)
	smu.Unlock()

	lc := l.counts()
	a := doAudit(lc, readBack(t, topic))
	checkAudit(t, a, lc)
	errs := errorTotal(p)
	var lastErr string
	if lc.lastErr != nil {
		lastErr = lc.lastErr.Error()
	}
	rateBackStr := "never"
	if !rateBack.IsZero() {
		rateBackStr = ms(rateBack.Sub(killAt))
	}
	t.Logf("producer errors: %d (failed records seen by the hook: %d; last: %q); longest gap between acks on one partition: %s (partition %d)",
		errs, lc.failed, lastErr, ms(lc.maxGap), lc.gapPart)
	report(t, "killed node %d (led %d of %d partitions) for %s, restart took %s, ran %s | %s | errors=%d | recovery (every partition acked a record produced after the kill) %s; min 1s rate after kill %.0f/s, back to 90%% of %.0f/s after %s; longest per-partition ack gap %s",
		victim, len(led[victim]), partitions, restartAt.Sub(killAt).Round(100*time.Millisecond), ms(backAt.Sub(restartAt)), stopAt.Sub(killAt).Round(time.Second),
		a, errs, ms(recovery), minRate, rate, rateBackStr, ms(lc.maxGap))
}

// sample is the producer's counters at one moment.
type sample struct {
	at            time.Time
	acked, errors uint64
}

// rateFigures returns the lowest 1 s acked rate after from, and when the
// 1 s rate first came back to 90% of target after dropping below it (from
// itself if it never dropped, zero if it never came back).
func rateFigures(xs []sample, from time.Time, target float64) (float64, time.Time) {
	minRate := -1.0
	var back time.Time
	dropped := false
	for i := range xs {
		if xs[i].at.Before(from.Add(time.Second)) {
			continue
		}
		j := i
		for j > 0 && xs[i].at.Sub(xs[j].at) < time.Second {
			j--
		}
		dt := xs[i].at.Sub(xs[j].at).Seconds()
		if dt <= 0 {
			continue
		}
		r := float64(xs[i].acked-xs[j].acked) / dt
		if minRate < 0 || r < minRate {
			minRate = r
		}
		if r < 0.9*target {
			dropped = true
		} else if dropped && back.IsZero() {
			back = xs[i].at
		}
	}
	if !dropped {
		back = from
	}
	return minRate, back
}
