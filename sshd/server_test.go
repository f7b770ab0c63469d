package sshd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partop/internal/waitfor"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// TestStrangersRefused: a key in neither file, a password, keyboard
// interactive and no credentials at all are refused at authentication: no
// session starts. wish alone would accept them all. The event log gets
// the first refusal at once and the rest as one line when the window
// ends.
func TestStrangersRefused(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	_, known := newKey(t, "known@test")
	s := testServer(t, eng, known, "", func(c *Config) { c.RefusalWindow = 3 * time.Second })
	stranger, _ := newKey(t, "stranger@test")
	for name, auth := range map[string][]gossh.AuthMethod{
		"unknown key":          {gossh.PublicKeys(stranger)},
		"password":             {gossh.Password("hunter2")},
		"keyboard-interactive": {gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })},
		"none":                 nil,
	} {
		c, err := dial(s, "mallory", auth...)
		if err == nil {
			c.Close()
			t.Fatalf("%s: logged in", name)
		}
		if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Fatalf("%s: %v, want an authentication failure", name, err)
		}
	}
	if n := s.Sessions(); n != 0 {
		t.Fatalf("%d sessions after refusals", n)
	}
	waitfor.That(t, 20*time.Second, "the window's line", func() bool { return len(eng.noted()) >= 2 })
	notes := eng.noted()
	if len(notes) != 2 ||
		!strings.HasPrefix(notes[0], "session: SSH login refused from 127.0.0.1:") ||
		!strings.HasPrefix(notes[1], "session: 3 more SSH logins refused in 3s, the last from 127.0.0.1:") {
		t.Fatalf("event log: %q, want the first refusal and then 3 more in one line", notes)
	}
}

// TestRefusalsRateLimited: with real SSH clients, every refusal is counted
// once; a connection that never authenticates (a port scan) and a viewer
// whose agent offers an unknown key before the right one are not refused
// logins. (TestRefusalWindows checks the windows on a fake clock.)
func TestRefusalsRateLimited(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	signer, known := newKey(t, "known@test")
	s := testServer(t, eng, known, "", func(c *Config) { c.RefusalWindow = 50 * time.Millisecond })
	stranger, _ := newKey(t, "stranger@test")

	conn, err := net.Dial("tcp", s.Addr().String()) // speaks no SSH
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	c, err := dial(s, "alice", gossh.PublicKeys(stranger, signer))
	if err != nil {
		t.Fatalf("a viewer with an unknown key before the known one: %v", err)
	}
	c.Close()
	for range 3 {
		if c, err := dial(s, "mallory", gossh.PublicKeys(stranger)); err == nil {
			c.Close()
			t.Fatal("a stranger logged in")
		}
	}
	// refused counts the refusals the log accounts for: a line each for
	// the first of a window, "N more" for the rest.
	refused := func() (n int) {
		for _, note := range eng.noted() {
			var more int
			switch {
			case strings.Contains(note, "SSH login refused from"):
				n++
			case strings.Contains(note, "more SSH logins refused"):
				if _, err := fmt.Sscanf(strings.TrimPrefix(note, "session: "), "%d more", &more); err != nil {
					t.Fatalf("%q: %v", note, err)
				}
				n += more
			}
		}
		return n
	}
	// The port scan and alice came first: had either been taken for a
	// refusal, it would be the first line, and the count would pass 3 in
	// the same window's line. How many lines depends on how the refusals
	// fall into windows on a loaded machine; TestRefusalWindows checks
	// the windows on a fake clock.
	waitfor.That(t, 5*time.Second, "the three refusals in the log", func() bool { return refused() >= 3 })
	if n := refused(); n != 3 || !strings.Contains(eng.noted()[0], "SSH login refused from") {
		t.Fatalf("log accounts for %d refusals, want 3, the first on a line of its own: %q", n, eng.noted())
	}
}

