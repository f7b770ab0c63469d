package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"partop/cmdline"
	"partop/headless"
	"partop/servers"
	"partop/sshd"
	"partop/sshd/sshtest"
)

// TestSSHViewers runs the partop binary headless with --ssh and watches it
// with the real OpenSSH client in tmux panes, as a team on a bastion
// would: a stranger is refused before any byte of the dashboard; a
// view-only key's "a" is refused with a message; two viewers see the same
// acked totals; resizing one leaves the other alone; one quitting leaves
// the run and the other viewer going; when partop stops, the last viewer
// is told and gets its terminal back.
func TestSSHViewers(t *testing.T) {
	t.Parallel()
	sshtest.Require(t)
	dir := t.TempDir()
	actorKey, actorLine := sshtest.Key(t, dir, "actor")
	watcherKey, watcherLine := sshtest.Key(t, dir, "watcher")
	strangerKey, _ := sshtest.Key(t, dir, "stranger")
	writeTestFile(t, filepath.Join(dir, "authorized"), actorLine)
	writeTestFile(t, filepath.Join(dir, "view-only"), watcherLine)

	p := sshtest.Start(t, sshtest.Build(t, "."), "--headless", "--port", "-1", "--tick", "100ms",
		"--ssh", "127.0.0.1:0", "--ssh-authorized-keys", filepath.Join(dir, "authorized"),
		"--ssh-view-only-keys", filepath.Join(dir, "view-only"), "--ssh-host-key", filepath.Join(dir, "host_key"),
		"--metrics", "127.0.0.1:0")
	sshAddr, _, _ := strings.Cut(p.After(20*time.Second, "ssh: listening on "), " ")
	metricsURL := strings.TrimSpace(p.After(20*time.Second, "metrics: listening on "))

	strangerRefused(t, sshAddr, strangerKey)

	x := sshtest.NewTmux(t)
	actor := x.SSH("actor", 120, 40, sshAddr, actorKey, "alice")
	watcher := x.SSH("watcher", 120, 40, sshAddr, watcherKey, "bob")
	actor.WaitText(10*time.Second, "topic partop")
	watcher.WaitText(10*time.Second, "view only")

	watcher.Type("a")
	watcher.WaitText(5*time.Second, "view only: this session may watch, not add partitions")

	acked := sameTotals(t, actor, watcher, metricsURL)

	// One viewer resizes: its dashboard lays out for 80×24 (the short
	// header, nothing wider than 80 cells), the other's stays at 120×40.
	actor.Resize(80, 24)
	actor.WaitFor(5*time.Second, "the 80×24 layout", func(s string) bool {
		return widest(s) <= 80 && strings.Contains(s, "BALANCE") && !strings.Contains(s, "partitioner batch-round-robin")
	})
	if s := watcher.Screen(); widest(s) <= 80 || !strings.Contains(s, "partitioner batch-round-robin") {
		t.Fatalf("the watcher's screen changed with the actor's size:\n%s", s)
	}

	// The actor resumes and leaves; the run and the watcher go on.
	actor.Type("p")
	actor.WaitText(5*time.Second, "▶ running")
	actor.Type("q")
	if status := actor.WaitExit(5 * time.Second); status != 0 {
		t.Fatalf("q: ssh exited %d, want 0", status)
	}
	watcher.WaitFor(10*time.Second, "more records after the actor left", func(s string) bool {
		n, ok := ackedOn(s)
		return ok && n > acked && strings.Contains(s, "alice left")
	})

	code, stdout := p.Stop(30 * time.Second)
	if code != 0 {
		t.Fatalf("partop exited %d; stderr:\n%s", code, p.Stderr())
	}
	if status := watcher.WaitExit(10 * time.Second); status != 0 {
		t.Fatalf("watcher: ssh exited %d, want 0", status)
	}
	if s := watcher.Scrollback(); !strings.Contains(s, "partop stopped: the run is over.") {
		t.Fatalf("the watcher was not told partop stopped:\n%s", s)
	}
	checkSessionLog(t, decodeLines(t, bytes.NewReader(stdout)))
}

