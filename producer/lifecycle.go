package producer

import (
	"context"
	"sync"
	"sync/atomic"
)

// Lifecycle is the run-once, stop-once life that partop's producers (on
// Kafka and on Fluvio) share: Run sends until its context ends or Stop,
// with the topic's watcher beside the send loop; Stop ends it, also before
// it began, and tells the caller whether to wait for Done before flushing.
type Lifecycle struct {
	started  atomic.Bool // Run has begun (or Stop came first and forbade it)
	stopOnce sync.Once
	stop     chan struct{} // closed by Stop: Run returns
	done     chan struct{} // closed when Run has returned
}

// NewLifecycle returns a Lifecycle before Run and Stop.
func NewLifecycle() *Lifecycle {
	return &Lifecycle{stop: make(chan struct{}), done: make(chan struct{})}
}

// Run runs watch and pacer's send loop until ctx ends or Stop, and returns
// when both have returned; send sends one record and returns false when
// the loop should stop early. Only the first Run runs, and none after Stop.
func (l *Lifecycle) Run(ctx context.Context, pacer *Pacer, watch func(context.Context), send func(context.Context) bool) {
	l.RunChunks(ctx, pacer, watch, OneByOne(send))
}

// RunChunks is Run with a send that sends up to n records at a time, as
// Pacer.Run calls it.
func (l *Lifecycle) RunChunks(ctx context.Context, pacer *Pacer, watch func(context.Context), send func(ctx context.Context, n int) int) {
	if !l.started.CompareAndSwap(false, true) {
		return // running already, or stopped
	}
	defer close(l.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-l.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watch(ctx)
	}()
	pacer.Run(ctx, send)
	<-watched
}

// Stop makes Run return, or never start. It reports whether Run is going:
// the caller then waits for Done before it flushes. Later calls do nothing
// and report false.
func (l *Lifecycle) Stop() (running bool) {
	l.stopOnce.Do(func() {
		close(l.stop)
		running = !l.started.CompareAndSwap(false, true)
	})
	return running
}

// Stopping is closed once Stop was called.
func (l *Lifecycle) Stopping() <-chan struct{} { return l.stop }

// Done is closed when Run has returned.
func (l *Lifecycle) Done() <-chan struct{} { return l.done }

// OneByOne makes a send of up to n records out of a send of one.
func OneByOne(send func(context.Context) bool) func(ctx context.Context, n int) int {
	return func(ctx context.Context, n int) int {
		for i := range n {
			if !send(ctx) {
				return i
			}
		}
		return n
	}
}