// TestHostKeyIsWhatViewersSee: the key the server presents is the one in
// the file, with the fingerprint it prints.
func TestHostKeyIsWhatViewersSee(t *testing.T) {
	t.Parallel()
	signer, known := newKey(t, "known@test")
	s := testServer(t, newFakeEngine(), known, "", nil)
	var seen string
	c, err := gossh.Dial("tcp", s.Addr().String(), &gossh.ClientConfig{
		User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: func(_ string, _ net.Addr, key gossh.PublicKey) error {
			seen = gossh.FingerprintSHA256(key)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if seen != s.Fingerprint() {
		t.Fatalf("server presented %s, prints %s", seen, s.Fingerprint())
	}
}

// TestNoPTY: a session without a terminal gets one line on stderr and
// exit status 1, and no dashboard.
func TestNoPTY(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	signer, known := newKey(t, "known@test")
	s := testServer(t, eng, known, "", nil)
	c, err := dial(s, "alice", gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr lockedBuffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	err = sess.Run("status")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
	if got := stderr.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "needs a terminal") {
		t.Fatalf("stderr %q, want one line saying a terminal is needed", got)
	}
	if stdout.String() != "" {
		t.Fatalf("stdout %q, want nothing", stdout.String())
	}
}

// TestActionsByKey: a key from the authorized file adds partitions; a key
// from the view-only file sees "view only" and its action keys reach
// nothing. A key in both files may only watch.
func TestActionsByKey(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	actor, actorLine := newKey(t, "actor@test")
	watcher, watcherLine := newKey(t, "watcher@test")
	both, bothLine := newKey(t, "both@test")
	s := testServer(t, eng, actorLine+bothLine, watcherLine+bothLine, nil)

	for _, signer := range []gossh.Signer{watcher, both} {
		c, err := dial(s, "viewer", gossh.PublicKeys(signer))
		if err != nil {
			t.Fatal(err)
		}
		term := openTerminal(t, c, 120, 40)
		waitfor.That(t, 5*time.Second, "the dashboard", func() bool { return strings.Contains(ansi.Strip(term.out.String()), "view only") })
		// Keys are handled in order: once q has ended the session, the
		// action keys before it have been refused.
		term.send(t, "a\r+-p \rq")
		select {
		case <-term.done:
		case <-time.After(5 * time.Second):
			t.Fatal("q did not end the session")
		}
		c.Close()
	}
	if a := eng.applied(); len(a) != 0 {
		t.Fatalf("view-only sessions applied %v", a)
	}

	c, err := dial(s, "actor", gossh.PublicKeys(actor))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	term := openTerminal(t, c, 120, 40)
	waitfor.That(t, 5*time.Second, "the dashboard", func() bool { return strings.Contains(ansi.Strip(term.out.String()), "topic t") })
	term.send(t, "a")
	waitfor.That(t, 5*time.Second, "the prompt", func() bool { return strings.Contains(ansi.Strip(term.out.String()), "→") })
	term.send(t, "\r")
	waitfor.That(t, 5*time.Second, "an add action", func() bool { return len(eng.applied()) == 1 })
}

// TestJoinLeaveLogged: the event log names who joined, from where, with
// which key, and when they left; a user name full of escape sequences
// cannot paint other viewers' screens.
func TestJoinLeaveLogged(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	signer, known := newKey(t, "alice@laptop")
	s := testServer(t, eng, known, "", nil)
	c, err := dial(s, "al\x1b[31mice\x07", gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	term := openTerminal(t, c, 80, 24)
	waitfor.That(t, 5*time.Second, "the join", func() bool { return len(eng.noted()) == 1 })
	term.send(t, "q")
	select {
	case <-term.done:
	case <-time.After(5 * time.Second):
		t.Fatal("q did not end the session")
	}
	c.Close()
	waitfor.That(t, 5*time.Second, "the leave", func() bool { return len(eng.noted()) == 2 && s.Sessions() == 0 })
	notes := eng.noted()
	if !strings.HasPrefix(notes[0], "session: al?[31mice? joined over SSH from 127.0.0.1:") || !strings.HasSuffix(notes[0], "(key alice@laptop)") {
		t.Fatalf("join: %q", notes[0])
	}
	if !strings.HasPrefix(notes[1], "session: al?[31mice? left (from 127.0.0.1:") {
		t.Fatalf("leave: %q", notes[1])
	}
}

// TestIdleTimeout: a silent session is closed with a line saying why; one
// that keeps pressing keys stays.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	signer, known := newKey(t, "known@test")
	s := testServer(t, eng, known, "", func(c *Config) { c.IdleTimeout = time.Second })
	c, err := dial(s, "idle", gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	quiet := openTerminal(t, c, 80, 24)
	busy := openTerminal(t, c, 80, 24) // a second session on the same connection
	start := time.Now()
	keys := time.NewTicker(200 * time.Millisecond) // a keystroke every 200ms on the busy one
	defer keys.Stop()
	for quietOpen := true; quietOpen || time.Since(start) < 2500*time.Millisecond; {
		select {
		case <-quiet.done:
			quietOpen = false
		case <-keys.C:
			busy.send(t, "s") // sort: harmless
		}
		if quietOpen && time.Since(start) > 10*time.Second {
			t.Fatal("the quiet session is still open 10s into a 1s idle timeout")
		}
	}
	if out := ansi.Strip(quiet.out.String()); !strings.Contains(out, "no keystroke for 1s: session closed") {
		t.Fatalf("the quiet session was not told why: %q", out)
	}
	select {
	case err := <-busy.done:
		t.Fatalf("the busy session ended: %v", err)
	default:
	}
	if s.Sessions() != 1 {
		t.Fatalf("%d sessions, want the busy one", s.Sessions())
	}
}

// TestStopEndsEverySession: when the engine stops, every session's
// dashboard gives the terminal back, says so and exits 0, and Close
// returns; the map of sessions is empty.
func TestStopEndsEverySession(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	signer, known := newKey(t, "known@test")
	s := testServer(t, eng, known, "", nil)
	var terms []*terminal
	for range 3 {
		c, err := dial(s, "viewer", gossh.PublicKeys(signer))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		terms = append(terms, openTerminal(t, c, 100, 30))
	}
	waitfor.That(t, 5*time.Second, "three sessions", func() bool { return s.Sessions() == 3 })
	for _, term := range terms {
		waitfor.That(t, 5*time.Second, "a dashboard", func() bool { return strings.Contains(term.out.String(), ansi.SetModeAltScreenSaveCursor) })
	}
	close(eng.done)
	for i, term := range terms {
		select {
		case err := <-term.done:
			if err != nil {
				t.Fatalf("session %d: %v, want exit 0", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("session %d still open 10s after the engine stopped", i)
		}
		out := term.out.String()
		restored := strings.LastIndex(out, ansi.ResetModeAltScreenSaveCursor)
		told := strings.LastIndex(out, stopped)
		if restored < 0 || told < restored {
			t.Fatalf("session %d: screen restored at %d, told at %d: want the message after the restore", i, restored, told)
		}
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	if n := s.Sessions(); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
}

// TestMaxSessions: past the limit a session is told why and ends.
func TestMaxSessions(t *testing.T) {
	t.Parallel()
	signer, known := newKey(t, "known@test")
	s := testServer(t, newFakeEngine(), known, "", func(c *Config) { c.MaxSessions = 1 })
	c, err := dial(s, "viewer", gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	openTerminal(t, c, 80, 24)
	waitfor.That(t, 5*time.Second, "one session", func() bool { return s.Sessions() == 1 })
	second := openTerminal(t, c, 80, 24)
	select {
	case <-second.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the second session was let in")
	}
	if out := second.out.String(); !strings.Contains(out, "1 viewers are watching already") {
		t.Fatalf("second session told %q", out)
	}
}

// TestListenErrors: what Listen refuses, before anything connects.
func TestListenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, line := newKey(t, "k")
	keys := filepath.Join(dir, "keys")
	writeFile(t, keys, line)
	loose := filepath.Join(dir, "loose_host_key")
	if _, _, _, err := hostKey(loose); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "# nobody yet\n")
	for name, c := range map[string]struct {
		cfg  Config
		want string
	}{
		"missing keys":   {Config{Addr: "127.0.0.1:0", AuthorizedKeys: filepath.Join(dir, "nope"), HostKey: filepath.Join(dir, "hk")}, "authorized keys: stat"},
		"no usable key":  {Config{Addr: "127.0.0.1:0", AuthorizedKeys: empty, HostKey: filepath.Join(dir, "hk")}, "no usable public key"},
		"loose host key": {Config{Addr: "127.0.0.1:0", AuthorizedKeys: keys, HostKey: loose}, "chmod 600"},
		"bad address":    {Config{Addr: "127.0.0.1:99999", AuthorizedKeys: keys, HostKey: filepath.Join(dir, "hk")}, "invalid port"},
	} {
		_, err := Listen(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// TestHostKeyCreatedOnce: the first start creates the key 0600 in a 0700
// directory; the next start presents the same key.
func TestHostKeyCreatedOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "partop", "ssh_host_ed25519_key")
	_, first, created, err := hostKey(path)
	if err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Fatalf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	_, again, created, err := hostKey(path)
	if err != nil || created {
		t.Fatalf("second start: created %v, %v", created, err)
	}
	if gossh.FingerprintSHA256(first.PublicKey()) != gossh.FingerprintSHA256(again.PublicKey()) {
		t.Fatal("the host key changed between starts")
	}
}
