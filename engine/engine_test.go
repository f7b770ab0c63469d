package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"partop/cluster"
	"partop/cluster/embeddedtest"
	"partop/discovery"
	"partop/engine"
	"partop/producer"
	"partop/rules"
	"partop/workload"
)

// newEngine wires partop's producer on an embedded cluster into an engine,
// as main does.
func newEngine(t *testing.T, tick time.Duration, pcfg producer.Config, schedule ...engine.Action) (*engine.Engine, *cluster.Cluster) {
	t.Helper()
	cl, topic := embeddedtest.Start(t, pcfg.Topic, 4)
	pcfg.ClientOpts = cl.ClientOpts()
	p, err := producer.New(pcfg, cl, topic)
	if err != nil {
		t.Fatal(err)
	}
	return engine.New(p, cl, engine.Config{Info: engine.Info{Cluster: cl.Name(), Topic: pcfg.Topic}, Tick: tick, Schedule: schedule}), cl
}

// running starts eng.Run and returns a stop that ends it and returns its
// error.
func running(t *testing.T, eng *engine.Engine) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return 30s after its context ended")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// TestTwoReadersOneEngine: two readers poll one engine as fast as they
// can; they see the same snapshots, and the sampler's history grows by
// elapsed/tick, not faster, however many read it.
func TestTwoReadersOneEngine(t *testing.T) {
	const tick = 50 * time.Millisecond
	eng, _ := newEngine(t, tick, producer.Config{Config: workload.Config{Topic: "readers", Rate: 2000, Partitioner: rules.RoundRobin}})
	stop := running(t, eng)
	embeddedtest.WaitFor(t, 10*time.Second, "first records", func() bool { return eng.Snapshot().Stats.Acked > 0 })

	first := eng.Snapshot()
	start := time.Now()
	var wg sync.WaitGroup
	seen := make([]map[uint64]uint64, 2) // per reader: snapshot seq → acked
	for r := range seen {
		seen[r] = map[uint64]uint64{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < 1500*time.Millisecond {
				s := eng.Snapshot()
				seen[r][s.Seq] = s.Stats.Acked
			}
		}()
	}
	wg.Wait()
	last := eng.Snapshot()
	elapsed := last.Stats.At.Sub(first.Stats.At)
	samples := last.Stats.Samples - first.Stats.Samples
	// A tick may be late (rates use real time) but never doubled: at most
	// one sample per tick, plus the one in flight.
	if most := int(elapsed/tick) + 1; samples > most || samples < 1 {
		t.Fatalf("%d samples in %s at a %s tick: want at most %d (readers must not sample)", samples, elapsed, tick, most)
	}
	common := 0
	for seq, acked := range seen[0] {
		if other, ok := seen[1][seq]; ok {
			common++
			if other != acked {
				t.Fatalf("snapshot %d: reader 0 saw %d acked, reader 1 saw %d", seq, acked, other)
			}
		}
	}
	if common < 3 {
		t.Fatalf("the readers shared only %d snapshots", common)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	final := eng.Snapshot()
	if !final.Stopped || final.Stats.Acked < last.Stats.Acked {
		t.Fatalf("final snapshot: stopped %v, acked %d (was %d)", final.Stopped, final.Stats.Acked, last.Stats.Acked)
	}
}

// TestSnapshotsAreImmutable: a reader holding a snapshot sees it unchanged
// while the engine publishes newer ones.
func TestSnapshotsAreImmutable(t *testing.T) {
	eng, _ := newEngine(t, 20*time.Millisecond, producer.Config{Config: workload.Config{Topic: "immutable", Rate: 5000, Partitioner: rules.RoundRobin}})
	running(t, eng)
	embeddedtest.WaitFor(t, 10*time.Second, "history", func() bool { return len(eng.Snapshot().Stats.TotalHistory) > 5 })
	held := eng.Snapshot()
	acked, hist, events := held.Stats.Acked, append([]float64(nil), held.Stats.TotalHistory...), len(held.Events)
	embeddedtest.WaitFor(t, 10*time.Second, "newer snapshots", func() bool { return eng.Snapshot().Seq > held.Seq+5 })
	if held.Stats.Acked != acked || len(held.Events) != events || len(held.Stats.TotalHistory) != len(hist) {
		t.Fatal("a held snapshot changed")
	}
	for i := range hist {
		if held.Stats.TotalHistory[i] != hist[i] {
			t.Fatal("a held snapshot's history changed")
		}
	}
}

// TestApplyLogsAndPublishes: rate and pause go through Apply, show in the
// next snapshot and in the event log; a refused action is logged and the
// run goes on.
func TestApplyLogsAndPublishes(t *testing.T) {
	eng, _ := newEngine(t, 50*time.Millisecond, producer.Config{Config: workload.Config{Topic: "apply", Rate: 500}})
	running(t, eng)
	ctx := context.Background()
	if err := eng.Apply(ctx, engine.Action{Kind: engine.ActRate, Rate: 1200}); err != nil {
		t.Fatal(err)
	}
	if s := eng.Snapshot(); s.TargetRate != 1200 {
		t.Fatalf("target rate %v after Apply, want 1200", s.TargetRate)
	}
	if err := eng.Apply(ctx, engine.Action{Kind: engine.ActPause}); err != nil || !eng.Snapshot().Paused {
		t.Fatalf("pause: %v, paused %v", err, eng.Snapshot().Paused)
	}
	_ = eng.Apply(ctx, engine.Action{Kind: engine.ActPause}) // again: no second event
	if err := eng.Apply(ctx, engine.Action{Kind: engine.ActResume}); err != nil || eng.Snapshot().Paused {
		t.Fatalf("resume: %v", err)
	}
	err := eng.Apply(ctx, engine.Action{Kind: engine.ActSetTotal, N: 3})
	if err == nil || !strings.Contains(err.Error(), "cannot shrink") {
		t.Fatalf("shrink: %v", err)
	}
	var kinds []string
	for _, e := range eng.Snapshot().Events {
		kinds = append(kinds, e.Kind+":"+e.Message)
	}
	want := []string{"rate:target rate 1,200/s", "pause:paused", "resume:resumed", "error:partitions=3: "}
	got := strings.Join(kinds, "|")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("events %q lack %q", got, w)
		}
	}
	if strings.Count(got, "pause:paused") != 1 {
		t.Fatalf("a pause of a paused producer was logged again: %q", got)
	}
}

