//go:build fluvio

// Integration tests against a real Fluvio SC and SPU. Run them with
// scripts/fluvio-test.sh, or start a cluster yourself:
//
//	scripts/fluvio.sh start && eval "$(scripts/fluvio.sh env)"
//	go test -tags fluvio -count=1 -v ./backend/fluvio/client/
//
// They read the SC address from FLUVIO_SC, find Fluvio's CLI under
// FLUVIO_HOME (default ../shared/fluvio beside the checkout) and kill and restart the SPU
// with scripts/fluvio.sh, which must be the script that started it
// (same PARTOP_FLUVIO_DIR). Figures are logged as "FIGURE name: value".
package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"partop/backend/fluvio/client"
	"partop/backend/fluvio/fluviotest"
)

// setup returns the cluster's environment and a client closed with the test.
func setup(t *testing.T) (fluviotest.Env, *client.Client) {
	t.Helper()
	e := fluviotest.ClusterEnvT(t)
	return e, fluviotest.Dial(t, e)
}

// testCtx is a context that ends with the test, bounded to d.
func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// nextUpdate waits up to d for an update satisfying ok.
func nextUpdate(t *testing.T, w *client.PartitionWatch, d time.Duration, ok func(client.TopicUpdate) bool) (client.TopicUpdate, bool) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case u, open := <-w.Updates():
			if !open {
				t.Fatalf("watch ended: %v", w.Err())
			}
			if ok(u) {
				return u, true
			}
		case <-timer.C:
			return client.TopicUpdate{}, false
		}
	}
}

func partitionsAre(n int, status client.PartitionStatus) func(client.TopicUpdate) bool {
	return func(u client.TopicUpdate) bool {
		if len(u.Partitions) != n {
			return false
		}
		for _, p := range u.Partitions {
			if status != "" && p.Status != status {
				return false
			}
		}
		return true
	}
}

func TestCreateListAddPartitionsWatch(t *testing.T) {
	_, c := setup(t)
	name := fluviotest.TopicName("it-add")
	fluviotest.CreateTopic(t, c, name, 2)

	tp, err := c.Topic(testCtx(t, 10*time.Second), name)
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.Partitions) != 2 || tp.Partitions[0].ID != 0 || tp.Partitions[1].ID != 1 {
		t.Fatalf("Topic(%s) = %+v, want partitions 0 and 1", name, tp)
	}
	for _, p := range tp.Partitions {
		if p.Status != client.StatusOnline || p.Leader != 5001 || p.LeaderAddr == "" || !p.LeaderOnline {
			t.Fatalf("partition %+v: want online, led by SPU 5001 with an address", p)
		}
	}

	w, err := c.WatchPartitions(testCtx(t, 60*time.Second), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := nextUpdate(t, w, 5*time.Second, partitionsAre(2, client.StatusOnline)); !ok {
		t.Fatal("no first update with 2 online partitions")
	}
	start := time.Now()
	if err := c.AddPartitions(testCtx(t, 10*time.Second), name, 2); err != nil {
		t.Fatal(err)
	}
	callDone := time.Since(start)
	u, ok := nextUpdate(t, w, time.Second, partitionsAre(4, ""))
	if !ok {
		t.Fatal("the 2 added partitions did not arrive on the watch within 1 s")
	}
	fluviotest.Figure(t, "watch latency AddPartitions -> update", "%v (AddPartitions returned after %v)",
		u.Received.Sub(start).Round(time.Microsecond), callDone.Round(time.Microsecond))
	u, ok = nextUpdate(t, w, 15*time.Second, partitionsAre(4, client.StatusOnline))
	if !ok {
		t.Fatal("the added partitions did not come online within 15 s")
	}
	fluviotest.Figure(t, "AddPartitions -> all online", "%v", u.Received.Sub(start).Round(time.Millisecond))

	tp, err = c.Topic(testCtx(t, 10*time.Second), name)
	if err != nil || len(tp.Partitions) != 4 {
		t.Fatalf("Topic after adding: %+v, %v", tp, err)
	}
}

