package metrics

import (
	"context"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"partop/engine"
	"partop/source"
	"partop/source/sourcetest"
)

// TestPickupsAcrossPublishes: a real engine on a fake source publishes
// thousands of snapshots between scrapes, and logs enough events that each
// expansion has left its 1,000-event log by the time of the next scrape;
// every pickup, the producer's and consumer groups', is still counted,
// and counted once however often it is scraped again.
func TestPickupsAcrossPublishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		eng := engine.New(src, engine.Config{Info: engine.Info{Topic: "orders"}, Tick: 100 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- eng.Run(ctx) }()
		defer func() { cancel(); <-ran }()
		<-src.Started()

		reg := prometheus.NewRegistry()
		reg.MustRegister(NewCollector(eng))
		// scrape gathers as Prometheus does and returns the count and
		// sum of the histogram name's series with label=val.
		scrape := func(name, label, val string) (uint64, float64) {
			t.Helper()
			fams, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fams {
				if f.GetName() != name {
					continue
				}
				for _, m := range f.GetMetric() {
					for _, l := range m.GetLabel() {
						if l.GetName() == label && l.GetValue() == val {
							return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
						}
					}
				}
			}
			return 0, 0
		}
		// grow adds partitions from..to and acks a record on each new one
		// after took; a sample in the next 150 ms finishes the expansion (one
		// at the ack's very instant may not see it: the tick is 100 ms).
		grow := func(from, to int, took time.Duration) {
			t.Helper()
			if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: to - from}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(took)
			for p := from; p < to; p++ {
				src.Ack(int32(p), 1)
			}
			time.Sleep(150 * time.Millisecond)
		}
		// news logs n events, each published.
		news := func(n int) {
			for range n {
				_ = eng.Apply(ctx, engine.Action{Kind: engine.ActNote, NoteKind: engine.KindSession, Note: "ann joined"})
			}
		}
		inLog := func() int {
			n := 0
			for _, e := range eng.Snapshot().Events {
				if e.Kind == engine.KindExpansion {
					n++
				}
			}
			return n
		}
		const pickup, assigned = "partop_expansion_pickup_seconds", "partop_group_assignment_delay_seconds"

		if n, _ := scrape(pickup, "by", engine.ByPartop); n != 0 {
			t.Fatalf("%d pickups before any expansion", n)
		}
		grow(4, 8, 30*time.Millisecond)
		news(1500)
		if n := inLog(); n != 0 {
			t.Fatalf("%d expansions still in the log: the test needs them gone", n)
		}
		if n, sum := scrape(pickup, "by", engine.ByPartop); n != 1 || sum != 0.03 {
			t.Fatalf("first scrape: %d pickups summing %v, want 1 of 0.03", n, sum)
		}
		for range 3 {
			news(10)
			if n, _ := scrape(pickup, "by", engine.ByPartop); n != 1 {
				t.Fatalf("scraped again: %d pickups, want still 1", n)
			}
		}

		// Two more expansions between two scrapes, and 2,400 events after
		// them. Between them a groups poll sees billing assigned every
		// partition: the new partitions of the first expansion (380 ms
		// after it) and of the second (200 ms after it).
		grow(8, 12, 50*time.Millisecond)
		var parts []source.GroupPartition
		for p := range int32(12) {
			parts = append(parts, source.GroupPartition{Partition: p, Assigned: true, Target: true, Committed: -1, End: -1})
		}
		src.Report(source.GroupsSeen{Groups: source.Groups{At: time.Now(), List: []source.Group{{Name: "billing", Partitions: parts}}}})
		news(400)
		grow(12, 16, 20*time.Millisecond)
		news(2000)
		if n := inLog(); n != 0 {
			t.Fatalf("%d expansions still in the log", n)
		}
		if n, sum := scrape(pickup, "by", engine.ByPartop); n != 3 || sum != 0.1 {
			t.Fatalf("%d pickups summing %v, want 3 of 0.1 (30, 50 and 20 ms)", n, sum)
		}
		if n, sum := scrape(assigned, "group", "billing"); n != 2 || math.Abs(sum-0.58) > 1e-9 {
			t.Fatalf("billing's assignments: %d observations summing %v, want 2 of 0.58", n, sum)
		}
		news(5)
		if n, _ := scrape(pickup, "by", engine.ByPartop); n != 3 {
			t.Fatalf("scraped again: %d pickups, want 3", n)
		}
		if n, _ := scrape(assigned, "group", "billing"); n != 2 {
			t.Fatalf("scraped again: billing's assignments observed %d times, want 2", n)
		}
	})
}
