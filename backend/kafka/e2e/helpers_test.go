//go:build kafka

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/kproducer"
	"partop/engine"
	"partop/producer"
	"partop/stats"
)

// env is the cluster under test, as scripts/kafka.sh env describes it.
var env struct {
	brokers     []string // PLAINTEXT (principal ANONYMOUS, a super user)
	saslBrokers []string // SASL_SSL, SCRAM-SHA-256/512
	ca          string   // the CA that signed the brokers' certificates
	nodes       int
	root        string // the repository
	bin         string // partop, built once for the tests that run the command
	report      string // where figures go for scripts/kafka-test.sh's summary
	suffix      string // makes topic names unique to this run
}

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	split := func(s string) []string {
		var out []string
		for _, b := range strings.Split(s, ",") {
			if b = strings.TrimSpace(b); b != "" {
				out = append(out, b)
			}
		}
		return out
	}
	env.brokers = split(os.Getenv("KAFKA_BROKERS"))
	env.saslBrokers = split(os.Getenv("KAFKA_SASL_BROKERS"))
	env.ca = os.Getenv("KAFKA_CA")
	env.nodes, _ = strconv.Atoi(os.Getenv("KAFKA_NODES"))
	env.report = os.Getenv("PARTOP_IT_REPORT")
	if len(env.brokers) == 0 || len(env.saslBrokers) == 0 || env.ca == "" || env.nodes == 0 {
		fmt.Fprintln(os.Stderr, `integration: KAFKA_BROKERS, KAFKA_SASL_BROKERS, KAFKA_CA and KAFKA_NODES must be set.
Run everything with: bash scripts/kafka-test.sh
or start a cluster:  scripts/kafka.sh up 3 && eval "$(scripts/kafka.sh env)"`)
		return 2
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 2
	}
	env.root = filepath.Join(wd, "..", "..", "..") // the module root, from backend/kafka/e2e
	env.suffix = strconv.FormatInt(time.Now().Unix()%1e6, 36)
	dir, err := os.MkdirTemp("", "partop-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 2
	}
	defer os.RemoveAll(dir)
	env.bin = filepath.Join(dir, "partop")
	build := exec.Command("go", "build", "-o", env.bin, ".")
	build.Dir = env.root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: go build: %v\n%s", err, out)
		return 2
	}
	return m.Run()
}

// topicName is unique to this run, so a cluster reused between runs does
// not mix records.
func topicName(base string) string { return "it-" + base + "-" + env.suffix }

