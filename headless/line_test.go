package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"partop/engine"
	"partop/keys"
	"partop/rules"
	"partop/source"
	"partop/source/sourcetest"
)

// The golden files are the schema: a change to them is a change to
// partop's interface (regenerate with go test ./headless -update, and say
// so in the README). The snapshots come from a real engine on a fake
// source in a synctest bubble, whose clock starts at 2000-01-01 UTC, so
// every figure and time is the same on every run.

// produce runs an engine in produce mode for 3 s: 1,000 records/s over 4
// partitions, 4 partitions added at 1 s and picked up 12 ms later, a
// scheduled shrink refused, and the whole topic counted beside it. Records
// come at 50 ms past every 100 ms and samples every 200 ms, so no record
// and sample share an instant (the bubble would run them in either order).
func produce(t *testing.T) (line, summary *engine.Snapshot) {
	src := sourcetest.NewSender(4, 1000, source.About{Partitioner: "round-robin"})
	whole := sourcetest.NewSource(4, source.About{Stepped: true})
	eng := engine.New(src, engine.Config{
		Info:       engine.Info{Cluster: "embedded 127.0.0.1:9092", Topic: "partop"},
		Tick:       200 * time.Millisecond,
		WholeTopic: whole,
		Schedule:   []engine.Action{{At: 2 * time.Second, Kind: engine.ActSetTotal, N: 2}},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	<-src.Started()
	src.Report(source.Routed{Partitions: 4})
	time.Sleep(50 * time.Millisecond)
	n := 4
	for tick := range 30 {
		if tick == 10 {
			if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 4}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(12 * time.Millisecond)
			src.Report(source.Routed{Partitions: 8})
			n = 8
		}
		src.AckEach(n, 100/n)
		whole.AckEach(n, 150/n)
		whole.Report(source.Step{At: time.Now()})
		if tick == 20 {
			src.Report(source.RecordFailed{Partition: 3, Err: errors.New("NOT_LEADER_FOR_PARTITION")})
			src.Counters().Fail(3, errors.New("NOT_LEADER_FOR_PARTITION"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	line = eng.Snapshot()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return line, eng.Snapshot()
}

// observe runs an engine in observe mode with a producers list and a
// record sample: keys placed by murmur2, one of them hot, a quarter of
// the records with no key, one key with a newline and one of 100 bytes.
func observe(t *testing.T) *engine.Snapshot {
	src := sourcetest.NewSource(2, source.About{Stepped: true})
	sampler := sourcetest.NewSource(2, source.About{})
	eng := engine.New(src, engine.Config{Info: engine.Info{Cluster: "kafka-1:9092", Topic: "orders"}, Keys: sampler})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = eng.Run(ctx) }()
	<-src.Started()
	time.Sleep(time.Millisecond) // off the engine's tick grid: a step and a tick at one instant run in either order
	for range 3 {
		src.AckEach(2, 50)
		src.Report(source.EndOffsets{Offsets: []int64{1000, 2000}})
		src.Report(source.Step{At: time.Now()})
		time.Sleep(time.Second)
	}
	src.Report(source.ProducersSeen{Producers: source.Producers{At: time.Now(), List: []source.Producer{
		{ID: 4002, Epoch: 3, State: source.ProducerStale, Partitions: []int32{0}, LastWrite: time.Now().Add(-2 * time.Second), Rate: 40},
		{ID: 4001, State: source.ProducerActive, Partitions: []int32{0, 1}, LastWrite: time.Now().Add(-time.Second), Rate: 60},
	}}})
	<-sampler.Started()
	sampler.Report(source.Sampled{Sample: sampleOf(2, map[string]int{"tenant-7": 40, "a\nb": 5, string(bytes.Repeat([]byte("k"), 100)): 5, "": 2}, 20)})
	time.Sleep(time.Second)
	s := eng.Snapshot()
	cancel()
	<-eng.Done()
	return s
}

// sampleOf places count records of each key by murmur2 over n
// partitions, and null-key records on each partition.
func sampleOf(n int, counts map[string]int, nulls int) keys.Sample {
	s := keys.Sample{Partitions: map[int32]keys.PartitionSample{}}
	add := func(p int32, r keys.Record) {
		ps := s.Partitions[p]
		ps.Records, ps.Seen = append(ps.Records, r), ps.Seen+1
		s.Partitions[p] = ps
	}
	names := slices.Sorted(maps.Keys(counts))
	for _, k := range names {
		for range counts[k] {
			add(int32(keys.Murmur2Partition([]byte(k), n)), keys.NewRecord([]byte(k), 100))
		}
	}
	for p := range n {
		for range nulls / n {
			add(int32(p), keys.NewRecord(nil, 100))
		}
	}
	return s
}

func encode(t *testing.T, l Line) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(l); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestProduceLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		line, _ := produce(t)
		golden.RequireEqual(t, encode(t, LineOf(line)))
	})
}

func TestProduceSummary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, final := produce(t)
		golden.RequireEqual(t, encode(t, SummaryOf(final)))
	})
}

func TestObserveLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		golden.RequireEqual(t, encode(t, LineOf(observe(t))))
	})
}

// dating is a groups poll that dates records: every partition has a
// record every 10 ms from start.
type dating struct {
	*sourcetest.Source
	start time.Time
}

