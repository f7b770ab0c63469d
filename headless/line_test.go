package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"partop/backend"
	"partop/backend/backendtest"
	"partop/engine"
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
	src := backendtest.NewSender(4, 1000, backend.About{Partitioner: "round-robin"})
	whole := backendtest.NewSource(4, backend.About{Stepped: true})
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
	src.Report(backend.Routed{Partitions: 4})
	time.Sleep(50 * time.Millisecond)
	n := 4
	for tick := range 30 {
		if tick == 10 {
			if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 4}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(12 * time.Millisecond)
			src.Report(backend.Routed{Partitions: 8})
			n = 8
		}
		src.AckEach(n, 100/n)
		whole.AckEach(n, 150/n)
		whole.Report(backend.Step{At: time.Now()})
		if tick == 20 {
			src.Report(backend.RecordFailed{Partition: 3, Err: errors.New("NOT_LEADER_FOR_PARTITION")})
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

// observe runs an engine in observe mode with a producers list.
func observe(t *testing.T) *engine.Snapshot {
	src := backendtest.NewSource(2, backend.About{Stepped: true})
	eng := engine.New(src, engine.Config{Info: engine.Info{Cluster: "kafka-1:9092", Topic: "orders"}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = eng.Run(ctx) }()
	<-src.Started()
	for range 3 {
		src.AckEach(2, 50)
		src.Report(backend.EndOffsets{Offsets: []int64{1000, 2000}})
		src.Report(backend.Step{At: time.Now()})
		time.Sleep(time.Second)
	}
	src.Report(backend.ProducersSeen{Producers: backend.Producers{At: time.Now(), List: []backend.Producer{
		{ID: 4002, Epoch: 3, State: backend.ProducerStale, Partitions: []int32{0}, LastWrite: time.Now().Add(-2 * time.Second), Rate: 40},
		{ID: 4001, State: backend.ProducerActive, Partitions: []int32{0, 1}, LastWrite: time.Now().Add(-time.Second), Rate: 60},
	}}})
	time.Sleep(time.Second)
	s := eng.Snapshot()
	cancel()
	<-eng.Done()
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
