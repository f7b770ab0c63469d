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

// TestPacerPausePrompt: SetPaused(true) returns at the very moment the
// send in progress ends (on the fake clock: not a poll interval later, so
// nothing polls), resuming sends at once, and a send held longer than
// pauseWait lets SetPaused return after exactly pauseWait.
func TestPacerPausePrompt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(5, false) // one record per chunk: the pause is seen after each
		start := time.Now()
		p.SetPaused(true) // not running: idle already
		if d := time.Since(start); d != 0 {
			t.Fatalf("pausing a pacer that is not running took %v", d)
		}
		p.SetPaused(false)

		hold := make(chan chan struct{}) // each send waits until the test closes its channel
		quit := make(chan struct{})
		defer runPacer(p, func() bool {
			release := make(chan struct{})
			select {
			case hold <- release:
			case <-quit:
				return false
			}
			select {
			case <-release:
				return true
			case <-quit:
				return false
			}
		})()
		defer close(quit) // before the stop above

		// A send is in progress, held 300.5 ms (as by a full buffer).
		release := <-hold
		start = time.Now()
		returned := make(chan time.Duration, 1)
		go func() { p.SetPaused(true); returned <- time.Since(start) }()
		time.Sleep(300*time.Millisecond + 500*time.Microsecond)
		synctest.Wait()
		select {
		case d := <-returned:
			t.Fatalf("SetPaused(true) returned after %v, during a send", d)
		default:
		}
		close(release)
		if d := <-returned; d != 300*time.Millisecond+500*time.Microsecond {
			t.Fatalf("SetPaused(true) returned %v after the pause began, want 300.5ms: the moment the send ended", d)
		}
		time.Sleep(time.Hour)
		select {
		case <-hold:
			t.Fatal("a send began while paused")
		default:
		}

		// Resuming at full speed: the next send begins at once.
		if err := p.SetRate(0); err != nil {
			t.Fatal(err)
		}
		resumed := time.Now()
		p.SetPaused(false)
		release = <-hold
		if d := time.Since(resumed); d != 0 {
			t.Fatalf("the first send after resuming began %v later", d)
		}

		// A send held past pauseWait: SetPaused gives up after pauseWait.
		start = time.Now()
		go func() { p.SetPaused(true); returned <- time.Since(start) }()
		if d := <-returned; d != pauseWait {
			t.Fatalf("with the send held, SetPaused(true) returned after %v, want pauseWait (%v)", d, pauseWait)
		}
	})
}
