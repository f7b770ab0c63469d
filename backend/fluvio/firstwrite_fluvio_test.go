//go:build fluvio

package fluvio

import (
	"context"
	"testing"
	"time"

	ft "partop/backend/fluvio/fluviotest"
	"partop/engine"
	"partop/internal/waitfor"
)

// TestObserverFirstWrite: Fluvio's own producer (keyed, so every
// partition gets records) writes while someone else expands the topic
// three times; the observer, under an engine, dates each expansion's
// fleet pickup by the first records' own timestamps, exactly as Fluvio's
// consumer reads them (the latest first record of the new partitions),
// where the poll-based first record is up to an interval (1 s) later.
func TestObserverFirstWrite(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	tp := ft.CreateTopic(t, c, ft.TopicName("src-firstwrite"), 2)
	o, err := NewObserver(ObserverConfig{Topic: tp.Name}, c, tp) // the default 1 s poll
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(o, engine.Config{Tick: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitfor.That(t, 10*time.Second, "the observer's first polls", func() bool { return eng.Snapshot().Stats.Samples > 1 })

	const expansions = 3
	wait := ft.PyProduce(t, e, tp.Name, 1000, 6+4*expansions, 64)
	waitfor.That(t, 20*time.Second, "Fluvio's producer writing", func() bool {
		r := o.Counters().Read()
		return len(r) == 2 && r[0].Acked > 0 && r[1].Acked > 0
	})
	t.Cleanup(func() {
		if t.Failed() {
			for _, ev := range eng.Snapshot().Events {
				t.Logf("event: %+v", ev)
			}
			t.Logf("counts: %+v", o.Counters().Read())
		}
	})
	var dated []engine.Event
	for i := range expansions {
		to := 4 + 2*i
		actx, acancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := c.AddPartitions(actx, tp.Name, 2)
		acancel()
		if err != nil {
			t.Fatal(err)
		}
		// One add is one expansion event, unless the SC's announcements of
		// its partitions come further apart than the watch waits for (a
		// loaded machine): then each part is an expansion of its own,
		// dated on its own.
		waitfor.That(t, 30*time.Second, "the expansion dated and picked up", func() bool {
			dated = dated[:0]
			top := 0
			for _, ev := range eng.Snapshot().Events {
				if ev.Kind != engine.KindExpansion {
					continue
				}
				if !ev.Done || ev.FirstWrite.IsZero() {
					return false
				}
				dated, top = append(dated, ev), max(top, ev.To)
			}
			return top == to
		})
	}
	// Fluvio's producer fails some records sent to a partition the SPU
	// does not lead yet: what counts is what was written, as its consumer
	// reads it back.
	sent := wait()
	ft.Figure(t, "Fluvio's producer over the expansions", "%d records sent, %d failed", sent.Sent, sent.Errors)

	firsts := ft.PyFirsts(t, e, tp.Name, 2+2*expansions)
	var worst, pollSum, pollWorst time.Duration
	for _, ev := range dated {
		var truth time.Time
		for p := ev.From; p < ev.To; p++ {
			f, ok := firsts[int32(p)]
			if !ok || f.Offset != 0 || f.Timestamp <= 0 {
				t.Fatalf("partition %d: Fluvio's consumer read %+v first", p, f)
			}
			truth = maxTime(truth, time.UnixMilli(f.Timestamp))
		}
		diff, poll := ev.FirstWrite.Sub(truth), ev.FirstRecord.Sub(truth)
		if diff != 0 || ev.LogAppendTime {
			t.Errorf("%d→%d: first write %s (log append time %v), Fluvio's consumer reads %s", ev.From, ev.To,
				ev.FirstWrite.Format("15:04:05.000"), ev.LogAppendTime, truth.Format("15:04:05.000"))
		}
		worst, pollSum, pollWorst = max(worst, diff.Abs()), pollSum+poll, max(pollWorst, poll)
		ft.Figure(t, "first write vs records' own", "%d→%d: %s, diff %s | poll saw it %s later | seen→first write %s",
			ev.From, ev.To, ev.FirstWrite.Format("15:04:05.000"), diff, poll.Round(100*time.Microsecond), ev.FirstWrite.Sub(ev.Seen).Round(100*time.Microsecond))
	}
	ft.Figure(t, "first write over expansions", "%d expansions: worst diff %s | poll's first record: mean %s, worst %s later",
		len(dated), worst, (pollSum / time.Duration(len(dated))).Round(100*time.Microsecond), pollWorst.Round(100*time.Microsecond))
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
