package overview

import (
	"context"
	"sync/atomic"
	"time"
)

// Watcher takes a census every interval on its own goroutine (Run) and
// publishes the figures; any number of views read them (Snapshot).
type Watcher struct {
	poller   Poller
	interval time.Duration
	now      func() time.Time
	tracker  *Tracker
	snap     atomic.Pointer[Snapshot]
	polled   chan struct{} // closed after the first census, good or not
}

// NewWatcher returns a watcher taking a census from p every interval.
func NewWatcher(p Poller, interval time.Duration) *Watcher {
	w := &Watcher{poller: p, interval: interval, now: time.Now, tracker: NewTracker(), polled: make(chan struct{})}
	w.snap.Store(&Snapshot{})
	return w
}

// Snapshot is the latest figures; before the first census, an empty
// Snapshot (Polls 0).
func (w *Watcher) Snapshot() *Snapshot { return w.snap.Load() }

// Polled is closed once the first census is in (or failed).
func (w *Watcher) Polled() <-chan struct{} { return w.polled }

// Run takes a census at once and then every interval until ctx ends. A
// census is bounded by the interval (at least 5 s): a slow cluster makes
// a late snapshot that says so, never a pile of polls. A failed census
// keeps the last good figures and says why (Snapshot.Err).
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	first := true
	for {
		w.poll(ctx)
		if first {
			close(w.polled)
			first = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Watcher) poll(ctx context.Context) {
	start := w.now()
	pctx, cancel := context.WithTimeout(ctx, max(w.interval, 5*time.Second))
	c, err := w.poller.Census(pctx)
	cancel()
	took := w.now().Sub(start)
	prev := w.snap.Load()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		s := *prev
		s.Err, s.Took = err.Error(), took
		w.snap.Store(&s)
		return
	}
	s := w.tracker.Take(c)
	s.Polls, s.Took = prev.Polls+1, took
	w.snap.Store(&s)
}
