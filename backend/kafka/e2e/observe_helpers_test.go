//go:build kafka

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/observe"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/rules"
	"partop/source"
)

// observer is an observe source run by an engine, as main wires it, with a
// recorder of what the engine published.
type observer struct {
	src *observe.Observer
	eng *engine.Engine
	rec *recorder
}

func observeInProcess(t *testing.T, c *cluster.Cluster, topic string, cfg observe.Config) *observer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	top, err := c.Describe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Topic, cfg.ClientOpts = topic, c.ClientOpts()
	src, err := observe.New(cfg, c, top)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(src, engine.Config{
		Info:       engine.Info{Cluster: c.Name(), Topic: topic},
		StepWindow: rules.DefaultPollInterval,
	})
	rctx, stop := context.WithCancel(context.Background())
	go func() { _ = eng.Run(rctx) }()
	rec := &recorder{done: make(chan struct{})}
	go rec.run(rctx, eng)
	t.Cleanup(func() { stop(); <-eng.Done(); <-rec.done })
	return &observer{src: src, eng: eng, rec: rec}
}

// recorder keeps every distinct sample and producers list the engine
// published.
type recorder struct {
	mu        sync.Mutex
	samples   []partitionSample
	producers []source.Producers
	done      chan struct{}
}

// partitionSample is every partition's count of records as of a moment.
type partitionSample struct {
	at    time.Time
	acked []float64
}

func (r *recorder) run(ctx context.Context, eng *engine.Engine) {
	defer close(r.done)
	for ctx.Err() == nil {
		s := eng.Snapshot()
		r.mu.Lock()
		if n := len(r.samples); !s.Stats.At.IsZero() && (n == 0 || s.Stats.At.After(r.samples[n-1].at)) {
			ps := partitionSample{at: s.Stats.At, acked: make([]float64, len(s.Stats.Partitions))}
			for i, p := range s.Stats.Partitions {
				ps.acked[i] = float64(p.Acked)
			}
			r.samples = append(r.samples, ps)
		}
		if n := len(r.producers); !s.Producers.At.IsZero() && (n == 0 || s.Producers.At.After(r.producers[n-1].At)) {
			r.producers = append(r.producers, s.Producers)
		}
		r.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *recorder) snapshot() []partitionSample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]partitionSample(nil), r.samples...)
}

func state(ps source.Producers, id int64) string {
	for _, p := range ps.List {
		if p.ID == id {
			return p.State
		}
	}
	return ""
}

// grow adds partitions from outside partop (kadm, as any admin tool would)
// and returns when the call returned.
func grow(t *testing.T, topic string, to int) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := admin(t).UpdatePartitions(ctx, to, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("grow %s to %d: %v", topic, to, err)
	}
	return time.Now()
}

// compareRates compares, per partition, the records observed with those
// the writers acknowledged over consecutive 10 s windows between samples;
// it fails the test beyond 5% and returns the worst error and the number
// of windows. The first sample (the engine's, before the source's first
// poll took the baseline) is skipped.
func compareRates(t *testing.T, who string, samples []partitionSample, writers []*writer) (worst float64, windows int) {
	t.Helper()
	for i := 1; i < len(samples); {
		j := i + 1
		for j < len(samples) && samples[j].at.Sub(samples[i].at) < 10*time.Second {
			j++
		}
		if j == len(samples) {
			break
		}
		from, to := samples[i], samples[j]
		ackFrom, ackTo := ackedAt(writers, from.at), ackedAt(writers, to.at)
		for p := range to.acked {
			obs, acked := to.acked[p], float64(ackTo[p]-ackFrom[p])
			if p < len(from.acked) {
				obs -= from.acked[p]
			}
			if acked < 100 {
				continue // too few to judge a rate by
			}
			e := math.Abs(obs-acked) / acked
			if worst = math.Max(worst, e); e > 0.05 {
				t.Errorf("%s: partition %d, %s to %s: observed %.0f records, producers acknowledged %.0f (%.1f%% off)",
					who, p, from.at.Format("15:04:05.000"), to.at.Format("15:04:05.000"), obs, acked, 100*e)
			}
		}
		windows++
		i = j
	}
	if windows == 0 {
		t.Errorf("%s: no 10s window among %d samples", who, len(samples))
	}
	return worst, windows
}

