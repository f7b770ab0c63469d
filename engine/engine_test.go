package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"partop/engine"
	"partop/source"
	"partop/source/sourcetest"
)

// running starts eng.Run on src inside the caller's synctest bubble, waits
// until the source has its reporter, and returns a stop that ends the run
// and returns Run's error.
func running(t *testing.T, src interface {
	source.Source
	Started() <-chan struct{}
}, cfg engine.Config) (eng *engine.Engine, stop func() error) {
	t.Helper()
	eng = engine.New(src, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	<-src.Started()
	stopped := false
	var err error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return eng, stop
}

// expansions are the expansion events in s, oldest first.
func expansions(s *engine.Snapshot) []engine.Event {
	var out []engine.Event
	for _, e := range s.Events {
		if e.Kind == engine.KindExpansion {
			out = append(out, e)
		}
	}
	return out
}

// messages are s's non-expansion events as "kind:message".
func messages(s *engine.Snapshot) string {
	var out []string
	for _, e := range s.Events {
		if e.Kind != engine.KindExpansion {
			out = append(out, e.Kind+":"+e.Message)
		}
	}
	return strings.Join(out, "|")
}

// TestPickupTimeline: partop adds partitions at t0, the source routes to
// them 10 ms later and the last new partition's first record comes at
// t0+50ms: the expansion carries exactly those times, and its pickup is
// 50 ms.
func TestPickupTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		eng, _ := running(t, src, engine.Config{Tick: 100 * time.Millisecond})
		src.Report(source.Routed{Partitions: 4})
		t0 := time.Now()
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 4}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		src.Report(source.Routed{Partitions: 8})
		time.Sleep(30 * time.Millisecond)
		src.Ack(4, 1)
		src.Ack(5, 1)
		src.Ack(6, 1)
		time.Sleep(10 * time.Millisecond)
		if e := expansions(eng.Snapshot()); len(e) != 1 || e[0].Done {
			t.Fatalf("expansions %+v: want one, pending (partition 7 has no record)", e)
		}
		src.Ack(7, 1)
		time.Sleep(200 * time.Millisecond) // the next sample finishes it
		s := eng.Snapshot()
		e := expansions(s)
		if len(e) != 1 {
			t.Fatalf("%d expansions", len(e))
		}
		x := e[0]
		if x.By != engine.ByPartop || x.From != 4 || x.To != 8 || !x.Done {
			t.Fatalf("expansion %+v", x)
		}
		if !x.Created.Equal(t0) || !x.Seen.Equal(t0) || x.Routed.Sub(t0) != 10*time.Millisecond || x.FirstRecord.Sub(t0) != 50*time.Millisecond {
			t.Fatalf("timeline created %v seen %v routed +%v first ack +%v; want +0 +0 +10ms +50ms", x.Created.Sub(t0), x.Seen.Sub(t0), x.Routed.Sub(t0), x.FirstRecord.Sub(t0))
		}
		if x.Pickup != 50*time.Millisecond {
			t.Fatalf("pickup %s, want 50ms", x.Pickup)
		}
		want := []engine.Pickup{{ID: 1, Expansion: x.ID, By: engine.ByPartop, Latency: 50 * time.Millisecond}}
		if ps := s.PickupsSince(0); !slices.Equal(ps, want) {
			t.Fatalf("pickups %+v, want %+v", ps, want)
		}
		if ps := s.PickupsSince(1); len(ps) != 0 {
			t.Fatalf("pickups since 1: %+v", ps)
		}
		if s.TopicState.Partitions != 8 || s.TopicState.Cluster != 8 || src.Counters().Len() != 8 {
			t.Fatalf("topic state %+v, %d counters", s.TopicState, src.Counters().Len())
		}
	})
}

