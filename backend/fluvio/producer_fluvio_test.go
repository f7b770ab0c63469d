//go:build fluvio

package fluvio

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	ft "partop/backend/fluvio/fluviotest"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"

	"partop/backend/fluvio/client"
)

// outcomes collects which sequence numbers were acknowledged and which
// failed, per partition, from the producer's test hook.
type outcomes struct {
	mu     sync.Mutex
	run    uint64
	acked  map[int32]map[uint64]bool
	failed map[int32]map[uint64]bool
}

func watchOutcomes(p *Producer) *outcomes {
	o := &outcomes{run: p.records.RunID(), acked: map[int32]map[uint64]bool{}, failed: map[int32]map[uint64]bool{}}
	p.onResult = func(part int32, recs []client.Record, err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		m := o.acked
		if err != nil {
			m = o.failed
		}
		if m[part] == nil {
			m[part] = map[uint64]bool{}
		}
		for _, r := range recs {
			_, seq, _ := producer.ParseValue(r.Value)
			m[part][seq] = true
		}
	}
	return o
}

// check compares what Fluvio's consumer read with the outcomes: every
// acknowledged record exactly once, failed ones at most once, nothing else.
func (o *outcomes) check(t *testing.T, rb ft.ReadBack) (acked, failedButWritten int) {
	acked, failedButWritten, _ = o.checkLost(t, rb, nil)
	return acked, failedButWritten
}

// checkLost is check where the records in mayBeLost may be missing from
// the log: the server acknowledged them and lost them, which partop cannot
// see or prevent. They are counted, not failed.
func (o *outcomes) checkLost(t *testing.T, rb ft.ReadBack, mayBeLost map[int32]map[uint64]bool) (acked, failedButWritten, lost int) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	run := ""
	for _, p := range rb.Partitions {
		read := map[uint64]int{}
		for r, seqs := range p.Runs {
			if run == "" || r == run {
				run = r
			} else {
				t.Errorf("partition %d: records of two runs (%s, %s)", p.Partition, run, r)
			}
			for _, s := range seqs {
				read[s]++
			}
		}
		for s := range o.acked[p.Partition] {
			switch {
			case read[s] == 0 && mayBeLost[p.Partition][s]:
				lost++
			case read[s] != 1:
				t.Errorf("partition %d: acknowledged record %d read %d times, want once", p.Partition, s, read[s])
			default:
				acked++
			}
			delete(read, s)
		}
		for s, n := range read {
			switch {
			case !o.failed[p.Partition][s]:
				t.Errorf("partition %d: record %d read %d times, but partop neither acknowledged nor failed it there", p.Partition, s, n)
			case n > 1:
				t.Errorf("partition %d: failed record %d read %d times", p.Partition, s, n)
			default:
				failedButWritten++
			}
		}
	}
	return acked, failedButWritten, lost
}

// ackedNow is a copy of the records acknowledged so far, by partition.
func (o *outcomes) ackedNow() map[int32]map[uint64]bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[int32]map[uint64]bool{}
	for p, seqs := range o.acked {
		out[p] = maps.Clone(seqs)
	}
	return out
}

// startProducer runs partop's producer on tp under an engine, which keeps
// the event log and every expansion's timeline; stop ends the run and
// returns the producer's flush error.
func startProducer(t *testing.T, c *client.Client, tp client.Topic, cfg producer.Config) (*Producer, *engine.Engine, *outcomes, func() error) {
	t.Helper()
	cfg.Topic = tp.Name
	p, err := NewProducer(cfg, c, tp)
	if err != nil {
		t.Fatal(err)
	}
	o := watchOutcomes(p)
	eng := engine.New(p, engine.Config{Tick: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	var once sync.Once
	var closeErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			closeErr = <-done
		})
		return closeErr
	}
	t.Cleanup(func() { _ = stop() })
	return p, eng, o, stop
}

func total(p *Producer) (acked, errs uint64) {
	for _, c := range p.Counters().Read() {
		acked += c.Acked
		errs += c.Errors
	}
	return acked, errs
}

func firstAcked(p *Producer, from, to int) func() bool {
	return func() bool {
		for i := from; i < to; i++ {
			if p.Counters().FirstAck(int32(i)).IsZero() {
				return false
			}
		}
		return true
	}
}

