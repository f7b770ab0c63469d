package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/cmdline"
	"partop/rules"
)

// TestHeadlessExpansion is the check, shortened: round-robin, add 4
// partitions mid-run, and the summary shows all 8 used and a fast pickup.
func TestHeadlessExpansion(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	code := run([]string{"--headless", "--port", "-1", "--duration", "4s", "--partitioner", "round-robin", "--at", "1500ms:add=4"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs.String())
	}
	var lines []map[string]any
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) < 3 {
		t.Fatalf("%d lines, want one a second plus a summary", len(lines))
	}
	for _, l := range lines[:len(lines)-1] {
		for _, k := range []string{"t", "partitions", "cluster_partitions", "rate", "per_partition", "jain"} {
			if _, ok := l[k]; !ok {
				t.Fatalf("line lacks %q: %v", k, l)
			}
		}
	}
	sum := lines[len(lines)-1]
	if sum["summary"] != true || sum["partitions"] != 8.0 {
		t.Fatalf("summary = %v", sum)
	}
	var acked float64
	for _, pp := range sum["per_partition"].([]any) {
		p := pp.(map[string]any)
		if p["acked"].(float64) <= 0 {
			t.Fatalf("partition %v acked nothing", p["partition"])
		}
		acked += p["acked"].(float64)
	}
	if acked != sum["acked"].(float64) {
		t.Fatalf("per-partition acked %v != total %v", acked, sum["acked"])
	}
	var exp map[string]any
	for _, e := range sum["events"].([]any) {
		if m := e.(map[string]any); m["kind"] == "expansion" {
			exp = m
		}
	}
	if exp == nil || exp["by"] != "partop" || exp["from"] != 4.0 || exp["to"] != 8.0 {
		t.Fatalf("expansion event = %v", exp)
	}
	// The latency goal is 250 ms; a loaded CI machine gets a generous
	// bound here, the benchmark measures the real figure.
	if ms, ok := exp["pickup_ms"].(float64); !ok || ms <= 0 || ms > 1000 {
		t.Fatalf("pickup_ms = %v", exp["pickup_ms"])
	}
	for _, k := range []string{"created_at", "seen_at", "routed_at", "first_ack_at"} {
		ts, _ := exp[k].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.Contains(ts, ".") {
			t.Fatalf("%s = %q: want RFC 3339 with sub-second precision", k, ts)
		}
	}
}

// TestConsumeByDefault: partop's own group runs on the embedded cluster
// unless turned off, and never on a real cluster unless asked (the scripts
// in testdata/script check the messages; this, the parsed value).
func TestConsumeByDefault(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--consume=false"}, false},
		{[]string{"--group", "billing"}, true},
		{[]string{"--brokers", "k:9092"}, false},
		{[]string{"--brokers", "k:9092", "--consume"}, true},
		{[]string{"--fluvio", "127.0.0.1:9003"}, false},
		{[]string{"--observe", "--brokers", "k:9092"}, false},
	} {
		o, err := cmdline.Parse(c.args, io.Discard, platforms()...)
		if err != nil || o.Consume != c.want {
			t.Errorf("%v: consume %v, %v; want %v", c.args, o.Consume, err, c.want)
		}
	}
}

// TestPlatformChosen: the platform whose flags are given runs; Kafka's
// embedded cluster when none are.
func TestPlatformChosen(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, rules.Kafka},
		{[]string{"--port", "-1"}, rules.Kafka},
		{[]string{"--brokers", "k:9092"}, rules.Kafka},
		{[]string{"--fluvio", "127.0.0.1:9003"}, rules.Fluvio},
	} {
		o, err := cmdline.Parse(c.args, io.Discard, platforms()...)
		if err != nil || o.Platform.Rules().Name != c.want {
			t.Errorf("%v: %v, %v; want %s", c.args, o.Platform, err, c.want)
		}
	}
}