// TestExternalExpansion: a look at the topic with more partitions is
// someone else's expansion, timed from when it was seen; a look while
// partop's own Grow is in flight is not.
func TestExternalExpansion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		src.GrowTakes = 100 * time.Millisecond
		src.DuringGrow = func(_, to int) { src.Report(source.Metadata{Leaders: make([]int32, to)}) }
		eng, _ := running(t, src, engine.Config{})
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActSetTotal, N: 6}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		seen := time.Now()
		src.Report(source.Metadata{Leaders: make([]int32, 9)})
		time.Sleep(time.Second)
		e := expansions(eng.Snapshot())
		if len(e) != 2 {
			t.Fatalf("expansions %+v: want partop's 4→6 once, then someone's 6→9", e)
		}
		if e[0].By != engine.ByPartop || e[0].To != 6 || e[1].By != engine.ByExternal || e[1].From != 6 || e[1].To != 9 {
			t.Fatalf("expansions %+v", e)
		}
		if !e[1].Created.IsZero() || !e[1].Seen.Equal(seen) || !e[1].Start().Equal(seen) {
			t.Fatalf("external expansion created %v seen %v, want seen at %v", e[1].Created, e[1].Seen, seen)
		}
		if n := src.Counters().Len(); n != 9 {
			t.Fatalf("%d counters after growing to 9", n)
		}
	})
}

// TestSettling: new partitions are New until each carries 80% of its fair
// share; the expansion is Balanced at the sample that shows it.
func TestSettling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(2, 1000, source.About{})
		eng, _ := running(t, src, engine.Config{Tick: 100 * time.Millisecond})
		for range 20 { // 2 s on the old partitions only
			src.AckEach(2, 10)
			time.Sleep(100 * time.Millisecond)
		}
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond) // the next sample has the new partitions
		if s := eng.Snapshot(); fmt.Sprint(s.Unsettled) != "[false false true true]" {
			t.Fatalf("Unsettled = %v right after the expansion", s.Unsettled)
		}
		balancedBy := time.Time{}
		for i := range 100 { // 10 s on all four
			src.AckEach(4, 10)
			time.Sleep(100 * time.Millisecond)
			if e := expansions(eng.Snapshot())[0]; !e.Balanced.IsZero() && balancedBy.IsZero() {
				balancedBy = e.Balanced
				if i < 10 {
					t.Fatalf("balanced after %d ticks: the old partitions still carried most of the 5s window", i)
				}
			}
		}
		s := eng.Snapshot()
		if balancedBy.IsZero() || fmt.Sprint(s.Unsettled) != "[false false false false]" {
			t.Fatalf("balanced at %v, Unsettled %v after 10s of even traffic", balancedBy, s.Unsettled)
		}
		for range 100 { // partition 3 dips to nothing: settled once, it is not new again
			src.AckEach(3, 10)
			time.Sleep(100 * time.Millisecond)
		}
		if s := eng.Snapshot(); s.Stats.Partitions[3].Share != 0 || fmt.Sprint(s.Unsettled) != "[false false false false]" {
			t.Fatalf("after partition 3 went idle: share %v, Unsettled %v", s.Stats.Partitions[3].Share, s.Unsettled)
		}
	})
}

// TestSlowPickupNote: a source whose partitioner explains slow pickups
// gets its note on an expansion picked up SlowAfter or more after routing.
func TestSlowPickupNote(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(1, 1000, source.About{SlowNote: "why: sticky", SlowAfter: 250 * time.Millisecond})
		eng, _ := running(t, src, engine.Config{})
		for _, wait := range []time.Duration{100 * time.Millisecond, 300 * time.Millisecond} {
			if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 1}); err != nil {
				t.Fatal(err)
			}
			n := src.Counters().Len()
			src.Report(source.Routed{Partitions: n})
			time.Sleep(wait)
			src.Ack(int32(n-1), 1)
			time.Sleep(time.Second)
		}
		e := expansions(eng.Snapshot())
		if len(e) != 2 || e[0].Note != "" || e[1].Note != "why: sticky" {
			t.Fatalf("notes %q and %q: want none after 100ms, the note after 300ms", e[0].Note, e[1].Note)
		}
	})
}