func TestCLIAddPartitionArrivesOnWatch(t *testing.T) {
	e, c := setup(t)
	name := fluviotest.TopicName("it-cli-add")
	fluviotest.CreateTopic(t, c, name, 1)
	w, err := c.WatchPartitions(testCtx(t, 60*time.Second), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := nextUpdate(t, w, 5*time.Second, partitionsAre(1, client.StatusOnline)); !ok {
		t.Fatal("no first update")
	}
	start := time.Now()
	out, err := fluviotest.CLI(t, e, "topic", "add-partition", name, "-c", "2")
	if err != nil {
		t.Fatalf("fluvio topic add-partition: %v\n%s", err, out)
	}
	cliDone := time.Since(start)
	u, ok := nextUpdate(t, w, time.Second, partitionsAre(3, ""))
	if !ok {
		t.Fatalf("partitions added by the CLI did not arrive within 1 s of the CLI returning (%v)", cliDone)
	}
	fluviotest.Figure(t, "watch latency CLI add-partition -> update", "%v after the CLI started (CLI ran %v, including its own connect)",
		u.Received.Sub(start).Round(time.Millisecond), cliDone.Round(time.Millisecond))
}

func TestProduceEndOffsets(t *testing.T) {
	e, c := setup(t)
	name := fluviotest.TopicName("it-produce")
	const parts, n = 3, 300
	fluviotest.CreateTopic(t, c, name, parts)
	ids := []int32{0, 1, 2}
	ctx := testCtx(t, 60*time.Second)
	before, err := c.EndOffsets(ctx, name, ids)
	if err != nil {
		t.Fatal(err)
	}
	// n records per partition, in calls of 30, from 5 goroutines at once so
	// that requests are in flight side by side on the SPU connection.
	want := map[int32][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 5 {
		wg.Go(func() {
			for call := range n / 30 / 5 {
				batch := map[int32][][]byte{}
				for _, p := range ids {
					for i := range 30 {
						v := fmt.Sprintf("%s/p%d/g%d/c%d/%02d", name, p, g, call, i)
						batch[p] = append(batch[p], []byte(v))
					}
				}
				res, err := c.Produce(ctx, name, batch)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, p := range ids {
					if res[p].Err != nil || res[p].BaseOffset < 0 {
						t.Errorf("partition %d: %+v", p, res[p])
					}
					for _, v := range batch[p] {
						want[p] = append(want[p], string(v))
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	after, err := c.EndOffsets(ctx, name, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ids {
		if after[p]-before[p] != n {
			t.Errorf("partition %d: end offset %d -> %d, grew by %d, want %d", p, before[p], after[p], after[p]-before[p], n)
		}
	}
	for _, p := range ids {
		checkConsumed(t, e, name, p, want[p], nil)
	}
}

// checkConsumed reads partition p with Fluvio's own consumer (the CLI) and
// checks that every value in want is there exactly once; values in maybe
// (writes whose outcome is unknown) may appear at most once.
func checkConsumed(t *testing.T, e fluviotest.Env, topic string, p int32, want, maybe []string) {
	t.Helper()
	out, err := fluviotest.CLI(t, e, "consume", topic, "-p", fmt.Sprint(p), "-B", "-d")
	if err != nil {
		t.Fatalf("fluvio consume %s -p %d: %v\n%s", topic, p, err, out)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line != "" {
			seen[line]++
		}
	}
	for _, v := range want {
		if seen[v] != 1 {
			t.Errorf("partition %d: value %q read %d times, want once", p, v, seen[v])
		}
		delete(seen, v)
	}
	for _, v := range maybe {
		if seen[v] > 1 {
			t.Errorf("partition %d: value %q read %d times", p, v, seen[v])
		}
		delete(seen, v)
	}
	if len(seen) > 0 {
		t.Errorf("partition %d: %d unexpected values, e.g. %q", p, len(seen), firstKey(seen))
	}
	t.Logf("partition %d: Fluvio's consumer read back all %d acknowledged values exactly once", p, len(want))
}

func firstKey(m map[string]int) string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	return keys[0]
}

func TestUnknownTopic(t *testing.T) {
	_, c := setup(t)
	ctx := testCtx(t, 10*time.Second)
	name := fluviotest.TopicName("it-missing")
	if _, err := c.Topic(ctx, name); !errors.Is(err, client.ErrUnknownTopic) {
		t.Errorf("Topic: %v, want ErrUnknownTopic", err)
	}
	if _, err := c.Produce(ctx, name, map[int32][][]byte{0: {[]byte("x")}}); !errors.Is(err, client.ErrUnknownTopic) {
		t.Errorf("Produce: %v, want ErrUnknownTopic", err)
	}
	if _, err := c.WatchPartitions(ctx, name); !errors.Is(err, client.ErrUnknownTopic) {
		t.Errorf("WatchPartitions: %v, want ErrUnknownTopic", err)
	}
	err := c.AddPartitions(ctx, name, 1)
	if !errors.Is(err, client.ErrUnknownTopic) {
		t.Errorf("AddPartitions: %v, want ErrUnknownTopic", err)
	}
	t.Logf("AddPartitions on a missing topic: %v", err)
}

func TestCreateExistingTopic(t *testing.T) {
	_, c := setup(t)
	name := fluviotest.TopicName("it-exists")
	fluviotest.CreateTopic(t, c, name, 1)
	err := c.CreateTopic(testCtx(t, 10*time.Second), name, 1)
	if !errors.Is(err, client.ErrTopicExists) {
		t.Fatalf("second CreateTopic: %v, want ErrTopicExists", err)
	}
	if !strings.Contains(err.Error(), "already exists") {
		t.Errorf("error %q does not carry the SC's message", err)
	}
	var fe *client.Error
	if !errors.As(err, &fe) || fe.Code != client.CodeTopicAlreadyExists {
		t.Errorf("error %v is not an *Error with code TopicAlreadyExists", err)
	}
}
