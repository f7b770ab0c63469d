package producer

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// runPacer runs p with send until the returned stop, which waits for Run
// to return.
func runPacer(p *Pacer, send func() bool) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, OneByOne(func(context.Context) bool { return send() }))
	}()
	return func() { cancel(); <-done }
}

// TestPacerRate: on a fake clock the pacer sends exactly its target per
// second, and a new rate takes over at once without a burst.
func TestPacerRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(5, false)
		var sent atomic.Int64
		defer runPacer(p, func() bool { sent.Add(1); return true })()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if n := sent.Load(); n < 50 || n > 51 {
			t.Fatalf("at 5/s for 10s: %d records, want 50 (51 with the first)", n)
		}
		if err := p.SetRate(1000); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		before := sent.Load()
		time.Sleep(time.Second)
		synctest.Wait()
		if n := sent.Load() - before; n < 999 || n > 1001 {
			t.Fatalf("at 1000/s for 1s: %d records", n)
		}
		if err := p.SetRate(-1); err == nil {
			t.Fatal("negative rate accepted")
		}
	})
}

// TestPacerForgetsBacklog: after a stall the pacer resumes the target
// rate instead of bursting to catch up, sending at most maxBacklog's
// worth of records late.
func TestPacerForgetsBacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(100, false)
		var sent atomic.Int64
		stall := make(chan struct{})
		defer runPacer(p, func() bool {
			if sent.Add(1) == 10 {
				<-stall // a full buffer holds the loop
			}
			return true
		})()
		time.Sleep(time.Second)
		synctest.Wait()
		at := sent.Load()
		close(stall)
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if burst := sent.Load() - at; burst > int64(100*maxBacklog.Seconds())+2 {
			t.Fatalf("after a 1s stall at 100/s the loop sent %d at once, want at most %d", burst, int(100*maxBacklog.Seconds())+2)
		}
	})
}

// TestPacerPause: SetPaused(true) returns once the loop has stopped
// sending, and nothing is sent until resume, even at an unlimited rate.
func TestPacerPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(0, false)
		var sent atomic.Int64
		defer runPacer(p, func() bool {
			sent.Add(1)
			time.Sleep(time.Millisecond) // a send takes time, so the clock moves
			return true
		})()
		time.Sleep(100 * time.Millisecond)
		p.SetPaused(true)
		if !p.Paused() {
			t.Fatal("not paused")
		}
		before := sent.Load()
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := sent.Load(); n != before {
			t.Fatalf("paused pacer sent %d more", n-before)
		}
		p.SetPaused(false)
		time.Sleep(100 * time.Millisecond)
		if sent.Load() == before {
			t.Fatal("nothing sent after resume")
		}
	})
}