func (d *dating) AskEndsAt(at time.Time, parts []int32) {
	ends := map[int32]int64{}
	for _, p := range parts {
		ends[p] = max(int64(at.Sub(d.start)/(10*time.Millisecond)), 0)
	}
	go d.Report(source.EndsAt{At: at, Ends: ends}) // never while the engine holds its lock
}

// consuming runs an engine with partop's consumer group and the groups
// poll (which dates records) for 8 s: 4 partitions added at 1 s, partop's group assigned them
// 1.2 s later and skipping exactly what was on them, another group
// assigned them at its next poll, a third never.
func consuming(t *testing.T) *engine.Snapshot {
	src := sourcetest.NewSender(4, 1000, source.About{Partitioner: "round-robin"})
	cons := sourcetest.NewSource(4, source.About{})
	polls := &dating{Source: sourcetest.NewSource(4, source.About{}), start: time.Now()}
	eng := engine.New(src, engine.Config{
		Info: engine.Info{Cluster: "embedded 127.0.0.1:9092", Topic: "partop"}, Tick: 200 * time.Millisecond,
		Consumer: cons, Groups: polls,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	<-src.Started()
	<-cons.Started()
	<-polls.Started()
	cons.Report(source.ConsumerStarted{Group: "partop", Protocol: rules.ProtocolConsumer, Reset: rules.ResetLatest})
	cons.Report(source.Assigned{Partitions: []int32{0, 1, 2, 3}})
	time.Sleep(50 * time.Millisecond)
	billing := func(n int32, assigned bool, committed int64) source.Group {
		g := source.Group{Name: "billing", Protocol: rules.ProtocolClassic, State: "Stable", Members: 2}
		for p := range n {
			gp := source.GroupPartition{Partition: p, Assigned: assigned || p < 4, Target: assigned || p < 4, Committed: 40, End: 50, Lag: 10}
			if p >= 4 && committed < 0 {
				gp.Committed, gp.Lag, gp.NoCommit = -1, 50, assigned
			}
			g.Partitions = append(g.Partitions, gp)
		}
		return g
	}
	idle := source.Group{Name: "reports", Protocol: rules.ProtocolClassic, State: "Empty", Note: "empty: its commits expire after offsets.retention.minutes",
		Partitions: []source.GroupPartition{{Partition: 0, Committed: 5, End: 50, Lag: 45}}}
	for tick := range 80 {
		switch tick {
		case 10:
			if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 4}); err != nil {
				t.Fatal(err)
			}
		case 22:
			cons.Report(source.Assigned{Partitions: []int32{4, 5, 6, 7}})
			for p := int32(4); p < 8; p++ {
				cons.Report(source.FirstFetch{Partition: p, Offset: 30 + int64(p), At: time.Now()})
			}
		case 33:
			for p := int32(4); p < 8; p++ {
				cons.Report(source.Committed{Partition: p, Offset: 60, At: time.Now()})
			}
		}
		n, assigned, committed := int32(4), false, int64(-1)
		if tick >= 10 {
			n = 8
		}
		if tick >= 50 {
			assigned = true
		}
		if tick >= 70 {
			committed = 40
		}
		if tick%25 == 0 { // a groups poll every 2.5 s
			polls.Report(source.GroupsSeen{Groups: source.Groups{Asked: time.Now().Add(-10 * time.Millisecond), At: time.Now(), List: []source.Group{billing(n, assigned, committed), idle}}})
		}
		src.AckEach(int(n), 100/int(n))
		cons.AckEach(int(n), 100/int(n))
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return eng.Snapshot()
}

func TestConsumingSummary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		golden.RequireEqual(t, encode(t, SummaryOf(consuming(t))))
	})
}

// An expansion's prediction is on its line; the measured figures only
// once measured; the skew floor only where there is one.
func TestPredictionLine(t *testing.T) {
	p := &engine.Prediction{Partitioner: keys.Murmur2}
	p.Partitions, p.Jain, p.MaxMean, p.SkewFloor = 8, 0.78, 2.5, 0.31
	got := eventLines([]engine.Event{{Kind: engine.KindExpansion, From: 4, To: 8, Prediction: p}})[0]
	if got.PredictedJain == nil || *got.PredictedJain != 0.78 || *got.PredictedMaxMean != 2.5 || *got.SkewFloor != 0.31 || got.MeasuredJain != nil || got.PredictedWith != "murmur2" {
		t.Fatalf("before it settled: %+v", got)
	}
	m := *p
	m.SkewFloor, m.Measured, m.MeasuredJain, m.MeasuredMaxMean = 0, true, 0.77, 2.6
	got = eventLines([]engine.Event{{Kind: engine.KindExpansion, From: 4, To: 8, Prediction: &m}})[0]
	if got.SkewFloor != nil || got.MeasuredJain == nil || *got.MeasuredJain != 0.77 || *got.MeasuredMaxMean != 2.6 {
		t.Fatalf("once measured: %+v", got)
	}
	if got := eventLines([]engine.Event{{Kind: engine.KindExpansion, From: 4, To: 8}})[0]; got.PredictedJain != nil {
		t.Fatalf("without a sample: %+v", got)
	}
}