// TestProducerReadBackExactlyOnce: partop's producer on Fluvio, through
// an expansion of its own and one by the fluvio CLI; Fluvio's consumer
// reads back every acknowledged record exactly once.
func TestProducerReadBackExactlyOnce(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	tp := ft.CreateTopic(t, c, ft.TopicName("src-readback"), 3)
	p, eng, o, stop := startProducer(t, c, tp, producer.Config{Rate: 2000, Partitioner: rules.RoundRobin})
	waitfor.That(t, 10*time.Second, "1000 acks", func() bool { a, _ := total(p); return a >= 1000 })

	if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2}); err != nil {
		t.Fatalf("add=2: %v", err)
	}
	waitfor.That(t, 5*time.Second, "first acks on partop's new partitions", firstAcked(p, 3, 5))
	if out, err := ft.CLI(t, e, "topic", "add-partition", tp.Name, "-c", "2"); err != nil {
		t.Fatalf("fluvio topic add-partition: %v\n%s", err, out)
	}
	waitfor.That(t, 5*time.Second, "first acks on the CLI's new partitions", firstAcked(p, 5, 7))
	a, _ := total(p)
	waitfor.That(t, 10*time.Second, "1000 more acks", func() bool { n, _ := total(p); return n >= a+1000 })
	if err := stop(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	acked, errs := total(p)
	if errs != 0 {
		t.Errorf("%d records failed", errs)
	}
	var exps []engine.Event
	for _, ev := range eng.Snapshot().Events {
		if ev.Kind == engine.KindExpansion {
			exps = append(exps, ev)
		}
	}
	if len(exps) != 2 || exps[0].By != engine.ByPartop || exps[0].From != 3 || exps[0].To != 5 || exps[1].By != engine.ByExternal {
		t.Fatalf("expansions: %+v, want partop's 3→5 then the CLI's 5→7", exps)
	}
	for _, ev := range exps {
		if !ev.Done || ev.Routed.IsZero() || ev.Seen.IsZero() {
			t.Errorf("expansion %d→%d by %s not complete: %+v", ev.From, ev.To, ev.By, ev)
		}
		ft.Figure(t, "pickup on Fluvio, "+ev.By, "%d→%d in %v (routed %v after seen)", ev.From, ev.To,
			ev.Pickup.Round(time.Microsecond), ev.Routed.Sub(ev.Seen).Round(time.Microsecond))
	}
	got, extra := o.check(t, ft.PyRead(t, e, tp.Name, 7))
	if uint64(got) != acked || extra != 0 {
		t.Errorf("read back %d acknowledged records (+%d others), partop counted %d", got, extra, acked)
	}
	ft.Figure(t, "acknowledged records read back by Fluvio's consumer", "%d of %d, 0 missing, 0 duplicates", got, acked)
}

// TestProducerSPUKilled kills the SPU under the producer with kill -9 and
// starts it again: errors are counted and logged, sending recovers, and
// what partop counted as acknowledged is exactly what is on the log, but
// for records the SPU acknowledged before it was killed and then lost in
// its restart (seen once: a whole partition's pre-kill records, with the
// partition's end offset below what had been acknowledged). That is the
// server's durability, not partop's count: it is reported, not failed.
func TestProducerSPUKilled(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	tp := ft.CreateTopic(t, c, ft.TopicName("src-kill"), 2)
	p, eng, o, stop := startProducer(t, c, tp, producer.Config{Rate: 500, Partitioner: rules.RoundRobin})
	waitfor.That(t, 10*time.Second, "300 acks", func() bool { a, _ := total(p); return a >= 300 })

	ft.ClusterScript(t, e, "kill-spu")
	beforeKill := o.ackedNow() // the dead SPU acknowledges nothing more
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			ft.ClusterScript(t, e, "start-spu")
		}
	})
	waitfor.That(t, 10*time.Second, "produce errors with the SPU down", func() bool { _, n := total(p); return n > 0 })
	waitfor.That(t, 10*time.Second, "an event naming the offline SPU", func() bool {
		return hasEvent(eng, engine.KindError, "leader SPU 5001 offline")
	})
	ft.ClusterScript(t, e, "start-spu")
	restarted = true
	up := time.Now()
	a, _ := total(p)
	waitfor.That(t, 30*time.Second, "300 acks after the restart", func() bool { n, _ := total(p); return n >= a+300 })
	ft.Figure(t, "producer recovered after the SPU restart", "300 more acks %v after start-spu returned", time.Since(up).Round(time.Millisecond))
	waitfor.That(t, 10*time.Second, "an event saying the SPU is back", func() bool {
		return hasEvent(eng, engine.KindInfo, "leader SPU 5001 online again")
	})
	if err := stop(); err != nil {
		t.Errorf("Close: %v", err)
	}
	acked, errs := total(p)
	got, extra, lost := o.checkLost(t, ft.PyRead(t, e, tp.Name, 2), beforeKill)
	if uint64(got+lost) != acked {
		t.Errorf("read back %d acknowledged records (%d lost by the SPU), partop counted %d", got, lost, acked)
	}
	if lost > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ends, err := c.EndOffsets(ctx, tp.Name, []int32{0, 1})
		ft.Figure(t, "Fluvio's SPU lost acknowledged records across kill -9", "%d records it had acknowledged before the kill are not on the log after the restart; end offsets now %v (%v)", lost, ends, err)
	}
	ft.Figure(t, "SPU kill -9 and restart under partop's producer", "%d acknowledged (%d read back once, %d lost by the SPU), %d failed, of which %d are on the log anyway (the SPU wrote them, its answer was lost)", acked, got, lost, errs, extra)
}

func hasEvent(eng *engine.Engine, kind, text string) bool {
	for _, ev := range eng.Snapshot().Events {
		if ev.Kind == kind && strings.Contains(ev.Message, text) {
			return true
		}
	}
	return false
}

// TestGrowMissingTopic: adding partitions to a topic the SC no longer has
// says so.
func TestGrowMissingTopic(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	tp := ft.CreateTopic(t, c, ft.TopicName("src-gone"), 1)
	p, err := NewProducer(producer.Config{Topic: tp.Name}, c, tp)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if out, err := ft.CLI(t, e, "topic", "delete", tp.Name); err != nil {
		t.Fatalf("fluvio topic delete: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitfor.That(t, 10*time.Second, "the topic to be gone", func() bool { _, err := c.Topic(ctx, tp.Name); return err != nil })
	_, _, err = p.Grow(ctx, func(n int) int { return n + 1 })
	if err == nil || !strings.Contains(err.Error(), tp.Name) || !strings.Contains(err.Error(), "unknown topic") {
		t.Errorf("Grow on a deleted topic: %v", err)
	}
	t.Logf("Grow on a deleted topic: %v", err)
}