// TestScheduleOutcomes: --at actions run at their offsets from the start;
// a refused one is an outcome with its reason and the next still runs.
func TestScheduleOutcomes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		start := time.Now()
		eng, _ := running(t, src, engine.Config{Schedule: []engine.Action{
			{At: time.Second, Kind: engine.ActSetTotal, N: 2},
			{At: 2 * time.Second, Kind: engine.ActAdd, N: 2},
			{At: 3 * time.Second, Kind: engine.ActRate, Rate: 50},
		}})
		time.Sleep(10 * time.Second)
		s := eng.Snapshot()
		if len(s.Outcomes) != 3 {
			t.Fatalf("%d outcomes", len(s.Outcomes))
		}
		for i, o := range s.Outcomes {
			if at := o.At.Sub(start); at != time.Duration(i+1)*time.Second {
				t.Errorf("outcome %d at +%s, want +%ds", i, at, i+1)
			}
		}
		if f := s.Failed(); len(f) != 1 || !strings.HasPrefix(f[0], "1s:partitions=2: ") || !strings.Contains(f[0], "cannot shrink") {
			t.Fatalf("failed = %q", f)
		}
		if e := expansions(s); len(e) != 1 || e[0].To != 6 || s.TargetRate != 50 {
			t.Fatalf("expansions %+v, rate %v", e, s.TargetRate)
		}
	})
}

// TestApplyLogsAndPublishes: rate and pause go through Apply, show in the
// next snapshot and in the event log; a refused action is logged and the
// run goes on; a view's note is logged.
func TestApplyLogsAndPublishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 500, source.About{})
		eng, _ := running(t, src, engine.Config{})
		ctx := context.Background()
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActRate, Rate: 1200}); err != nil || eng.Snapshot().TargetRate != 1200 {
			t.Fatalf("rate: %v, target %v", err, eng.Snapshot().TargetRate)
		}
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActPause}); err != nil || !eng.Snapshot().Paused {
			t.Fatalf("pause: %v, paused %v", err, eng.Snapshot().Paused)
		}
		_ = eng.Apply(ctx, engine.Action{Kind: engine.ActPause}) // again: no second event
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActResume}); err != nil || eng.Snapshot().Paused {
			t.Fatalf("resume: %v", err)
		}
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActSetTotal, N: 3}); err == nil || !strings.Contains(err.Error(), "cannot shrink") {
			t.Fatalf("shrink: %v", err)
		}
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActRate, Rate: -1}); err == nil {
			t.Fatal("a negative rate accepted")
		}
		_ = eng.Apply(ctx, engine.Action{Kind: engine.ActNote, NoteKind: engine.KindSession, Note: "ann joined"})
		got := messages(eng.Snapshot())
		for _, w := range []string{"rate:target rate 1,200/s", "pause:paused", "resume:resumed", "error:partitions=3: ", "error:rate=-1: ", "session:ann joined"} {
			if !strings.Contains(got, w) {
				t.Fatalf("events %q lack %q", got, w)
			}
		}
		if strings.Count(got, "pause:paused") != 1 {
			t.Fatalf("a pause of a paused producer was logged again: %q", got)
		}
	})
}

