//go:build fluvio

// Package e2e runs the partop binary against a real Fluvio cluster: the
// producer, discovery, observe mode, failures and their messages, and the
// side-by-side benchmark with Fluvio's own producer. Run with
// scripts/fluvio-test.sh (see package fluviotest for running by hand).
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	ft "partop/backend/fluvio/fluviotest"
)

// bin is the partop binary, built once.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "partop-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin = filepath.Join(dir, "partop")
	build := exec.Command("go", "build", "-o", bin, "partop")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building partop:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// line is the part of a headless JSON line the tests read.
type line struct {
	Summary           bool    `json:"summary"`
	Mode              string  `json:"mode"`
	T                 float64 `json:"t"`
	Time              string  `json:"time"`
	Partitions        int     `json:"partitions"`
	ClusterPartitions int     `json:"cluster_partitions"`
	Rate              float64 `json:"rate"`
	Acked             uint64  `json:"acked"`
	Errors            uint64  `json:"errors"`
	Jain              float64 `json:"jain"`
	PerPartition      []struct {
		Partition int32   `json:"partition"`
		Rate      float64 `json:"rate"`
		Acked     uint64  `json:"acked"`
		Errors    uint64  `json:"errors"`
	} `json:"per_partition"`
	Events        []event  `json:"events"`
	FailedActions []string `json:"failed_actions"`
	Keys          *keys    `json:"keys"`
}

// keys is what a line says of the record sample.
type keys struct {
	Partitioner string  `json:"partitioner"`
	Explained   float64 `json:"explained"`
	Sampled     int     `json:"sampled"`
}

type event struct {
	Kind       string   `json:"kind"`
	At         string   `json:"at"`
	Message    string   `json:"message"`
	From       int      `json:"from"`
	To         int      `json:"to"`
	By         string   `json:"by"`
	PickupMs   *float64 `json:"pickup_ms"`
	SeenAt     string   `json:"seen_at"`
	RoutedAt   string   `json:"routed_at"`
	FirstAckAt string   `json:"first_ack_at"`
}

func stamp(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return at
}

// partop is a running partop --headless.
type partop struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []line
	stderr bytes.Buffer
	news   chan struct{} // a line arrived (capacity 1)
	done   chan struct{} // the process exited
	code   int
}

func start(t *testing.T, args ...string) *partop {
	t.Helper()
	p := &partop{news: make(chan struct{}, 1), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stderr = &syncWriter{mu: &p.mu, w: &p.stderr}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("partop %v", args)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err == nil {
				p.mu.Lock()
				p.lines = append(p.lines, l)
				p.mu.Unlock()
				select {
				case p.news <- struct{}{}:
				default:
				}
			}
		}
		err := p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		_ = err
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

type syncWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func (p *partop) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitLine returns the first line satisfying ok, waiting up to d.
func (p *partop) waitLine(t *testing.T, d time.Duration, what string, ok func(line) bool) line {
	t.Helper()
	deadline := time.After(d)
	seen := 0
	for {
		p.mu.Lock()
		lines := p.lines[seen:]
		seen = len(p.lines)
		p.mu.Unlock()
		for _, l := range lines {
			if ok(l) {
				return l
			}
		}
		select {
		case <-p.news:
		case <-p.done:
			p.mu.Lock()
			more := len(p.lines) > seen
			p.mu.Unlock()
			if !more {
				t.Fatalf("partop exited (code %d) before %s; stderr:\n%s", p.code, what, p.errText())
			}
		case <-deadline:
			t.Fatalf("no line with %s within %s; stderr:\n%s", what, d, p.errText())
		}
	}
}

// finish waits up to d for partop to exit and returns its summary line.
func (p *partop) finish(t *testing.T, d time.Duration) (line, int) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("partop still running after %s; stderr:\n%s", d, p.errText())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.lines); n == 0 || !p.lines[n-1].Summary {
		t.Fatalf("partop exited (code %d) without a summary; stderr:\n%s", p.code, p.stderr.String())
	}
	return p.lines[len(p.lines)-1], p.code
}

// exit waits up to d for partop to exit and returns its exit code.
func (p *partop) exit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(d):
		t.Fatalf("partop still running after %s; stderr:\n%s", d, p.errText())
		return 0
	}
}

// interrupt stops partop as Ctrl-C would.
func (p *partop) interrupt() { _ = p.cmd.Process.Signal(syscall.SIGINT) }

// expansions returns the summary's expansion events.
func expansions(l line) []event {
	var out []event
	for _, e := range l.Events {
		if e.Kind == "expansion" {
			out = append(out, e)
		}
	}
	return out
}

// partopRecords counts partop's records (one run) per partition in what
// Fluvio's consumer read, and checks that no sequence number repeats.
func partopRecords(t *testing.T, rb ft.ReadBack) (perPartition map[int32]int, seqs map[uint64]bool) {
	t.Helper()
	perPartition, seqs = map[int32]int{}, map[uint64]bool{}
	if n := len(runsOf(rb)); n != 1 {
		t.Fatalf("read back records of %d partop runs, want 1", n)
	}
	for _, p := range rb.Partitions {
		for _, ss := range p.Runs {
			for _, s := range ss {
				if seqs[s] {
					t.Errorf("record %d read twice (partition %d)", s, p.Partition)
				}
				seqs[s] = true
				perPartition[p.Partition]++
			}
		}
	}
	return perPartition, seqs
}

func runsOf(rb ft.ReadBack) map[string]bool {
	runs := map[string]bool{}
	for _, p := range rb.Partitions {
		for r := range p.Runs {
			runs[r] = true
		}
	}
	return runs
}
