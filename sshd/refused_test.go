package sshd

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// fakeConn is a connection from addr; only RemoteAddr is used.
type fakeConn struct {
	net.Conn
	addr string
}

func (c fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.ParseIP(c.addr), Port: 40000} }

// TestRefusalWindows: on a fake clock, the first refusal is noted at once,
// the next ones in its window as one line when it ends, a quiet window
// adds nothing, and failures that are not refused logins (a port scan, a
// handshake that broke) are never noted; after close nothing is.
func TestRefusalWindows(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var notes []string
		r := &refusals{window: time.Minute, note: func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }}
		noted := func() string { mu.Lock(); defer mu.Unlock(); return strings.Join(notes, "|") }
		refused := &gossh.ServerAuthError{Errors: []error{errors.New("no key")}}

		r.failed(fakeConn{addr: "10.0.0.1"}, errors.New("EOF")) // a port scan
		if noted() != "" {
			t.Fatalf("a port scan was noted: %q", noted())
		}
		r.failed(fakeConn{addr: "10.0.0.2"}, refused)
		for range 4 {
			time.Sleep(10 * time.Second)
			r.failed(fakeConn{addr: "10.0.0.3"}, refused)
		}
		if got := noted(); !strings.HasPrefix(got, "SSH login refused from 10.0.0.2:40000") || strings.Contains(got, "|") {
			t.Fatalf("within the first window: %q", got)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if got := noted(); !strings.HasSuffix(got, "|4 more SSH logins refused in 1m0s, the last from 10.0.0.3:40000") {
			t.Fatalf("after the first window: %q", got)
		}
		time.Sleep(5 * time.Minute) // quiet windows add nothing
		synctest.Wait()
		if n := strings.Count(noted(), "|"); n != 1 {
			t.Fatalf("%d lines after quiet windows: %q", n+1, noted())
		}
		r.failed(fakeConn{addr: "10.0.0.4"}, refused) // a new window: noted at once
		if !strings.HasSuffix(noted(), "|SSH login refused from 10.0.0.4:40000: no key it offered is in the authorized or view-only keys") {
			t.Fatalf("a refusal after quiet windows: %q", noted())
		}
		r.close()
		r.failed(fakeConn{addr: "10.0.0.5"}, refused)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if strings.Contains(noted(), "10.0.0.5") {
			t.Fatalf("noted after close: %q", noted())
		}
	})
}