// sameTotals pauses the producer from the actor's session and waits for
// both screens to show it paused with the same acked total, which is what
// /metrics says too; it returns that total.
func sameTotals(t *testing.T, actor, watcher *sshtest.Term, metricsURL string) uint64 {
	t.Helper()
	actor.Type("p")
	var acked uint64
	watcher.WaitFor(10*time.Second, "the same acked total on both screens and in /metrics", func(ws string) bool {
		as := actor.Screen()
		a, aok := ackedOn(as)
		w, wok := ackedOn(ws)
		if !aok || !wok || a != w || !strings.Contains(as, "‖ paused") || !strings.Contains(ws, "‖ paused") {
			return false
		}
		acked = a
		return scrapeAcked(t, metricsURL) == a
	})
	if acked == 0 {
		t.Fatal("paused before any record was acked")
	}
	return acked
}

// checkSessionLog: the summary's event log has who joined (with their
// key) and who left, never the stranger, and no partitions were added.
func checkSessionLog(t *testing.T, lines []headless.Line) {
	t.Helper()
	var sessions []string
	for _, e := range lines[len(lines)-1].Events {
		if e.Kind == "session" {
			sessions = append(sessions, e.Message)
		}
		if e.Kind == "expansion" {
			t.Fatalf("partitions were added: %+v", e)
		}
	}
	joined := strings.Join(sessions, "\n")
	for _, want := range []string{"alice joined over SSH from 127.0.0.1:", "(key actor@test)", "bob joined over SSH", "(key watcher@test, view only)", "alice left"} {
		if !strings.Contains(joined, want) {
			t.Errorf("event log lacks %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "mallory") {
		t.Errorf("the stranger reached the event log:\n%s", joined)
	}
}

// strangerRefused: a key in neither file is refused at authentication,
// before any byte of the dashboard reaches the client's stdout.
func strangerRefused(t *testing.T, addr, key string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command("ssh", append([]string{"-tt"}, sshtest.Args(addr, key, "mallory")...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 255 {
		t.Fatalf("stranger: %v, want ssh's exit status 255", err)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "Permission denied (publickey)") {
		t.Fatalf("stranger got stdout %q, stderr %q: want nothing, and a publickey refusal", out.String(), errOut.String())
	}
}

var ackedRe = regexp.MustCompile(`acked ([0-9,]+)`)

// ackedOn reads the total from the balance line of a 120-column screen.
func ackedOn(screen string) (uint64, bool) {
	m := ackedRe.FindStringSubmatch(screen)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.ReplaceAll(m[1], ",", ""), 10, 64)
	return n, err == nil
}

// scrapeAcked sums partop_records_acked_total over partitions, parsed
// with Prometheus' own parser.
func scrapeAcked(t *testing.T, url string) uint64 {
	t.Helper()
	fams := scrapeMetrics(t, url)
	var sum float64
	for _, m := range fams["partop_records_acked_total"].GetMetric() {
		sum += m.GetCounter().GetValue()
	}
	return uint64(sum)
}

func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not the exposition format: %v", err)
	}
	return fams
}

// TestMetricsMatchSummary: at the end of a headless run, the counters a
// scraper reads equal the summary's, partition by partition, and the
// expansion's pickup was observed once. Run in-process, the way run wires
// it, so the endpoint can be scraped between the final snapshot and
// close.
func TestMetricsMatchSummary(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	opts, err := cmdline.Parse([]string{"--headless", "--port", "-1", "--duration", "2500ms", "--partitioner", "round-robin", "--at", "1s:add=2", "--metrics", "127.0.0.1:0"}, &stderr, platforms()...)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := servers.Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), opts.Duration)
	defer cancel()
	eng, b, err := start(ctx, opts, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv.Serve(ctx, eng, nil, &stderr)
	if code := headless.Run(ctx, eng, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := decodeLines(t, &stdout)
	sum := lines[len(lines)-1]
	if !sum.Summary || len(sum.PerPartition) != 6 {
		t.Fatalf("summary: %+v", sum)
	}
	fams := scrapeMetrics(t, "http://"+srv.MetricsAddr().String()+"/metrics")
	acked, errs := byPartition(fams, "partop_records_acked_total"), byPartition(fams, "partop_record_errors_total")
	if len(acked) != len(sum.PerPartition) || len(errs) != len(sum.PerPartition) {
		t.Fatalf("/metrics has %d/%d partitions, the summary %d", len(acked), len(errs), len(sum.PerPartition))
	}
	for _, pp := range sum.PerPartition {
		id := strconv.Itoa(int(pp.Partition))
		if uint64(acked[id]) != pp.Acked || uint64(errs[id]) != pp.Errors || pp.Acked == 0 {
			t.Errorf("partition %s: /metrics acked %v errors %v, summary acked %d errors %d", id, acked[id], errs[id], pp.Acked, pp.Errors)
		}
	}
	gauge := func(name string) float64 { return fams[name].GetMetric()[0].GetGauge().GetValue() }
	if gauge("partop_topic_partitions") != 6 || gauge("partop_producer_partitions") != float64(sum.Partitions) {
		t.Errorf("partition gauges %v/%v, summary %d/%d", gauge("partop_topic_partitions"), gauge("partop_producer_partitions"), sum.ClusterPartitions, sum.Partitions)
	}
	var pickupMs []float64
	for _, e := range sum.Events {
		if e.Kind == "expansion" && e.PickupMs != nil {
			pickupMs = append(pickupMs, *e.PickupMs)
		}
	}
	var h *dto.Histogram
	for _, m := range fams["partop_expansion_pickup_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "by" && l.GetValue() == "partop" {
				h = m.GetHistogram()
			}
		}
	}
	if h.GetSampleCount() != 1 || len(pickupMs) != 1 || absDiff(h.GetSampleSum()*1000, pickupMs[0]) > 0.01 {
		t.Errorf("pickup histogram: %d observations summing %vs; summary events %+v", h.GetSampleCount(), h.GetSampleSum(), sum.Events)
	}
}

