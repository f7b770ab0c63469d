// Package sshtest drives partop's SSH dashboards the way a person does:
// the real OpenSSH client in a tmux pane of a chosen size, keys typed with
// send-keys, the screen read with capture-pane. Tests and benchmarks of
// sshd and of the partop command share it.
package sshtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Install is what to run when a tool is missing.
const Install = "install openssh-client and tmux: apt-get install -y openssh-client tmux"

// Require skips the test when ssh, ssh-keygen or tmux is missing, or fails
// it under CI (CI=true), where skipping would hide the suite.
func Require(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not found: %s", tool, Install)
			}
			t.Skipf("%s not found: %s", tool, Install)
		}
	}
}

// Key makes an ed25519 key pair in dir with ssh-keygen and returns the
// private key's path and its authorized_keys line.
func Key(t testing.TB, dir, name string) (path, line string) {
	t.Helper()
	path = filepath.Join(dir, name)
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name+"@test", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return path, string(pub)
}

// Args are the OpenSSH client's arguments to reach addr (host:port) as
// user with only the key file: no config, agent, known hosts or prompts.
func Args(addr, key, user string) []string {
	host, port, _ := net.SplitHostPort(addr)
	return []string{
		"-F", "/dev/null", "-p", port, "-i", key,
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
		user + "@" + host,
	}
}

// Tmux is a private tmux server: its own socket and settings, so it
// neither sees nor disturbs anyone else's.
type Tmux struct {
	t            testing.TB
	socket, conf string
}

// NewTmux starts nothing yet: the server starts with the first pane and
// is killed when the test ends.
func NewTmux(t testing.TB) *Tmux {
	t.Helper()
	// Socket paths are limited to about 100 bytes: keep it short.
	dir, err := os.MkdirTemp("", "tmux")
	if err != nil {
		t.Fatal(err)
	}
	x := &Tmux{t: t, socket: filepath.Join(dir, "s"), conf: filepath.Join(dir, "conf")}
	// No status line: the pane is the whole window. Panes stay after
	// their command exits, so its output and exit status can be read.
	err = os.WriteFile(x.conf, []byte("set -g status off\nset -g remain-on-exit on\nset -g default-terminal tmux-256color\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		x.Close()
		os.RemoveAll(dir)
	})
	return x
}

// Close kills the tmux server and every pane's command.
func (x *Tmux) Close() { _, _ = x.run("kill-server") }

func (x *Tmux) run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", x.socket, "-f", x.conf}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Term is one tmux pane running a command.
type Term struct {
	x    *Tmux
	name string
}

// Start runs command in a new w×h pane.
func (x *Tmux) Start(name string, w, h int, command ...string) *Term {
	x.t.Helper()
	args := append([]string{"new-session", "-d", "-s", name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "--"}, command...)
	if _, err := x.run(args...); err != nil {
		x.t.Fatal(err)
	}
	return &Term{x: x, name: name}
}

// SSH runs the OpenSSH client to addr in a new w×h pane.
func (x *Tmux) SSH(name string, w, h int, addr, key, user string) *Term {
	return x.Start(name, w, h, append([]string{"ssh"}, Args(addr, key, user)...)...)
}

// Screen is what the pane shows now, one line per row.
func (term *Term) Screen() string {
	out, err := term.x.run("capture-pane", "-p", "-t", term.name)
	if err != nil {
		term.x.t.Fatal(err)
	}
	return out
}

// Scrollback is the pane's history and screen: what a program printed
// after it left the alternate screen may have scrolled up.
func (term *Term) Scrollback() string {
	out, err := term.x.run("capture-pane", "-p", "-S", "-", "-t", term.name)
	if err != nil {
		term.x.t.Fatal(err)
	}
	return out
}

// Type sends text as typed, character by character.
func (term *Term) Type(text string) {
	if _, err := term.x.run("send-keys", "-t", term.name, "-l", text); err != nil {
		term.x.t.Fatal(err)
	}
}

// Resize makes the pane w×h; the client sends the new size to the server.
func (term *Term) Resize(w, h int) {
	if _, err := term.x.run("resize-window", "-t", term.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)); err != nil {
		term.x.t.Fatal(err)
	}
}

// PID is the process id of the pane's command.
func (term *Term) PID() int {
	out, err := term.x.run("display-message", "-p", "-t", term.name, "#{pane_pid}")
	if err != nil {
		term.x.t.Fatal(err)
	}
	var pid int
	fmt.Sscan(out, &pid)
	return pid
}

// ServerPID is the process id of the tmux server (once a pane runs).
func (x *Tmux) ServerPID() int {
	out, err := x.run("display-message", "-p", "#{pid}")
	if err != nil {
		x.t.Fatal(err)
	}
	var pid int
	fmt.Sscan(out, &pid)
	return pid
}

// Exited tells whether the pane's command has exited, and its status.
func (term *Term) Exited() (bool, int) {
	out, err := term.x.run("display-message", "-p", "-t", term.name, "#{pane_dead} #{pane_dead_status}")
	if err != nil {
		term.x.t.Fatal(err)
	}
	var dead, status int
	fmt.Sscan(out, &dead, &status)
	return dead == 1, status
}

// WaitFor polls the screen until ok accepts it, and returns that screen;
// it fails the test with the last screen after d.
func (term *Term) WaitFor(d time.Duration, what string, ok func(screen string) bool) string {
	term.x.t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := term.Screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			term.x.t.Fatalf("%s: no %s after %s; the screen:\n%s", term.name, what, d, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitText waits for text to appear on the screen.
func (term *Term) WaitText(d time.Duration, text string) string {
	term.x.t.Helper()
	return term.WaitFor(d, fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

// WaitExit waits for the pane's command to exit and returns its status.
func (term *Term) WaitExit(d time.Duration) int {
	term.x.t.Helper()
	deadline := time.Now().Add(d)
	for {
		if dead, status := term.Exited(); dead {
			return status
		}
		if time.Now().After(deadline) {
			term.x.t.Fatalf("%s: still running after %s; the screen:\n%s", term.name, d, term.Screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
