//go:build fluvio

package client_test

import (
	"bytes"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partop/backend/fluvio/fluviotest"
)

// TestMeasure logs latency and throughput figures on the local cluster.
// They depend on the machine; the test fails only on errors.
func TestMeasure(t *testing.T) {
	_, c := setup(t)
	name := fluviotest.TopicName("it-measure")
	fluviotest.CreateTopic(t, c, name, 1)
	ctx := testCtx(t, 2*time.Minute)

	one := map[int32][][]byte{0: {[]byte("x")}}
	var rtts []time.Duration
	for range 300 {
		start := time.Now()
		res, err := c.Produce(ctx, name, one)
		if err != nil || res[0].Err != nil {
			t.Fatalf("Produce: %v %v", err, res[0].Err)
		}
		rtts = append(rtts, time.Since(start))
	}
	slices.Sort(rtts)
	fluviotest.Figure(t, "Produce round trip, 1 record", "p50 %v, p99 %v (300 calls, one goroutine)",
		rtts[len(rtts)/2].Round(time.Microsecond), rtts[len(rtts)*99/100].Round(time.Microsecond))

	var offs []time.Duration
	for range 100 {
		start := time.Now()
		if _, err := c.EndOffsets(ctx, name, []int32{0}); err != nil {
			t.Fatal(err)
		}
		offs = append(offs, time.Since(start))
	}
	slices.Sort(offs)
	fluviotest.Figure(t, "EndOffsets round trip", "p50 %v", offs[len(offs)/2].Round(time.Microsecond))

	batch := map[int32][][]byte{}
	for range 100 {
		batch[0] = append(batch[0], bytes.Repeat([]byte("v"), 100))
	}
	for _, workers := range []int{1, 8} {
		var records atomic.Int64
		deadline := time.Now().Add(2 * time.Second)
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					res, err := c.Produce(ctx, name, batch)
					if err != nil || res[0].Err != nil {
						t.Errorf("Produce: %v %v", err, res[0].Err)
						return
					}
					records.Add(100)
				}
			})
		}
		wg.Wait()
		rate := float64(records.Load()) / time.Since(start).Seconds()
		fluviotest.Figure(t, "Produce throughput, 100-record batches of 100 B", "%.0f records/s with %d goroutine(s)", rate, workers)
	}
}
