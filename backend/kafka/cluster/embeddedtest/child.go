package embeddedtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The benchmarks that measure a poller's CPU run the cluster in another
// process (the test binary itself, running one named test), so the
// cluster's work is not counted as the poller's.

// StartChild runs the test binary's test named test with env added, and
// returns the seed brokers it prints with ServeChild. The child ends when
// the benchmark does.
func StartChild(b *testing.B, test string, env ...string) []string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.bench=^$", "-test.count=1", "-test.timeout=0")
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
