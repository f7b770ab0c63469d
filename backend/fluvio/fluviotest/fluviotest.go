// Package fluviotest holds what partop's Fluvio integration tests (build
// tag fluvio, in backend/fluvio, its client and e2e) share: the cluster under
// test, Fluvio's CLI, and Fluvio's own client (Python, PyPI fluvio
// 0.21.0) as the independent reader and producer. Run the tests with
// scripts/fluvio-test.sh, which starts the cluster and installs the
// Python client; by hand:
//
//	scripts/fluvio.sh start && eval "$(scripts/fluvio.sh env)"
//	PARTOP_FLUVIO_PYTHON=/path/to/venv/bin/python go test -tags fluvio -p 1 ./backend/fluvio/...
//
// Figures are logged as "FIGURE name: value"; the script collects them.
package fluviotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partop/backend/fluvio/client"
)

// Env is what scripts/fluvio.sh env and scripts/fluvio-test.sh set.
type Env struct {
	SC, Home, Python, Root string
}

// EnvT is the environment for tests that also run Fluvio's Python client.
func EnvT(t *testing.T) Env {
	t.Helper()
	e := env(t)
	if e.SC == "" || e.Python == "" {
		t.Fatal(`FLUVIO_SC and PARTOP_FLUVIO_PYTHON must be set: run bash scripts/fluvio-test.sh`)
	}
	return e
}

// ClusterEnvT is the environment for tests that need only the cluster,
// Fluvio's CLI and scripts/fluvio.sh, so that they also run against a
// cluster started by hand without the Python client.
func ClusterEnvT(t *testing.T) Env {
	t.Helper()
	e := env(t)
	if e.SC == "" {
		t.Fatal(`FLUVIO_SC is not set: these tests need a running Fluvio SC. ` +
			`Run scripts/fluvio-test.sh, or: scripts/fluvio.sh start && eval "$(scripts/fluvio.sh env)"`)
	}
	return e
}

// env reads the environment; its callers check what they need of it.
func env(t *testing.T) Env {
	t.Helper()
	e := Env{SC: os.Getenv("FLUVIO_SC"), Home: os.Getenv("FLUVIO_HOME"), Python: os.Getenv("PARTOP_FLUVIO_PYTHON")}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	e.Root = root(wd)
	if e.Home == "" {
		e.Home = filepath.Join(e.Root, "..", "shared", "fluvio")
	}
	return e
}

func Dial(t *testing.T, e Env) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.SC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TopicName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e12)
}

func Figure(t *testing.T, name, format string, args ...any) {
	t.Helper()
	t.Logf("FIGURE %s: %s", name, fmt.Sprintf(format, args...))
}

// CreateTopic creates a topic and returns it as the SC describes it.
func CreateTopic(t *testing.T, c *client.Client, name string, n int) client.Topic {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	if err := c.CreateTopic(ctx, name, n); err != nil {
		t.Fatal(err)
	}
	tp, err := c.Topic(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// run runs a command with a deadline and returns its stdout.
func Run(t *testing.T, d time.Duration, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		err = fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, ee.Stderr)
	}
	return string(out), err
}

// cli runs Fluvio's CLI with a HOME of its own holding a profile for the SC.
func CLI(t *testing.T, e Env, args ...string) (string, error) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(e.Home, "bin", "fluvio")
	env := []string{"HOME=" + home}
	if out, err := Run(t, time.Minute, env, bin, "profile", "add", "local", e.SC, "local"); err != nil {
		t.Fatalf("fluvio profile add: %v\n%s", err, out)
	}
	return Run(t, time.Minute, env, bin, args...)
}