// checkProducerRate compares a producer's rate in the list (from its
// sequence numbers) with what it acknowledged between two looks.
func checkProducerRate(t *testing.T, rec *recorder, w *writer) {
	t.Helper()
	rec.mu.Lock()
	lists := append([]source.Producers(nil), rec.producers...)
	rec.mu.Unlock()
	worst, n := 0.0, 0
	for i := 1; i < len(lists); i++ {
		from, to := lists[i-1].At, lists[i].At
		var rate float64
		for _, p := range lists[i].List {
			if p.ID == w.id {
				rate = p.Rate
			}
		}
		if to.Sub(from) < 5*time.Second || rate == 0 {
			continue // the looks around an expansion are too close to judge by
		}
		want := float64(sum64(w.at(to))-sum64(w.at(from))) / to.Sub(from).Seconds()
		e := math.Abs(rate-want) / want
		if worst, n = math.Max(worst, e), n+1; e > 0.10 {
			t.Errorf("producer %d listed at %.0f records/s, acknowledged %.0f/s between the looks (%.1f%% off)", w.id, rate, want, 100*e)
		}
	}
	if n == 0 {
		t.Errorf("no two looks 5s apart among %d lists", len(lists))
	}
	report(t, "producer rate from sequence numbers vs acked: worst %.2f%% over %d looks", 100*worst, n)
}

// maxPartitions bounds the partitions a writer counts.
const maxPartitions = 16

// writer produces rate records/s (100-byte values) until closed, and logs
// what it had acknowledged per partition every 5 ms.
type writer struct {
	id     int64
	acked  [maxPartitions]atomic.Int64
	metaAt atomic.Int64 // unix ns of the latest Metadata request its client sent
	mu     sync.Mutex
	times  []time.Time
	logs   [][maxPartitions]int64
	close  func()
}

func startWriter(t *testing.T, rate int, opts ...kgo.Opt) *writer {
	t.Helper()
	w := &writer{}
	cl, err := kgo.NewClient(append(opts, kgo.WithHooks(metadataHook{&w.metaAt}))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if w.id, _, err = cl.ProducerID(ctx); err != nil { // idempotent by default: it has one
		t.Fatal(err)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		value := make([]byte, 100)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			w.log()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range rate / 200 {
				cl.Produce(context.Background(), &kgo.Record{Value: value}, func(r *kgo.Record, err error) {
					if err == nil {
						w.acked[r.Partition].Add(1)
					}
				})
			}
		}
	}()
	w.close = sync.OnceFunc(func() {
		close(stop)
		<-stopped
		if err := cl.Flush(context.Background()); err != nil {
			t.Errorf("flush: %v", err)
		}
		w.log()
		cl.Close()
	})
	t.Cleanup(w.close)
	return w
}

func (w *writer) log() {
	var c [maxPartitions]int64
	for p := range c {
		c[p] = w.acked[p].Load()
	}
	w.mu.Lock()
	w.times, w.logs = append(w.times, time.Now()), append(w.logs, c)
	w.mu.Unlock()
}

// at is what had been acknowledged per partition at a moment (to 5 ms).
func (w *writer) at(t time.Time) []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := sort.Search(len(w.times), func(i int) bool { return w.times[i].After(t) }) - 1
	if i < 0 {
		return make([]int64, maxPartitions)
	}
	return append([]int64(nil), w.logs[i][:]...)
}

func (w *writer) total() int64 { return sum64(w.at(time.Now())) }

// lastMetadata is when the writer's client last asked for metadata: the
// last time it could have learned of new partitions.
func (w *writer) lastMetadata() time.Time { return time.Unix(0, w.metaAt.Load()) }

// metadataHook stamps every Metadata request a client sends.
type metadataHook struct{ at *atomic.Int64 }

func (h metadataHook) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err == nil && key == kmsg.Metadata.Int16() {
		h.at.Store(time.Now().UnixNano())
	}
}

func sum64(c []int64) (n int64) {
	for _, v := range c {
		n += v
	}
	return n
}

