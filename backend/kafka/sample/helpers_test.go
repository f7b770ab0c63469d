package sample

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/source"
)

// settle bounds every call: generous, so a loaded machine never fails a
// test that would pass.
const settle = 30 * time.Second

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), settle)
	t.Cleanup(cancel)
	return c
}

// embedded starts partop's embedded cluster with topic and returns the
// options that reach it.
func embedded(t testing.TB, topic string, partitions int) []kgo.Opt {
	t.Helper()
	c, _ := embeddedtest.Start(t, topic, partitions)
	return c.ClientOpts()
}

func client(t testing.TB, opts []kgo.Opt, more ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append(append([]kgo.Opt(nil), opts...), more...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// sampler makes a sampler with a fixed seed (the same records, the same
// sample), closed when the test ends.
func sampler(t testing.TB, cfg Config) *Sampler {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.seed = 1
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// facts collects what a sampler reports.
type facts struct {
	mu sync.Mutex
	fs []source.Fact
}

func (f *facts) Report(x source.Fact) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fs = append(f.fs, x)
}

func (f *facts) sampled() []source.Sampled {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []source.Sampled
	for _, x := range f.fs {
		if s, ok := x.(source.Sampled); ok {
			out = append(out, s)
		}
	}
	return out
}

func (f *facts) problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, x := range f.fs {
		if p, ok := x.(source.Problem); ok {
			out = append(out, p.Message)
		}
	}
	return out
}

// written is what a test wrote: each partition's records by key (""
// stands for no key, "\x00nil" never occurs as a key).
type written struct {
	byPartition map[int32]map[string]int
	total       int
}

const nullKey = "\x00nil"

func (w *written) add(r *kgo.Record) {
	if w.byPartition == nil {
		w.byPartition = map[int32]map[string]int{}
	}
	m := w.byPartition[r.Partition]
	if m == nil {
		m = map[string]int{}
		w.byPartition[r.Partition] = m
	}
	k := nullKey
	if r.Key != nil {
		k = string(r.Key)
	}
	m[k]++
	w.total++
}

// produce writes recs with cl and returns what landed where.
func produce(t testing.TB, cl *kgo.Client, recs []*kgo.Record) *written {
	t.Helper()
	w := &written{}
	res := cl.ProduceSync(ctx(t), recs...)
	if err := res.FirstErr(); err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		w.add(r.Record)
	}
	return w
}

// zipfKeys are n records on topic with keys drawn from keys zipf-like
// (key i with weight 1/(i+1)), in an order fixed by seed, each with a
// value of valueBytes.
func zipfKeys(topic string, n, keyCount, valueBytes int, seed uint64) []*kgo.Record {
	rng := rand.New(rand.NewPCG(seed, seed))
	weights := make([]float64, keyCount)
	sum := 0.0
	for i := range weights {
		weights[i] = 1 / float64(i+1)
		sum += weights[i]
	}
	value := []byte(strings.Repeat("v", valueBytes))
	out := make([]*kgo.Record, n)
	for i := range out {
		x, k := rng.Float64()*sum, 0
		for k < keyCount-1 && x >= weights[k] {
			x -= weights[k]
			k++
		}
		out[i] = &kgo.Record{Topic: topic, Key: []byte("tenant-" + strconv.Itoa(k)), Value: value}
	}
	return out
}
