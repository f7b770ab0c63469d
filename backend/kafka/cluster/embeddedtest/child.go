package embeddedtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The benchmarks that measure a poller's CPU run the cluster in another
// process (the test binary itself, running one named test), so the
// cluster's work is not counted as the poller's.

// StartChild runs this test binary again as the same benchmark, with env
// added (the benchmark, seeing its variable set, serves the cluster
// instead of measuring: see ServeChild), and returns the seed brokers the
// child prints. The child ends when the benchmark does. Being the same
// benchmark, the child needs no Test function that ordinary runs would
// list and skip.
func StartChild(b *testing.B, env ...string) []string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench="+benchPattern(b.Name()), "-test.benchtime=1x", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if seeds, ok := strings.CutPrefix(sc.Text(), "seeds "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return strings.Split(seeds, ",")
		}
	}
	b.Fatal("the cluster process ended before it gave its address")
	return nil
}

// benchPattern matches exactly the benchmark (or sub-benchmark) named name.
func benchPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// ServeChild is the child's side: it says where its cluster listens and
// serves until the parent closes its stdin.
func ServeChild(seeds []string) {
	fmt.Println("seeds", strings.Join(seeds, ","))
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// Wire is a kgo hook that counts the bytes a client sends and receives.
type Wire struct{ Sent, Recv atomic.Int64 }

// OnBrokerWrite implements kgo.HookBrokerWrite.
func (w *Wire) OnBrokerWrite(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, _ error) {
	w.Sent.Add(int64(n))
}

// OnBrokerRead implements kgo.HookBrokerRead.
func (w *Wire) OnBrokerRead(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, _ error) {
	w.Recv.Add(int64(n))
}
