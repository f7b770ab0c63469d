//go:build fluvio

package fluvio

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	ft "partop/backend/fluvio/fluviotest"
	"partop/internal/waitfor"
	"partop/source/sourcetest"
)

// TestObserverMatchesFluvioProducer: observe mode's per-partition counts
// from end offsets against what Fluvio's own producer says it wrote over
// 10 s (keyed, so several partitions get traffic), within 5%.
func TestObserverMatchesFluvioProducer(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	tp := ft.CreateTopic(t, c, ft.TopicName("src-observe"), 4)
	o, err := NewObserver(ObserverConfig{Topic: tp.Name, Interval: 200 * time.Millisecond}, c, tp)
	if err != nil {
		t.Fatal(err)
	}
	rec := sourcetest.NewRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); o.Run(ctx, rec) }()
	defer func() { cancel(); <-done }()
	waitfor.That(t, 5*time.Second, "the first poll", func() bool { return len(rec.Steps()) > 0 })

	produced := ft.PyProduce(t, e, tp.Name, 1000, 10, 100)()
	if produced.Errors != 0 {
		t.Fatalf("Fluvio's producer: %d errors", produced.Errors)
	}
	want := make([]uint64, 4)
	for _, r := range produced.Records {
		want[int(r[1])]++
	}
	var got []uint64
	waitfor.That(t, 5*time.Second, "the observer to count every record", func() bool {
		got = got[:0]
		var sum uint64
		for _, c := range o.Counters().Read() {
			got = append(got, c.Acked)
			sum += c.Acked
		}
		return sum >= uint64(len(produced.Records))
	})
	for p := range want {
		diff := math.Abs(float64(got[p])-float64(want[p])) / max(float64(want[p]), 1)
		if diff > 0.05 {
			t.Errorf("partition %d: observed %d, Fluvio's producer wrote %d (%.1f%% off)", p, got[p], want[p], 100*diff)
		}
	}
	ft.Figure(t, "observe mode vs Fluvio's producer over 10 s", "observed %v, written %v records per partition", got, want)
}

// TestKeyHashMatchesFluvio: partop's key-hash partitioner puts every key
// where Fluvio's own producer puts it.
func TestKeyHashMatchesFluvio(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	tp := ft.CreateTopic(t, c, ft.TopicName("src-keys"), 7)
	const keys = 200
	produced := ft.PyProduce(t, e, tp.Name, 1000, 0.5, keys)()
	if produced.Errors != 0 || len(produced.Records) < keys {
		t.Fatalf("Fluvio's producer: %d records, %d errors", len(produced.Records), produced.Errors)
	}
	bad := 0
	for i, r := range produced.Records {
		key := fmt.Sprintf("key-%d", i%keys)
		if got := keyPartition([]byte(key), 7); got != int(r[1]) {
			bad++
			if bad < 5 {
				t.Errorf("%s: partop picks %d, Fluvio picked %d", key, got, int(r[1]))
			}
		}
	}
	ft.Figure(t, "key-hash vs Fluvio's own partitioner", "%d of %d keyed records on the same partition", len(produced.Records)-bad, len(produced.Records))
}
