//go:build fluvio

package client_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"partop/backend/fluvio/client"
	"partop/backend/fluvio/fluviotest"
)

// TestSPUKilledAndRestarted kills the SPU with kill -9 while a producer
// runs: calls must fail promptly with ErrSPUOffline (never hang), the watch
// must report the leader offline, and once the SPU is restarted (same
// command, same --log-base-dir) Produce works again on the same Client.
// Acknowledged records must survive, exactly once.
func TestSPUKilledAndRestarted(t *testing.T) {
	e, c := setup(t)
	name := fluviotest.TopicName("it-kill")
	fluviotest.CreateTopic(t, c, name, 2)
	ctx := testCtx(t, 3*time.Minute)
	tp := &trackedProducer{t: t, c: c, ctx: ctx, topic: name, ids: []int32{0, 1},
		acked: map[int32][]string{}, maybe: map[int32][]string{}}
	w, err := c.WatchPartitions(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := tp.produce("before"); !allOK(res) {
		t.Fatalf("produce before the kill: %+v", res)
	}

	// A producer keeps going through the kill and the restart.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				tp.produce("loop")
			}
		}
	})

	fluviotest.ClusterScript(t, e, "kill-spu")
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			fluviotest.ClusterScript(t, e, "start-spu")
		}
	})
	tp.checkDown()
	leaderDown := func(u client.TopicUpdate) bool { return len(u.Partitions) == 2 && !u.Partitions[0].LeaderOnline }
	if u, ok := nextUpdate(t, w, 5*time.Second, leaderDown); !ok {
		t.Error("the watch did not report the leader SPU offline")
	} else {
		t.Logf("watch with the SPU down: %+v", u.Partitions[0])
	}

	fluviotest.ClusterScript(t, e, "start-spu")
	restarted = true
	up := time.Now()
	for attempt := 1; ; attempt++ {
		if res, _ := tp.produce("after"); allOK(res) {
			fluviotest.Figure(t, "first successful Produce after start-spu returned", "%v (attempt %d)", time.Since(up).Round(time.Microsecond), attempt)
			break
		} else if time.Since(up) > 30*time.Second {
			t.Fatalf("Produce still failing 30 s after the SPU restarted: %v / %v", res[0].Err, res[1].Err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, ok := nextUpdate(t, w, 10*time.Second, partitionsAre(2, client.StatusOnline)); !ok {
		t.Error("the watch did not report the partitions online again")
	}
	close(stop)
	wg.Wait()
	fluviotest.Figure(t, "slowest Produce call during kill and restart", "%v", tp.slowest.Round(time.Millisecond))
	if tp.slowest > 5*time.Second {
		t.Errorf("a Produce call took %v: calls must fail promptly, not hang", tp.slowest)
	}
	for _, p := range tp.ids {
		checkConsumed(t, e, name, p, tp.acked[p], tp.maybe[p])
	}
}

// trackedProducer produces one record per partition per call and keeps
// which values were acknowledged and which may or may not have been written.
type trackedProducer struct {
	t     *testing.T
	c     *client.Client
	ctx   context.Context
	topic string
	ids   []int32

	mu      sync.Mutex
	seq     int
	acked   map[int32][]string
	maybe   map[int32][]string
	slowest time.Duration
}

func (tp *trackedProducer) produce(tag string) (map[int32]client.ProduceResult, time.Duration) {
	tp.mu.Lock()
	tp.seq++
	batch := map[int32][][]byte{}
	for _, p := range tp.ids {
		batch[p] = [][]byte{[]byte(fmt.Sprintf("%s/p%d/%s/%d", tp.topic, p, tag, tp.seq))}
	}
	tp.mu.Unlock()
	ctx, cancel := context.WithTimeout(tp.ctx, 30*time.Second) // a hang would show as a slow call
	defer cancel()
	start := time.Now()
	res, err := tp.c.Produce(ctx, tp.topic, batch)
	took := time.Since(start)
	if err != nil {
		tp.t.Errorf("Produce returned a call error: %v", err)
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.slowest = max(tp.slowest, took)
	for _, p := range tp.ids {
		if v := string(batch[p][0]); res[p].Err == nil {
			tp.acked[p] = append(tp.acked[p], v)
		} else {
			tp.maybe[p] = append(tp.maybe[p], v)
		}
	}
	return res, took
}

// checkDown checks that Produce and EndOffsets fail at once with the SPU down.
func (tp *trackedProducer) checkDown() {
	t := tp.t
	res, took := tp.produce("down")
	for _, p := range tp.ids {
		if !errors.Is(res[p].Err, client.ErrSPUOffline) {
			t.Errorf("partition %d with the SPU down: %v, want ErrSPUOffline", p, res[p].Err)
		}
	}
	if took > 2*time.Second {
		t.Errorf("Produce with the SPU down took %v", took)
	}
	fluviotest.Figure(t, "Produce with the SPU killed fails after", "%v: %v", took.Round(time.Microsecond), res[0].Err)
	if _, err := tp.c.EndOffsets(tp.ctx, tp.topic, tp.ids); !errors.Is(err, client.ErrSPUOffline) {
		t.Errorf("EndOffsets with the SPU down: %v, want ErrSPUOffline", err)
	}
}

func allOK(res map[int32]client.ProduceResult) bool {
	for _, r := range res {
		if r.Err != nil {
			return false
		}
	}
	return len(res) > 0
}
