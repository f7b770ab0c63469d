package sshd

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// DefaultRefusalWindow bounds how often refused logins reach the event
// log: an SSH port on a bastion is scanned all day, and the log keeps only
// the latest events, so a flood of refusals would push out the expansions.
const DefaultRefusalWindow = time.Minute

// refusals notes logins refused at authentication in the event log: the
// first at once, the ones after it within the window (Config.RefusalWindow) as one line
// ("N more…") when the window ends, so a steady scanner costs one line a
// minute. Connections that fail before authentication (a port scan, a
// client that never speaks SSH) are not logins and are not noted.
//
// An SSH client offers each key its agent holds until one is accepted, so
// a refused key is not a refused login; only a connection that ends
// without any accepted key is.
type refusals struct {
	note   func(msg string)
	window time.Duration

	mu      sync.Mutex
	running bool // a window is open
	more    int  // refusals since the window's first note
	last    string
	timer   *time.Timer
	closed  bool
}

// failed is the server's ConnectionFailedCallback.
func (r *refusals) failed(conn net.Conn, err error) {
	var auth *gossh.ServerAuthError
	if !errors.As(err, &auth) {
		return
	}
	addr := "an unknown address"
	if a := conn.RemoteAddr(); a != nil {
		addr = a.String()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.running {
		r.more++
		r.last = addr
		return
	}
	r.note(fmt.Sprintf("SSH login refused from %s: no key it offered is in the authorized or view-only keys", addr))
	r.open()
}

// open starts a window; r.mu is held.
func (r *refusals) open() {
	r.running = true
	r.timer = time.AfterFunc(r.window, r.flush)
}

// flush ends a window: the refusals counted in it become one line, and
// another window starts so that the next ones are counted too.
func (r *refusals) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = false
	if r.closed || r.more == 0 {
		return
	}
	r.note(fmt.Sprintf("%d more SSH logins refused in %s, the last from %s", r.more, r.window, r.last))
	r.more = 0
	r.open()
}

// close stops the window timer; refusals after it are not noted.
func (r *refusals) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
	}
}