// TestObserverRefusesRateAndSamplesAtSteps: a source that sends nothing
// refuses rate and pause; a stepped source is sampled at its steps, not on
// the tick, and its rate divides a step by the real time since the last.
func TestObserverRefusesRateAndSamplesAtSteps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSource(2, source.About{Stepped: true})
		eng, _ := running(t, src, engine.Config{Tick: 100 * time.Millisecond})
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActPause}); !errors.Is(err, engine.ErrNotSending) {
			t.Fatalf("pause in observe mode: %v", err)
		}
		if s := eng.Snapshot(); s.Mode != engine.ModeObserve || s.Sending {
			t.Fatalf("mode %q, sending %v", s.Mode, s.Sending)
		}
		synctest.Wait() // Run's first sample
		n0 := eng.Snapshot().Stats.Samples
		time.Sleep(time.Second) // ten ticks, no step
		if n := eng.Snapshot().Stats.Samples; n != n0 {
			t.Fatalf("%d samples on the tick; a stepped source is sampled at its steps", n-n0)
		}
		src.Report(source.Step{At: time.Now()})
		synctest.Wait()
		time.Sleep(2 * time.Second)
		src.Ack(0, 500)
		at := time.Now()
		src.Report(source.Step{At: at})
		synctest.Wait()
		s := eng.Snapshot()
		if s.Stats.Samples != n0+2 || !s.Stats.At.Equal(at) {
			t.Fatalf("%d samples, the last at %v; want two, the last at the step %v", s.Stats.Samples-n0, s.Stats.At, at)
		}
		if s.Stats.Partitions[0].Rate != 250 {
			t.Fatalf("rate %v: want 500 records over the 2s between steps, 250/s", s.Stats.Partitions[0].Rate)
		}
	})
}

// TestProblemsAreRateLimited: a dead broker fails thousands of records;
// the log gets one line every 5 s, and a watcher's error and recovery one
// line each.
func TestProblemsAreRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(2, 1000, source.About{})
		eng, _ := running(t, src, engine.Config{})
		for range 12 { // 12 s of failures, 1000 a second
			for range 1000 {
				src.Report(source.RecordFailed{Partition: 1, Err: errors.New("broker gone")})
			}
			time.Sleep(time.Second)
		}
		src.Report(source.Metadata{Err: errors.New("no route")})
		src.Report(source.Metadata{Err: errors.New("no route")})
		src.Report(source.Metadata{Leaders: []int32{1, 2}})
		time.Sleep(time.Second) // facts show at the next tick
		got := messages(eng.Snapshot())
		if n := strings.Count(got, "produce failed on partition 1: broker gone"); n != 3 {
			t.Fatalf("%d failure lines in 12s, want 3 (at 0, 5 and 10s): %q", n, got)
		}
		if strings.Count(got, "watching topic metadata: no route") != 1 || !strings.Contains(got, "reachable again") {
			t.Fatalf("watch error and recovery: %q", got)
		}
		if v := eng.Snapshot().TopicState; v.WatchError != "" || fmt.Sprint(v.Leaders) != "[1 2]" {
			t.Fatalf("view after recovery %+v", v)
		}
	})
}

// TestStopFlushesAndReports: stopping closes the source (which flushes)
// and WholeTopic; Run returns the source's error, publishes a final
// snapshot, and refuses to run again.
func TestStopFlushesAndReports(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(2, 1000, source.About{})
		src.CloseErr = errors.New("flush: 12 records not acknowledged within 10s")
		whole := sourcetest.NewSource(2, source.About{Stepped: true})
		eng, stop := running(t, src, engine.Config{WholeTopic: whole})
		src.Ack(0, 7)
		time.Sleep(time.Millisecond)
		err := stop()
		if err == nil || !strings.Contains(err.Error(), "not acknowledged") {
			t.Fatalf("Run = %v, want the source's flush error", err)
		}
		s := eng.Snapshot()
		if !s.Stopped || s.Stats.Acked != 7 || !src.Closed() || !whole.Closed() {
			t.Fatalf("stopped %v, acked %d, source closed %v, whole topic closed %v", s.Stopped, s.Stats.Acked, src.Closed(), whole.Closed())
		}
		select {
		case <-eng.Done():
		default:
			t.Fatal("Done not closed after Run returned")
		}
		if err := eng.Run(context.Background()); err == nil {
			t.Fatal("a second Run was not refused")
		}
	})
}

