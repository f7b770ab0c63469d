package overview

import (
	"context"
	"sync"
	"time"
)

// Shared returns a function that starts one Watcher of p on its first
// call (running until that call's ctx ends) and returns the same Watcher
// on every call: the census the dashboards of a run share, taken only
// once someone asks for it.
func Shared(p Poller, interval time.Duration) func(ctx context.Context) *Watcher {
	var once sync.Once
	var w *Watcher
	return func(ctx context.Context) *Watcher {
		once.Do(func() {
			w = NewWatcher(p, interval)
			go w.Run(ctx)
		})
		return w
	}
}
