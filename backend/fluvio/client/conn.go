package client

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Framing (fluvio-protocol src/codec, src/api): every message is an i32 size
// followed by that many bytes. A request is
//
//	api_key u16, api_version i16, correlation_id i32, client_id String, body
//
// and a response is correlation_id i32 followed by the body, encoded at the
// request's api_version. Responses carry no API key or version, so the
// caller must remember what it asked; the correlation id is how a reply
// finds its caller. Fluvio servers answer one connection's requests in
// order, but the Watch API answers one request with many frames, so
// matching by id (not by order) is required.

// clientID is sent in every request header; servers only log it (except
// that SPUs treat ids starting with "fluvio_connector" as connectors).
const clientID = "partop"

// maxFrame bounds a response frame, so a corrupt size cannot make the
// reader allocate gigabytes.
const maxFrame = 256 << 20

// conn is one multiplexed TCP connection to an SC or SPU. Any number of
// goroutines may send on it; one reader goroutine dispatches each response
// frame to the caller waiting for its correlation id. When the connection
// breaks, every waiter is released with the error and the conn stays dead:
// owners notice via closed() and dial a new one.
type conn struct {
	nc       net.Conn
	peer     string              // "SC 127.0.0.1:9003" or "SPU 5001 127.0.0.1:9010", for errors
	versions map[apiKey]apiRange // from the ApiVersions handshake

	wmu    sync.Mutex // serializes frame writes
	nextID atomic.Int32

	mu      sync.Mutex
	pending map[int32]*call

	dead chan struct{} // closed when the connection is finished
	err  error         // why; set before dead is closed
	once sync.Once
}

// call is one outstanding request. A plain request gets one frame; a
// stream (Watch) gets frames until the conn dies.
type call struct {
	frames chan []byte
	stream bool
}

// dialConn connects, starts the reader and performs the ApiVersions
// handshake. Both the TCP connect and the handshake are bounded by ctx.
func dialConn(ctx context.Context, addr, peer string) (*conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Fluvio %s: %w", peer, unwrapDial(err))
	}
	c := &conn{nc: nc, peer: peer, pending: map[int32]*call{}, dead: make(chan struct{})}
	go c.readLoop()
	if c.versions, err = c.handshake(ctx); err != nil {
		c.close(err)
		return nil, fmt.Errorf("Fluvio %s: API versions handshake: %w", peer, err)
	}
	return c, nil
}

// unwrapDial turns "dial tcp 127.0.0.1:9003: connect: connection refused"
// into "connection refused": the address is already in our own message.
func unwrapDial(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		var sys interface{ Unwrap() error }
		if errors.As(op.Err, &sys) && sys.Unwrap() != nil {
			return sys.Unwrap()
		}
		return op.Err
	}
	return err
}

// closed reports whether the connection has failed or was closed.
func (c *conn) closed() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// close ends the connection with err (the first reason wins) and releases
// every waiter.
func (c *conn) close(err error) {
	c.once.Do(func() {
		c.err = err
		close(c.dead)
		c.nc.Close()
	})
}