// TestSnapshotsAreImmutable: a reader holding a snapshot sees it unchanged
// while the engine publishes newer ones; history grows by one sample a
// tick however many read it.
func TestSnapshotsAreImmutable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		eng, _ := running(t, src, engine.Config{Tick: 50 * time.Millisecond})
		src.AckEach(4, 10)
		time.Sleep(time.Second)
		held := eng.Snapshot()
		acked, hist, events := held.Stats.Acked, append([]float64(nil), held.Stats.TotalHistory...), len(held.Events)
		for range 20 {
			src.AckEach(4, 10)
			_ = eng.Apply(context.Background(), engine.Action{Kind: engine.ActNote, NoteKind: engine.KindInfo, Note: "x"})
			_ = eng.Snapshot() // readers do not sample
			time.Sleep(50 * time.Millisecond)
		}
		if held.Stats.Acked != acked || len(held.Events) != events || len(held.Stats.TotalHistory) != len(hist) {
			t.Fatal("a held snapshot changed")
		}
		for i := range hist {
			if held.Stats.TotalHistory[i] != hist[i] {
				t.Fatal("a held snapshot's history changed")
			}
		}
		if n := eng.Snapshot().Stats.Samples - held.Stats.Samples; n < 19 || n > 21 {
			t.Fatalf("%d samples in 20 ticks", n) // 20, give or take the tick at either end
		}
	})
}

// TestEventLogBounded: the log keeps the newest 1,000 events, whose IDs
// count every event logged, from 1, with no gaps.
func TestEventLogBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(1, 1000, source.About{})
		eng, _ := running(t, src, engine.Config{})
		for i := range 1010 {
			_ = eng.Apply(context.Background(), engine.Action{Kind: engine.ActNote, NoteKind: engine.KindInfo, Note: fmt.Sprint(i)})
		}
		evs := eng.Snapshot().Events
		if len(evs) != 1000 || evs[0].Message != "10" || evs[999].Message != "1009" {
			t.Fatalf("%d events, from %q to %q", len(evs), evs[0].Message, evs[len(evs)-1].Message)
		}
		for i, e := range evs {
			if e.ID != uint64(i)+11 {
				t.Fatalf("event %d (%q) has ID %d, want %d", i, e.Message, e.ID, i+11)
			}
		}
	})
}

// TestPickupsOutliveTheLog: each pickup is recorded once, when it happens,
// and stays in the snapshot however many events push its expansion out of
// the log; the list keeps the latest 1,000 pickups.
func TestPickupsOutliveTheLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(1, 1000, source.About{})
		eng, _ := running(t, src, engine.Config{Tick: 100 * time.Millisecond})
		ctx := context.Background()
		for n := 1; n <= 1002; n++ {
			if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 1}); err != nil {
				t.Fatal(err)
			}
			src.Ack(int32(n), 1)
			time.Sleep(150 * time.Millisecond) // a sample finishes it (one may come at the ack's instant)
			if n == 1 {
				for range 1500 {
					_ = eng.Apply(ctx, engine.Action{Kind: engine.ActNote, NoteKind: engine.KindInfo, Note: "news"})
				}
				s := eng.Snapshot()
				if len(expansions(s)) != 0 {
					t.Fatal("the first expansion is still in the log")
				}
				if ps := s.PickupsSince(0); len(ps) != 1 || ps[0].ID != 1 || ps[0].Expansion != 1 || ps[0].Latency != 0 {
					t.Fatalf("pickups after 1,500 events: %+v, want expansion 1's, picked up at once", ps)
				}
			}
		}
		s := eng.Snapshot()
		if len(s.Pickups) != 1000 || s.Pickups[0].ID != 3 || s.Pickups[999].ID != 1002 {
			t.Fatalf("%d pickups, IDs %d to %d; want the latest 1,000, 3 to 1002", len(s.Pickups), s.Pickups[0].ID, s.Pickups[len(s.Pickups)-1].ID)
		}
		if ps := s.PickupsSince(1); len(ps) != 1000 || ps[0].ID != 3 {
			t.Fatalf("since 1: %d pickups from %d; want all that are left", len(ps), ps[0].ID)
		}
		if ps := s.PickupsSince(1000); len(ps) != 2 || ps[0].ID != 1001 {
			t.Fatalf("since 1000: %+v", ps)
		}
	})
}