// report logs a test's figures and keeps them for the script's summary.
func report(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Logf("FIGURES %s", line)
	if env.report == "" {
		return
	}
	f, err := os.OpenFile(env.report, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Logf("report file: %v", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%-28s %s\n", t.Name(), line)
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + "ms"
}

// kafkaSh runs scripts/kafka.sh, failing the test if it fails.
func kafkaSh(t *testing.T, timeout time.Duration, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := runKafkaSh(ctx, args...)
	if err != nil {
		t.Fatalf("scripts/kafka.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// nodeCtl kills and restarts the cluster's nodes; see nodes.
type nodeCtl struct {
	t    *testing.T
	down map[int32]bool
}

// nodes is how a test kills and restarts brokers (scripts/kafka.sh kill N
// and start N), failing the test if either fails. Kill returns once the
// process is gone, Start once the node is back in the metadata. A node the
// test leaves down is started again when it ends, so that the next test
// has the whole cluster.
func nodes(t *testing.T) *nodeCtl {
	n := &nodeCtl{t: t, down: map[int32]bool{}}
	t.Cleanup(func() {
		for id := range n.down {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			out, err := runKafkaSh(ctx, "start", fmt.Sprint(id))
			cancel()
			if err != nil {
				t.Errorf("restarting node %d after the test: %v\n%s", id, err, out)
			}
		}
	})
	return n
}

// Kill kills node id with SIGKILL.
func (n *nodeCtl) Kill(id int32) {
	n.t.Helper()
	n.down[id] = true
	kafkaSh(n.t, time.Minute, "kill", fmt.Sprint(id))
}

// Start starts node id again and waits until it is back in the metadata.
func (n *nodeCtl) Start(id int32) {
	n.t.Helper()
	kafkaSh(n.t, 3*time.Minute, "start", fmt.Sprint(id))
	delete(n.down, id)
}

// runKafkaSh runs scripts/kafka.sh and returns its combined output.
func runKafkaSh(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(env.root, "scripts", "kafka.sh")}, args...)...)
	cmd.Dir = env.root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func joinComma(s []string) string { return strings.Join(s, ",") }

// scram is how the tests reach the SASL_SSL listener as user: partop's
// own TLS dialer and SASL code, as the flags would set them up.
func scram(user, pass string) cluster.Security {
	return cluster.Security{CAFile: env.ca, SASLMechanism: "SCRAM-SHA-256", SASLUser: user, SASLPassword: pass}
}

// admin is a kadm client on the PLAINTEXT listener (a super user).
func admin(t *testing.T) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// createTopic makes a topic with the admin client.
func createTopic(t *testing.T, topic string, partitions int32, rf int16, configs map[string]*string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := admin(t)
	resp, err := adm.CreateTopic(ctx, partitions, rf, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	waitKnownEverywhere(t, topic)
}

// waitKnownEverywhere waits until every broker's metadata has the topic:
// Kafka answers CreateTopics before all brokers know of it, and a Metadata
// request in between says UNKNOWN_TOPIC_OR_PARTITION.
func waitKnownEverywhere(t *testing.T, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	brokers, err := kadm.NewClient(cl).ListBrokers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range brokers {
		for {
			req := kmsg.NewPtrMetadataRequest()
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(topic)
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, cl.Broker(int(b.NodeID)))
			if err == nil && len(resp.Topics) == 1 && resp.Topics[0].ErrorCode == 0 {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("broker %d does not know topic %s after 30s", b.NodeID, topic)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// openCluster is cluster.Open on the given seeds, closed with the test.
func openCluster(t *testing.T, seeds []string, sec cluster.Security) *cluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := cluster.Open(ctx, cluster.Config{Brokers: seeds, Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// running is partop's producer run by an engine, as main wires it: the
// engine keeps the event log and every expansion's timeline.
type running struct {
	*kproducer.Producer
	eng *engine.Engine
}

// Grow grows the topic to target(count) through the engine, as an
// operator's action does, so the expansion is recorded as partop's.
func (r *running) Grow(ctx context.Context, target func(int) int) (from, to int, err error) {
	from = r.eng.Snapshot().TopicState.Cluster
	to = target(from)
	return from, to, r.eng.Apply(ctx, engine.Action{Kind: engine.ActSetTotal, N: to})
}

// startProducer makes and runs partop's producer on c's topic under an
// engine, with l watching every record's outcome. It is closed with the
// test unless the test closes it first.
func startProducer(t *testing.T, c *cluster.Cluster, cfg kproducer.Config, l *ledger) *running {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	top, err := c.EnsureTopic(ctx, cfg.Topic, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientOpts = append(c.ClientOpts(), kgo.WithHooks(l))
	p, err := kproducer.New(cfg, c, top)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(p, engine.Config{Info: engine.Info{Cluster: c.Name(), Topic: cfg.Topic}, Tick: 50 * time.Millisecond})
	rctx, stop := context.WithCancel(context.Background())
	go func() { _ = eng.Run(rctx) }()
	t.Cleanup(func() { stop(); <-eng.Done() })
	return &running{Producer: p, eng: eng}
}

// counted is a source's counters: partop's producer, an observer.
type counted interface{ Counters() *stats.Counters }

func ackedTotal(p counted) uint64 {
	var n uint64
	for _, tt := range p.Counters().Read() {
		n += tt.Acked
	}
	return n
}

func errorTotal(p counted) uint64 {
	n := p.Counters().Unrouted().Errors
	for _, tt := range p.Counters().Read() {
		n += tt.Errors
	}
	return n
}

func lastExpansion(p *running, by string) (engine.Event, bool) {
	evs := p.eng.Snapshot().Events
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == engine.KindExpansion && evs[i].By == by {
			return evs[i], true
		}
	}
	return engine.Event{}, false
}

// ledger is a kgo hook that sees every produced record's outcome: which
// run id and sequence numbers were acknowledged on which partition.
type ledger struct {
	mu        sync.Mutex
	runID     uint64
	acked     map[uint64]int32 // seq -> partition
	ackedPer  map[int32]int
	twice     int // acknowledged twice: kgo calls a promise once, so never
	failed    int
	lastErr   error
	lastAck   map[int32]time.Time
	maxGap    map[int32]time.Duration
	since     time.Time           // see markRecovery
	recovered map[int32]time.Time // first ack of a record produced after since
}

func newLedger() *ledger {
	return &ledger{acked: map[uint64]int32{}, ackedPer: map[int32]int{}, lastAck: map[int32]time.Time{}, maxGap: map[int32]time.Duration{}}
}

func (l *ledger) OnProduceRecordUnbuffered(r *kgo.Record, err error) {
	now := time.Now()
	run, seq, ok := producer.ParseValue(r.Value)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !ok {
		return
	}
	l.runID = run
	if err != nil {
		l.failed++
		l.lastErr = err
		return
	}
	if _, dup := l.acked[seq]; dup {
		l.twice++
	}
	l.acked[seq] = r.Partition
	l.ackedPer[r.Partition]++
	if last, ok := l.lastAck[r.Partition]; ok && now.Sub(last) > l.maxGap[r.Partition] {
		l.maxGap[r.Partition] = now.Sub(last)
	}
	l.lastAck[r.Partition] = now
	// kgo stamps a record with the time Produce was called.
	if l.recovered != nil && !r.Timestamp.Before(l.since) {
		if _, done := l.recovered[r.Partition]; !done {
			l.recovered[r.Partition] = now
		}
	}
}

// markRecovery starts watching, per partition, for the first acknowledged
// record produced at or after since.
func (l *ledger) markRecovery(since time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.since, l.recovered = since, map[int32]time.Time{}
}

// recoveredAll returns when the last of the partitions acknowledged a
// record produced after markRecovery's time, and whether all had.
func (l *ledger) recoveredAll(partitions int) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var last time.Time
	for p := int32(0); p < int32(partitions); p++ {
		at, ok := l.recovered[p]
		if !ok {
			return time.Time{}, false
		}
		if at.After(last) {
			last = at
		}
	}
	return last, true
}

type ledgerCounts struct {
	runID   uint64
	acked   map[uint64]int32
	perPart map[int32]int
	twice   int
	failed  int
	lastErr error
	maxGap  time.Duration
	gapPart int32
}

func (l *ledger) counts() ledgerCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := ledgerCounts{runID: l.runID, acked: make(map[uint64]int32, len(l.acked)), perPart: map[int32]int{}, twice: l.twice, failed: l.failed, lastErr: l.lastErr, gapPart: -1}
	for k, v := range l.acked {
		c.acked[k] = v
	}
	for k, v := range l.ackedPer {
		c.perPart[k] = v
	}
	for p, g := range l.maxGap {
		if g > c.maxGap {
			c.maxGap, c.gapPart = g, p
		}
	}
	return c
}

// readRecord is one record read back from the topic.
type readRecord struct {
	partition  int32
	offset     int64
	runID, seq uint64
	ok         bool // the value parsed as partop's
	producerID int64
}

// readBack reads every partition of topic from its start to its current
// high watermark over PLAINTEXT.
func readBack(t *testing.T, topic string) []readRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ends, err := admin(t).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	offsets := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Fatalf("end offset of %s/%d: %v", o.Topic, o.Partition, o.Err)
		}
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
			offsets[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	if len(want) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []readRecord
	next := map[int32]int64{}
	for done := 0; done < len(want); {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s back: %v (at %v, want %v)", topic, ctx.Err(), next, want)
		}
		fs.EachError(func(tp string, p int32, err error) {
			t.Logf("fetch %s/%d: %v", tp, p, err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			run, seq, ok := producer.ParseValue(r.Value)
			out = append(out, readRecord{partition: r.Partition, offset: r.Offset, runID: run, seq: seq, ok: ok, producerID: r.ProducerID})
			if r.Offset+1 >= want[r.Partition] && next[r.Partition] < want[r.Partition] {
				done++
			}
			next[r.Partition] = r.Offset + 1
		})
	}
	return out
}

// audit compares what a producer had acknowledged with what was read back.
type audit struct {
	acked, read          int
	missing              int // acknowledged but not read back
	duplicated           int // read back more than once
	unacked              int // read back but not acknowledged (failed or aborted, yet written)
	foreign              int // records of another run id, or not partop's
	nonIdempotent        int // read back from a batch without a producer id
	perPartitionMismatch []string
}

func (a audit) String() string {
	return fmt.Sprintf("acked=%d read_back=%d missing=%d duplicates=%d unacked_but_written=%d", a.acked, a.read, a.missing, a.duplicated, a.unacked)
}

func doAudit(l ledgerCounts, records []readRecord) audit {
	a := audit{acked: len(l.acked)}
	seen := map[uint64]int{}
	readPer := map[int32]int{}
	for _, r := range records {
		if !r.ok || r.runID != l.runID {
			a.foreign++
			continue
		}
		a.read++
		if r.producerID < 0 {
			a.nonIdempotent++
		}
		seen[r.seq]++
		if seen[r.seq] == 2 {
			a.duplicated++
		}
		readPer[r.partition]++
		if _, ok := l.acked[r.seq]; !ok && seen[r.seq] == 1 {
			a.unacked++
		}
	}
	for seq := range l.acked {
		if seen[seq] == 0 {
			a.missing++
		}
	}
	parts := map[int32]bool{}
	for p := range l.perPart {
		parts[p] = true
	}
	for p := range readPer {
		parts[p] = true
	}
	ids := make([]int, 0, len(parts))
	for p := range parts {
		ids = append(ids, int(p))
	}
	sort.Ints(ids)
	for _, p := range ids {
		if l.perPart[int32(p)] != readPer[int32(p)] {
			a.perPartitionMismatch = append(a.perPartitionMismatch, fmt.Sprintf("partition %d: acked %d, read %d", p, l.perPart[int32(p)], readPer[int32(p)]))
		}
	}
	return a
}

// headless runs the partop binary with args (and extra environment) until
// it exits, feeding each JSON line to onLine as it comes; it returns the
// exit code, stderr, every line, and the summary.
func headless(t *testing.T, timeout time.Duration, extraEnv []string, onLine func(map[string]any), args ...string) (int, string, []map[string]any, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.bin, append([]string{"--headless"}, args...)...)
	cmd.Env = append(os.Environ(), extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	var sum map[string]any
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("not JSON: %q", sc.Text())
			continue
		}
		lines = append(lines, m)
		if m["summary"] == true {
			sum = m
		} else if onLine != nil {
			onLine(m)
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("partop %s: still running after %s; stderr:\n%s", strings.Join(args, " "), timeout, stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stderr.String(), lines, sum
}

// expansions returns the summary's expansion events.
func expansions(sum map[string]any) []map[string]any {
	var out []map[string]any
	evs, _ := sum["events"].([]any)
	for _, e := range evs {
		if m, ok := e.(map[string]any); ok && m["kind"] == "expansion" {
			out = append(out, m)
		}
	}
	return out
}

func num(m map[string]any, k string) float64 {
	f, _ := m[k].(float64)
	return f
}