// byPartition maps a counter's samples by their partition label.
func byPartition(fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "partition" {
				out[l.GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func absDiff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestServeTakenPort: a taken port exits 1 before partop starts a cluster
// (testdata/script/serve.txtar has the flag errors).
func TestServeTakenPort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, line := sshtest.Key(t, dir, "k")
	keys := filepath.Join(dir, "keys")
	writeTestFile(t, keys, line)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ssh", taken.Addr().String(), "--ssh-authorized-keys", keys, "--ssh-host-key", filepath.Join(dir, "hk")}, "address already in use"},
		{[]string{"--metrics", taken.Addr().String()}, "--metrics: listen tcp " + taken.Addr().String()},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"--headless", "--port", "-1", "--duration", "1s"}, c.args...), &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", c.args, code, stderr.String(), c.want)
		}
		if strings.Contains(stderr.String(), "embedded cluster") {
			t.Errorf("%q: partop started a cluster before failing: %s", c.args, stderr.String())
		}
	}
}

// TestSSHDefaults: --ssh-idle-timeout's default is the SSH server's.
func TestSSHDefaults(t *testing.T) {
	t.Parallel()
	if cmdline.DefaultSSHIdleTimeout != sshd.DefaultIdleTimeout {
		t.Errorf("--ssh-idle-timeout defaults to %s, the server to %s", cmdline.DefaultSSHIdleTimeout, sshd.DefaultIdleTimeout)
	}
}

func decodeLines(t *testing.T, r io.Reader) []headless.Line {
	t.Helper()
	var lines []headless.Line
	dec := json.NewDecoder(r)
	for {
		var l headless.Line
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 || !lines[len(lines)-1].Summary {
		t.Fatalf("no summary line among %d lines", len(lines))
	}
	return lines
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// widest is the width of a screen's longest line, in cells.
func widest(screen string) int {
	w := 0
	for _, l := range strings.Split(screen, "\n") {
		w = max(w, ansi.StringWidth(strings.TrimRight(l, " ")))
	}
	return w
}
