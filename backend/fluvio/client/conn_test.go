package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fluvio's test_encode_header (fluvio-protocol src/api/request.rs): api key
// 18, version 1, correlation id 1, client id "consumer-1".
func TestRequestHeaderMatchesRust(t *testing.T) {
	want := unhex(t, "00 12 00 01 00 00 00 01 00 0a 63 6f 6e 73 75 6d 65 72 2d 31")
	got := appendRequest(nil, apiVersions, 1, 1, "consumer-1", nil)
	if size := binary.BigEndian.Uint32(got); int(size) != len(got)-4 {
		t.Fatalf("size prefix %d for %d bytes", size, len(got)-4)
	}
	if !bytes.Equal(got[4:], want) {
		t.Fatalf("header % x, want % x", got[4:], want)
	}
	body := appendRequest([]byte{9}, apiList, 19, 7, "p", []byte{0xaa, 0xbb})
	if want := unhex(t, "09 00 00 00 0d 03 eb 00 13 00 00 00 07 00 01 70 aa bb"); !bytes.Equal(body, want) {
		t.Fatalf("frame % x, want % x", body, want)
	}
}

// fakeServer speaks just enough of the protocol for conn tests: it answers
// ApiVersions and hands every other request to handle.
type fakeServer struct {
	ln     net.Listener
	handle func(nc net.Conn, key apiKey, id int32, body []byte)
	wmu    sync.Mutex
}

func newFakeServer(t *testing.T, handle func(s *fakeServer, nc net.Conn, key apiKey, id int32, body []byte)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln}
	s.handle = func(nc net.Conn, key apiKey, id int32, body []byte) { handle(s, nc, key, id, body) }
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { nc.Close() })
			go s.serve(nc)
		}
	}()
	return s
}

func (s *fakeServer) addr() string { return s.ln.Addr().String() }

func (s *fakeServer) serve(nc net.Conn) {
	for {
		var size [4]byte
		if _, err := io.ReadFull(nc, size[:]); err != nil {
			return
		}
		frame := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(nc, frame); err != nil {
			return
		}
		r := reader{b: frame}
		key, _, id, _ := apiKey(r.u16()), r.i16(), r.i32(), r.str()
		body := frame[r.off:]
		if key == apiVersions {
			var w writer
			w.i16(0) // no error
			w.count(1)
			w.i16(1003)
			w.i16(15)
			w.i16(19)
			w.str("0.18.2")
			s.reply(nc, id, w.b)
			continue
		}
		s.handle(nc, key, id, body)
	}
}

func (s *fakeServer) reply(nc net.Conn, id int32, body []byte) {
	w := writer{}
	w.i32(int32(4 + len(body)))
	w.i32(id)
	w.raw(body)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	nc.Write(w.b)
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDialUnreachable(t *testing.T) {
	addr := closedPort(t)
	_, err := Dial(context.Background(), addr)
	want := "cannot reach Fluvio SC " + addr + ": connection refused"
	if err == nil || err.Error() != want {
		t.Fatalf("Dial(%s) = %v, want %q", addr, err, want)
	}
}

func TestDialHandshakeBoundedByContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // accepts (backlog) but never answers
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Dial(ctx, ln.Addr().String())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("Dial to a silent server: %v after %v", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "API versions handshake") {
		t.Errorf("error %q does not say what timed out", err)
	}
}

func TestHandshakeAndNegotiation(t *testing.T) {
	s := newFakeServer(t, func(*fakeServer, net.Conn, apiKey, int32, []byte) {})
	c, err := dialConn(context.Background(), s.addr(), "SC test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close(errors.New("done"))
	if v, err := negotiate(apiList, c.versions); v != 19 || err != nil {
		t.Errorf("List: version %d, %v", v, err)
	}
	if _, err := negotiate(apiWatch, c.versions); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("Watch not offered: %v", err)
	}
	if _, err := negotiate(apiList, map[apiKey]apiRange{apiList: {20, 22}}); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("disjoint ranges: %v", err)
	}
	if v, _ := negotiate(apiProduce, map[apiKey]apiRange{apiProduce: {0, 30}}); v != 25 {
		t.Errorf("newer server: version %d, want our max 25", v)
	}
}

// Requests in flight side by side get their own answers, even out of order.
func TestMultiplexOutOfOrder(t *testing.T) {
	const n = 50
	var mu sync.Mutex
	var held []func()
	s := newFakeServer(t, func(s *fakeServer, nc net.Conn, key apiKey, id int32, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, func() { s.reply(nc, id, append([]byte("re:"), body...)) })
		if len(held) == n { // answer all, newest first
			for i := len(held) - 1; i >= 0; i-- {
				held[i]()
			}
		}
	})
	c, err := dialConn(context.Background(), s.addr(), "SC test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close(errors.New("done"))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			body := fmt.Sprintf("req-%d", i)
			resp, err := c.roundTrip(ctx, apiList, 19, []byte(body))
			if err != nil || string(resp) != "re:"+body {
				t.Errorf("request %d: %q, %v", i, resp, err)
			}
		})
	}
	wg.Wait()
}

// A peer that goes away releases every waiter at once with the reason.
func TestPeerCloseReleasesWaiters(t *testing.T) {
	var mu sync.Mutex
	count := 0
	s := newFakeServer(t, func(s *fakeServer, nc net.Conn, key apiKey, id int32, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		if count++; count == 3 {
			nc.Close()
		}
	})
	c, err := dialConn(context.Background(), s.addr(), "SPU 1 test")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := time.Now()
	for range 3 {
		wg.Go(func() {
			_, err := c.roundTrip(context.Background(), apiProduce, 25, []byte("x"))
			if err == nil || !strings.Contains(err.Error(), "connection to SPU 1 test lost") {
				t.Errorf("waiter got %v", err)
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waiters released after %v", d)
	}
	if !c.closed() {
		t.Error("conn not marked closed")
	}
	if _, err := c.roundTrip(context.Background(), apiProduce, 25, nil); err == nil {
		t.Error("request on a dead conn succeeded")
	}
}

// A caller that gives up does not disturb the connection or later calls.
func TestContextEndsWait(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, nc net.Conn, key apiKey, id int32, body []byte) {
		if string(body) == "answer" {
			s.reply(nc, id, []byte("ok"))
		}
	})
	c, err := dialConn(context.Background(), s.addr(), "SC test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close(errors.New("done"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.roundTrip(ctx, apiList, 19, []byte("ignore me")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unanswered request: %v", err)
	}
	resp, err := c.roundTrip(context.Background(), apiList, 19, []byte("answer"))
	if err != nil || string(resp) != "ok" {
		t.Fatalf("next request: %q, %v", resp, err)
	}
}

// One Watch request is answered by many frames with its correlation id.
func TestStreamFrames(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, nc net.Conn, key apiKey, id int32, body []byte) {
		for i := range 3 {
			s.reply(nc, id, []byte{byte(i)})
		}
	})
	c, err := dialConn(context.Background(), s.addr(), "SC test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close(errors.New("done"))
	cl, err := c.stream(context.Background(), apiWatch, 19, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		select {
		case f := <-cl.frames:
			if len(f) != 1 || f[0] != byte(i) {
				t.Fatalf("frame %d: % x", i, f)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("frame %d missing", i)
		}
	}
}

func TestCorrelationIDsWrap(t *testing.T) {
	var c conn
	c.nextID.Store(1<<31 - 2)
	got := []int32{c.newID(), c.newID(), c.newID()}
	if got[0] != 1<<31-1 || got[1] <= 0 || got[2] <= 0 {
		t.Fatalf("ids around the wrap: %v", got)
	}
}