// TestScheduleOutcomes: --at actions run at their offsets; a refused one
// is an outcome with its reason and the next still runs.
func TestScheduleOutcomes(t *testing.T) {
	eng, _ := newEngine(t, 50*time.Millisecond, producer.Config{Config: workload.Config{Topic: "schedule", Rate: 1000, Partitioner: rules.RoundRobin}},
		engine.Action{At: 100 * time.Millisecond, Kind: engine.ActSetTotal, N: 2},
		engine.Action{At: 200 * time.Millisecond, Kind: engine.ActAdd, N: 2},
	)
	running(t, eng)
	embeddedtest.WaitFor(t, 10*time.Second, "both outcomes", func() bool { return len(eng.Snapshot().Outcomes) == 2 })
	s := eng.Snapshot()
	if s.Outcomes[0].Err == "" || s.Outcomes[1].Err != "" {
		t.Fatalf("outcomes %+v: want the shrink refused and the add done", s.Outcomes)
	}
	if f := s.Failed(); len(f) != 1 || !strings.HasPrefix(f[0], "100ms:partitions=2: ") {
		t.Fatalf("failed = %q", f)
	}
	embeddedtest.WaitFor(t, 10*time.Second, "the pickup", func() bool {
		for _, e := range eng.Snapshot().Events {
			if e.Kind == discovery.KindExpansion && e.Done && e.From == 4 && e.To == 6 {
				return true
			}
		}
		return false
	})
}

// TestStopFlushesAndReports: stopping flushes the producer; with the
// cluster gone mid-run the flush error comes back from Run, bounded in time.
func TestStopFlushesAndReports(t *testing.T) {
	eng, cl := newEngine(t, 50*time.Millisecond, producer.Config{Config: workload.Config{Topic: "stop", Rate: 0, FlushTimeout: 500 * time.Millisecond}})
	stop := running(t, eng)
	embeddedtest.WaitFor(t, 10*time.Second, "records", func() bool { return eng.Snapshot().Stats.Acked > 1000 })
	cl.Close()
	start := time.Now()
	err := stop()
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("stop took %s with a 500ms flush timeout", took)
	}
	if err == nil || !strings.Contains(err.Error(), "not acknowledged") {
		t.Fatalf("Run = %v, want the records it could not flush", err)
	}
	if !eng.Snapshot().Stopped {
		t.Fatal("final snapshot not marked stopped")
	}
	if err := eng.Run(context.Background()); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("a second Run = %v, want refused", err)
	}
}
