//go:build kafka

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os/exec"
	"testing"
	"time"
)

// TestPredictionOnKafka (issue 21): an outside producer, kcat (librdkafka,
// murmur2_random, metadata refreshed every second, so it picks up new
// partitions), writes keyed records at about 600/s to a 4-partition
// topic: a quarter of them under one hot key, the rest over 400 keys.
// partop --observe samples the records and adds 4 partitions at 10 s. It
// must name murmur2 for every sampled keyed record, give the hot key's
// share within 2 points of what kcat wrote, say the hot key is a skew
// floor at 8 partitions, and predict the Jain that is then measured
// within 0.05.
func TestPredictionOnKafka(t *testing.T) {
	path, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat not found: %v", err)
	}
	topic := topicName("predict")
	createTopic(t, topic, 4, 1, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-P", "-b", joinComma(env.brokers), "-t", topic, "-K", "|",
		"-X", "partitioner=murmur2_random", "-X", "topic.metadata.refresh.interval.ms=1000", "-X", "linger.ms=5")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	written := 0
	wrote := make(chan struct{})
	go func() { // 6 records every 10 ms until the test ends
		defer close(wrote)
		w := bufio.NewWriter(in)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			for range 6 {
				key := fmt.Sprintf("tenant-%d", 100+(written*7919)%400)
				if written%4 == 0 {
					key = "tenant-7"
				}
				fmt.Fprintf(w, "%s|order %d\n", key, written)
				written++
			}
			if w.Flush() != nil {
				return
			}
		}
	}()
	defer func() { cancel(); <-wrote; _ = in.Close(); _ = cmd.Wait() }()

	time.Sleep(3 * time.Second) // records on every partition before partop looks
	code, stderr, lines, sum := headless(t, 2*time.Minute, nil, nil,
		"--observe", "--brokers", joinComma(env.brokers), "--topic", topic, "--duration", "28s", "--at", "10s:add=4")
	if code != 0 || sum == nil {
		t.Fatalf("partop exited %d; stderr:\n%s", code, stderr)
	}
	var keysLine map[string]any
	for _, l := range lines {
		if k, ok := l["keys"].(map[string]any); ok && l["summary"] != true {
			keysLine = k
		}
	}
	if keysLine == nil {
		t.Fatalf("no line carries keys; stderr:\n%s", stderr)
	}
	if keysLine["partitioner"] != "murmur2" || num(keysLine, "explained") < 0.99 {
		t.Errorf("keys: partitioner %v explaining %v, want murmur2 explaining every sampled keyed record", keysLine["partitioner"], keysLine["explained"])
	}
	truth := 0.25 // every fourth record, by construction
	share := -1.0
	top, _ := keysLine["top"].([]any)
	for _, e := range top {
		if m, ok := e.(map[string]any); ok && m["key"] == "tenant-7" {
			share = num(m, "share")
		}
	}
	if math.Abs(share-truth) > 0.02 {
		t.Errorf("tenant-7's share %.3f, kcat wrote %.3f of the records: want within 2 points", share, truth)
	}
	exps := expansions(sum)
	if len(exps) != 1 {
		t.Fatalf("%d expansions in the summary, want 1", len(exps))
	}
	e := exps[0]
	_, predicted := e["predicted_jain"]
	_, measured := e["measured_jain"]
	if !predicted || !measured {
		t.Fatalf("expansion %v: want predicted_jain and measured_jain", e)
	}
	pj, mj, floor := num(e, "predicted_jain"), num(e, "measured_jain"), num(e, "skew_floor")
	if math.Abs(pj-mj) > 0.05 {
		t.Errorf("predicted Jain %.3f, measured %.3f: want within 0.05", pj, mj)
	}
	if math.Abs(floor-truth) > 0.02 {
		t.Errorf("skew floor %.3f, want the hot key's %.3f within 2 points", floor, truth)
	}
	report(t, "kcat murmur2_random 4→8, hot key 25%%: partitioner %v explaining %.3f, hot key share %.3f, skew floor %.3f, predicted Jain %.3f / max/mean %.2f, measured %.3f / %.2f",
		keysLine["partitioner"], num(keysLine, "explained"), share, floor, pj, num(e, "predicted_max_mean"), mj, num(e, "measured_max_mean"))
}
