package producer

import (
	"context"
	"testing"
	"time"
)

// TestLifecycle: Stop before Run forbids it; Stop while running ends the
// send loop and the watcher and says to wait; a second Stop says nothing.
func TestLifecycle(t *testing.T) {
	forbidden := NewLifecycle()
	if forbidden.Stop() {
		t.Fatal("Stop before Run reported Run going")
	}
	forbidden.Run(context.Background(), NewPacer(0, false),
		func(context.Context) { t.Error("watch ran after Stop") },
		func(context.Context) bool { t.Error("send ran after Stop"); return false })

	l := NewLifecycle()
	watching := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		l.Run(context.Background(), NewPacer(1000, false),
			func(ctx context.Context) { close(watching); <-ctx.Done() },
			func(context.Context) bool { return true })
	}()
	<-watching
	if !l.Stop() {
		t.Fatal("Stop while running reported Run not going")
	}
	select {
	case <-l.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not end after Stop")
	}
	<-returned
	if l.Stop() {
		t.Fatal("a second Stop reported Run going")
	}
}
