package sshtest

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build builds the command in the package directory dir (for example
// "." from the partop module's root) into a temporary directory and
// returns the binary's path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "partop")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Process is a running command whose stderr is read line by line, so a
// test can wait for it to say where it listens.
type Process struct {
	t      testing.TB
	cmd    *exec.Cmd
	out    bytes.Buffer
	exited chan struct{} // stderr reached EOF

	mu    sync.Mutex
	lines []string
}

// Start runs bin with args; it is killed when the test ends.
func Start(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	p := &Process{t: t, cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Stdout = &p.out
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		_ = p.cmd.Wait()
	})
	return p
}

// Stderr is what the process printed on stderr so far.
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// After waits for a stderr line containing marker and returns the rest
// of that line after it; it fails the test if the process exits first or
// d passes.
func (p *Process) After(d time.Duration, marker string) string {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if _, rest, ok := strings.Cut(l, marker); ok {
				p.mu.Unlock()
				return rest
			}
		}
		p.mu.Unlock()
		select {
		case <-p.exited:
			p.t.Fatalf("exited before printing %q:\n%s", marker, p.Stderr())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %q on stderr after %s:\n%s", marker, d, p.Stderr())
		}
	}
}

// Stop sends SIGTERM, waits at most d for the process to exit, and
// returns its exit status and everything it printed on stdout.
func (p *Process) Stop(d time.Duration) (int, []byte) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(d):
		p.t.Fatalf("still running %s after SIGTERM", d)
	}
	code := 0
	if err := p.cmd.Wait(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			p.t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return code, p.out.Bytes()
}