// ackedAt sums what the writers had acknowledged per partition at a moment.
func ackedAt(writers []*writer, at time.Time) []int64 {
	out := make([]int64, maxPartitions)
	for _, w := range writers {
		for p, n := range w.at(at) {
			out[p] += n
		}
	}
	return out
}

// binaryRun is the partop command in the background, its JSON lines
// (numbers kept exact) collected as they come.
type binaryRun struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	mu     sync.Mutex
	lines  []map[string]any
	done   chan struct{}
}

func startBinary(t *testing.T, args ...string) *binaryRun {
	t.Helper()
	b := &binaryRun{cmd: exec.Command(env.bin, args...), done: make(chan struct{})}
	b.cmd.Stderr = &b.stderr
	stdout, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(b.done)
		dec := json.NewDecoder(stdout)
		dec.UseNumber()
		for {
			var m map[string]any
			if dec.Decode(&m) != nil {
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
			b.mu.Lock()
			b.lines = append(b.lines, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = b.cmd.Process.Kill(); <-b.done; _ = b.cmd.Wait() })
	return b
}

func (b *binaryRun) snapshot() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]map[string]any(nil), b.lines...)
}

// stop interrupts partop as Ctrl-C would and returns every line.
func (b *binaryRun) stop(t *testing.T) []map[string]any {
	t.Helper()
	_ = b.cmd.Process.Signal(os.Interrupt)
	<-b.done
	if err := b.cmd.Wait(); err != nil {
		t.Errorf("partop: %v; stderr:\n%s", err, b.stderr.String())
	}
	return b.snapshot()
}

// producerStates reads a line's producers (id: state), checking each has
// the fields the JSON documents.
func producerStates(t *testing.T, line map[string]any) map[int64]string {
	list, _ := line["producers"].([]any)
	states := map[int64]string{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		for _, k := range []string{"id", "epoch", "state", "partitions", "rate", "last_write_ms"} {
			if _, ok := m[k]; !ok {
				t.Errorf("a producer in partop's JSON lacks %q: %v", k, m)
			}
		}
		n, _ := m["id"].(json.Number)
		id, _ := n.Int64()
		states[id], _ = m["state"].(string)
	}
	return states
}

// checkBinary holds the partop command's JSON lines to what the in-process
// observer was held to.
func checkBinary(t *testing.T, bin *binaryRun, writers []*writer, oldID, quickID int64, grown, restarted time.Time) {
	t.Helper()
	waitfor.That(t, time.Until(restarted.Add(45*time.Second)), "partop: the old id not stale", func() bool {
		lines := bin.snapshot()
		return len(lines) > 0 && producerStates(t, lines[len(lines)-1])[oldID] != source.ProducerStale
	})
	lines := bin.stop(t)
	var samples []partitionSample
	judged := false
	for _, l := range lines {
		stamp, _ := l["time"].(string)
		at, _ := time.Parse(time.RFC3339Nano, stamp)
		if st := producerStates(t, l); !judged && at.After(grown) && st[oldID] == source.ProducerStale && st[quickID] == source.ProducerAdopted {
			judged = true
			report(t, "partop --observe: stale and adopted %s after the expansion", ms(at.Sub(grown)))
			if at.Sub(grown) > 15*time.Second {
				t.Errorf("partop --observe: stale and adopted only %s after the expansion, want within 15s", at.Sub(grown))
			}
		}
		pp, _ := l["per_partition"].([]any)
		if l["summary"] == true || len(samples) > 0 && !at.After(samples[len(samples)-1].at) {
			continue
		}
		ps := partitionSample{at: at, acked: make([]float64, len(pp))}
		for i, p := range pp {
			ps.acked[i], _ = p.(map[string]any)["acked"].(json.Number).Float64()
		}
		samples = append(samples, ps)
	}
	worst, windows := compareRates(t, "partop --observe", samples, writers)
	report(t, "per-partition rates vs acked, 10s windows: worst %.2f%% over %d windows (partop --observe --headless)", 100*worst, windows)
	if !judged {
		t.Errorf("partop --observe never reported producer %d stale and %d adopted at once", oldID, quickID)
	}
}