// TestObserveUnknownTopic: observe mode on a topic that does not exist
// says so, exits 1 and creates nothing.
func TestObserveUnknownTopic(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, _ := embeddedtest.Start(t, "", 0)
	var out, errs bytes.Buffer
	code := run([]string{"--observe", "--headless", "--duration", "2s", "--brokers", cl.Seeds()[0], "--topic", "nobody-writes-here"}, &out, &errs)
	if code != 1 || !strings.Contains(errs.String(), `topic "nobody-writes-here" does not exist`) || !strings.Contains(errs.String(), "creates nothing") {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
	if _, err := cl.Describe(ctx, "nobody-writes-here"); !errors.Is(err, cluster.ErrUnknownTopic) {
		t.Fatalf("after observe on a missing topic: %v, want it still unknown", err)
	}
}

// TestObserveCountsAnotherPartop: a partop producing on an embedded
// cluster, watched by a second partop in observe mode that started first
// and outlives it: the observer's summary counts exactly what the
// producer acknowledged, partition by partition.
func TestObserveCountsAnotherPartop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, _ := embeddedtest.Start(t, "", 0)
	if _, err := cl.EnsureTopic(ctx, "watched", 3, true); err != nil {
		t.Fatal(err)
	}
	oout := &lineWriter{first: make(chan struct{})}
	var oerrs, pout, perrs bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--observe", "--headless", "--duration", "7s", "--observe-interval", "200ms", "--brokers", cl.Seeds()[0], "--topic", "watched"}, oout, &oerrs)
	}()
	select { // the observer's first line: it has polled, so it has its baseline
	case <-oout.first:
	case <-ctx.Done():
		t.Fatal("no line from the observer")
	}
	if code := run([]string{"--headless", "--duration", "3s", "--brokers", cl.Seeds()[0], "--topic", "watched", "--rate", "500", "--partitioner", "round-robin"}, &pout, &perrs); code != 0 {
		t.Fatalf("producer exit %d: %s", code, perrs.String())
	}
	if code := <-done; code != 0 {
		t.Fatalf("observer exit %d: %s", code, oerrs.String())
	}
	prod, obs := lastLine(t, &pout), lastLine(t, &oout.buf)
	if obs["mode"] != "observe" || prod["mode"] != "produce" {
		t.Fatalf("modes %v / %v", prod["mode"], obs["mode"])
	}
	pp, op := prod["per_partition"].([]any), obs["per_partition"].([]any)
	if len(pp) != 3 || len(op) != 3 {
		t.Fatalf("%d / %d partitions", len(pp), len(op))
	}
	for i := range pp {
		a, o := pp[i].(map[string]any)["acked"].(float64), op[i].(map[string]any)["acked"].(float64)
		if o != a || a == 0 {
			t.Errorf("partition %d: observed %v records, the producer acknowledged %v", i, o, a)
		}
	}
}

// lineWriter is a buffer that says when the first line arrived.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() == 0 {
		close(w.first)
	}
	return w.buf.Write(p)
}

func lastLine(t *testing.T, b *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil || m["summary"] != true {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	return m
}

// TestHeadlessConsume is issue 14's headless check: with partop's own
// consumer group beside the producer, the expansion event says when the
// group was assigned the new partitions, when it first committed on them,
// and exactly how many records it skipped.
func TestHeadlessConsume(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a 14 s run")
	}
	var out, errs bytes.Buffer
	code := run([]string{"--headless", "--port", "-1", "--duration", "14s", "--partitioner", "round-robin", "--consume", "--consumer-reset", "latest", "--at", "4s:add=4"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs.String())
	}
	sum := lastLine(t, &out)
	var pick map[string]any
	for _, e := range sum["events"].([]any) {
		ev := e.(map[string]any)
		if ev["kind"] != "expansion" {
			continue
		}
		for _, g := range ev["groups"].([]any) {
			if g := g.(map[string]any); g["group"] == "partop" {
				pick = g
			}
		}
	}
	if pick == nil {
		t.Fatalf("no pickup by the partop group in %v", sum["events"])
	}
	for _, k := range []string{"assigned_after", "assigned_at", "committed_after", "committed_at"} {
		if ts, _ := pick[k].(string); ts == "" {
			t.Errorf("%s missing: %v", k, pick)
		}
	}
	if _, ok := pick["skipped"].(float64); !ok || pick["skipped_exact"] != true {
		t.Errorf("skipped %v, skipped_exact %v: want an exact count", pick["skipped"], pick["skipped_exact"])
	}
	if c, _ := sum["consumer"].(map[string]any); c == nil || c["group"] != "partop" || c["read"].(float64) <= 0 {
		t.Errorf("consumer %v", sum["consumer"])
	}
}