// ClusterScript runs scripts/fluvio.sh (kill-spu, start-spu).
func ClusterScript(t *testing.T, e Env, args ...string) {
	t.Helper()
	out, err := Run(t, 90*time.Second, nil, "bash", append([]string{filepath.Join(e.Root, "scripts", "fluvio.sh")}, args...)...)
	if err != nil {
		t.Fatalf("scripts/fluvio.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// ReadBack is what Fluvio's own consumer read from each partition.
type ReadBack struct {
	Partitions []struct {
		Partition int32               `json:"partition"`
		Records   int                 `json:"records"`
		Other     int                 `json:"other"`
		Runs      map[string][]uint64 `json:"runs"`
	} `json:"partitions"`
}

// PyRead reads every partition of topic to its end with Fluvio's client.
func PyRead(t *testing.T, e Env, topic string, partitions int) ReadBack {
	t.Helper()
	out := filepath.Join(t.TempDir(), "read.json")
	if o, err := Run(t, 2*time.Minute, nil, e.Python, filepath.Join(e.Root, "backend", "fluvio", "fluviotest", "pyfluvio.py"),
		"read", e.SC, topic, fmt.Sprint(partitions), out); err != nil {
		t.Fatalf("reading back with Fluvio's client: %v\n%s", err, o)
	}
	var rb ReadBack
	ReadJSON(t, out, &rb)
	return rb
}

// PyFirst is the first record of a partition as Fluvio's own consumer
// reads it: Timestamp is Record.timestamp() in ms (-1: none).
type PyFirst struct {
	Partition int32 `json:"partition"`
	Offset    int64 `json:"offset"`
	Timestamp int64 `json:"timestamp"`
}

// PyFirsts reads the first record of every partition of topic that has one
// with Fluvio's client, by partition.
func PyFirsts(t *testing.T, e Env, topic string, partitions int) map[int32]PyFirst {
	t.Helper()
	out := filepath.Join(t.TempDir(), "firsts.json")
	if o, err := Run(t, 2*time.Minute, nil, e.Python, filepath.Join(e.Root, "backend", "fluvio", "fluviotest", "pyfluvio.py"),
		"firsts", e.SC, topic, fmt.Sprint(partitions), out); err != nil {
		t.Fatalf("reading the first records with Fluvio's client: %v\n%s", err, o)
	}
	var got struct {
		Partitions []PyFirst `json:"partitions"`
	}
	ReadJSON(t, out, &got)
	m := map[int32]PyFirst{}
	for _, f := range got.Partitions {
		m[f.Partition] = f
	}
	return m
}

// PyProduced is what Fluvio's own producer sent: per record, when it was
// handed to the producer (seconds since the epoch) and the partition that
// acknowledged it.
type PyProduced struct {
	Start   float64      `json:"start"`
	Sent    int          `json:"sent"`
	Errors  int          `json:"errors"`
	Records [][2]float64 `json:"records"`
}

// PyProduce starts Fluvio's producer for secs; wait returns what it sent.
func PyProduce(t *testing.T, e Env, topic string, rate int, secs float64, keys int) (wait func() PyProduced) {
	t.Helper()
	return pyProduce(t, e, filepath.Join(t.TempDir(), "produced.json"), topic, rate, secs, keys)
}

// PyProduceUntil starts Fluvio's producer (keyless) and runs it until stop,
// which returns what it sent; max is a backstop.
func PyProduceUntil(t *testing.T, e Env, topic string, rate int, max time.Duration) (stop func() PyProduced) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "produced.json")
	wait := pyProduce(t, e, out, topic, rate, max.Seconds(), 0)
	return func() PyProduced {
		if err := os.WriteFile(out+".stop", nil, 0o644); err != nil {
			t.Fatal(err)
		}
		return wait()
	}
}

// PyProduceCompressed is PyProduce (keyless) with the producer's batches
// compressed: gzip, snappy, lz4 or zstd.
func PyProduceCompressed(t *testing.T, e Env, topic string, rate int, secs float64, compression string) (wait func() PyProduced) {
	t.Helper()
	return pyProduce(t, e, filepath.Join(t.TempDir(), "produced.json"), topic, rate, secs, 0, compression)
}

func pyProduce(t *testing.T, e Env, out, topic string, rate int, secs float64, keys int, compression ...string) (wait func() PyProduced) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Run(t, time.Duration(secs*float64(time.Second))+time.Minute, nil, e.Python,
			append([]string{filepath.Join(e.Root, "backend", "fluvio", "fluviotest", "pyfluvio.py"),
				"produce", e.SC, topic, fmt.Sprint(rate), fmt.Sprint(secs), out, fmt.Sprint(keys)}, compression...)...)
		done <- err
	}()
	return func() PyProduced {
		if err := <-done; err != nil {
			t.Fatalf("Fluvio's producer: %v", err)
		}
		var p PyProduced
		ReadJSON(t, out, &p)
		return p
	}
}

func ReadJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// root finds the repository: the nearest directory up from dir with go.mod.
func root(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
