package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"partop/engine"
)

// fakeEngine is a still engine: one snapshot, actions and notes recorded.
type fakeEngine struct {
	snap *engine.Snapshot
	done chan struct{}

	mu      sync.Mutex
	notes   []string
	actions []engine.Action
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{
		snap: &engine.Snapshot{
			Info:       engine.Info{Cluster: "fake", Topic: "t", Mode: engine.ModeProduce, Partitioner: "round-robin", Tick: 50 * time.Millisecond, Start: time.Now()},
			TopicState: engine.TopicState{Partitions: 4, Cluster: 4, Leaders: []int32{0, 1, 2, 0}},
			Sending:    true, TargetRate: 1000,
		},
		done: make(chan struct{}),
	}
}

func (f *fakeEngine) Snapshot() *engine.Snapshot { return f.snap }
func (f *fakeEngine) Done() <-chan struct{}      { return f.done }
func (f *fakeEngine) Apply(_ context.Context, a engine.Action) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.Kind == engine.ActNote {
		f.notes = append(f.notes, a.NoteKind+": "+a.Note)
	} else {
		f.actions = append(f.actions, a)
	}
	return nil
}

func (f *fakeEngine) noted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.notes...)
}

func (f *fakeEngine) applied() []engine.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.Action(nil), f.actions...)
}

// newKey makes a client key and its authorized_keys line.
func newKey(t testing.TB, comment string) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment + "\n"
	return signer, line
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// testServer runs a server on a free loopback port with the given key
// files' contents ("" for no file).
func testServer(t *testing.T, eng Engine, full, watch string, tweak func(*Config)) *Server {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{Addr: "127.0.0.1:0", HostKey: filepath.Join(dir, "host_key")}
	if full != "" {
		cfg.AuthorizedKeys = filepath.Join(dir, "authorized_keys")
		writeFile(t, cfg.AuthorizedKeys, full)
	}
	if watch != "" {
		cfg.ViewOnlyKeys = filepath.Join(dir, "view_only_keys")
		writeFile(t, cfg.ViewOnlyKeys, watch)
	}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Serve(context.Background(), eng)
	t.Cleanup(s.Close)
	return s
}

func dial(s *Server, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", s.Addr().String(), &gossh.ClientConfig{
		User: user, Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
}

// lockedBuffer collects a session's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// terminal is a client session with a PTY running the dashboard.
type terminal struct {
	sess  *gossh.Session
	stdin io.Writer
	out   *lockedBuffer
	done  chan error
}

func openTerminal(t *testing.T, c *gossh.Client, w, h int) *terminal {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	term := &terminal{sess: sess, out: &lockedBuffer{}, done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = term.out, term.out
	if term.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { term.done <- sess.Wait() }()
	return term
}

func (term *terminal) send(t *testing.T, keys string) {
	t.Helper()
	if _, err := term.stdin.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
}