// readLoop reads frames until the connection fails and hands each to the
// call registered under its correlation id. Frames for ids nobody waits for
// (a caller that gave up) are dropped.
func (c *conn) readLoop() {
	var size [4]byte
	for {
		if _, err := io.ReadFull(c.nc, size[:]); err != nil {
			c.close(c.lost(err))
			return
		}
		n := int32(binary.BigEndian.Uint32(size[:]))
		if n < 4 || n > maxFrame {
			c.close(fmt.Errorf("connection to %s: bad frame size %d", c.peer, n))
			return
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(c.nc, frame); err != nil {
			c.close(c.lost(err))
			return
		}
		id := int32(binary.BigEndian.Uint32(frame))
		c.deliver(id, frame[4:])
	}
}

// lost wraps a read error as "connection to SPU 5001 ... lost". When the
// connection was closed on purpose, close keeps that first reason instead.
func (c *conn) lost(err error) error {
	if errors.Is(err, io.EOF) {
		err = errors.New("closed by peer")
	}
	return fmt.Errorf("connection to %s lost: %w", c.peer, err)
}

func (c *conn) deliver(id int32, body []byte) {
	c.mu.Lock()
	cl := c.pending[id]
	if cl != nil && !cl.stream {
		delete(c.pending, id)
	}
	c.mu.Unlock()
	if cl == nil {
		return
	}
	if !cl.stream {
		cl.frames <- body // buffered for exactly this one frame
		return
	}
	select { // a stream's consumer keeps up or closes the conn; never block forever
	case cl.frames <- body:
	case <-c.dead:
	}
}

// newID returns the next correlation id: positive, never 0 (Fluvio's own
// client starts at 1), wrapping around after 2^31 requests.
func (c *conn) newID() int32 {
	for {
		if id := c.nextID.Add(1) & math.MaxInt32; id != 0 {
			return id
		}
	}
}

// send registers a call, then writes the request frame.
func (c *conn) send(ctx context.Context, key apiKey, version int16, body []byte, cl *call) (int32, error) {
	id := c.newID()
	c.mu.Lock()
	c.pending[id] = cl
	c.mu.Unlock()
	if err := c.write(ctx, appendRequest(nil, key, version, id, clientID, body)); err != nil {
		c.forget(id)
		return 0, err
	}
	return id, nil
}

// appendRequest appends a request frame: size, RequestHeader, body.
func appendRequest(dst []byte, key apiKey, version int16, id int32, client string, body []byte) []byte {
	w := writer{b: dst}
	at := len(w.b)
	w.i32(0) // size, patched below
	w.u16(uint16(key))
	w.i16(version)
	w.i32(id)
	w.str(client)
	w.raw(body)
	binary.BigEndian.PutUint32(w.b[at:], uint32(len(w.b)-at-4))
	return w.b
}

func (c *conn) forget(id int32) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// write sends one frame. A write blocked by a peer that stopped reading is
// interrupted when ctx ends: the deadline is moved to the past, and if
// part of the frame went out the stream is corrupt and the conn is closed.
func (c *conn) write(ctx context.Context, frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed() {
		return c.err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.nc.SetWriteDeadline(time.Unix(1, 0))
		close(fired)
	})
	n, err := c.nc.Write(frame)
	if !stop() {
		<-fired
		c.nc.SetWriteDeadline(time.Time{})
	}
	if err == nil {
		return nil
	}
	if n == 0 && ctx.Err() != nil {
		return ctx.Err() // nothing written: the connection is still usable
	}
	c.close(fmt.Errorf("connection to %s: write failed: %w", c.peer, err))
	return c.err
}

// roundTrip sends a request and waits for its response body, the
// connection's failure, or ctx, whichever comes first.
func (c *conn) roundTrip(ctx context.Context, key apiKey, version int16, body []byte) ([]byte, error) {
	cl := &call{frames: make(chan []byte, 1)}
	id, err := c.send(ctx, key, version, body, cl)
	if err != nil {
		return nil, err
	}
	select {
	case resp := <-cl.frames:
		return resp, nil
	case <-c.dead:
		select { // the answer may have arrived just before the end
		case resp := <-cl.frames:
			return resp, nil
		default:
			return nil, c.err
		}
	case <-ctx.Done():
		c.forget(id)
		return nil, fmt.Errorf("waiting for %s: %w", c.peer, ctx.Err())
	}
}

// stream sends a request whose answer is a sequence of frames (Watch).
// Frames arrive on the returned call's channel until the connection dies
// (then c.dead is closed and c.err says why). There is no stopping one
// stream: the Watch API has no cancel request, so its owner ends it by
// closing the connection, which is why watches get a connection of their
// own (WatchPartitions).
func (c *conn) stream(ctx context.Context, key apiKey, version int16, body []byte) (*call, error) {
	cl := &call{frames: make(chan []byte, 16), stream: true}
	if _, err := c.send(ctx, key, version, body, cl); err != nil {
		return nil, err
	}
	return cl, nil
}

// slot holds one long-lived connection that is dialed on first use and
// re-dialed after it breaks (or when the peer's address changes). Waiting
// for a dial in progress is bounded by the caller's ctx.
type slot struct {
	lock chan struct{} // a mutex that can be waited on with a deadline
	c    *conn
	addr string
	shut bool
}

func newSlot() *slot { return &slot{lock: make(chan struct{}, 1)} }

func (s *slot) get(ctx context.Context, addr, peer string) (*conn, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("connecting to %s: %w", peer, ctx.Err())
	}
	defer func() { <-s.lock }()
	if s.shut {
		return nil, errClosed
	}
	if s.c != nil && !s.c.closed() && s.addr == addr {
		return s.c, nil
	}
	if s.c != nil {
		s.c.close(fmt.Errorf("connection to %s replaced", s.c.peer))
	}
	c, err := dialConn(ctx, addr, peer)
	if err != nil {
		return nil, err
	}
	s.c, s.addr = c, addr
	return c, nil
}

// close closes the slot's connection for good.
func (s *slot) close() {
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	s.shut = true
	if s.c != nil {
		s.c.close(errClosed)
	}
}
