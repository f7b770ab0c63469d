package engine_test

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"partop/engine"
	"partop/source"
	"partop/source/sourcetest"
)

// TestClusterNotAnswering: the producer's records are acknowledged, then
// the cluster goes: metadata looks fail and nothing is acknowledged. Once
// that lasts engine.UnansweredAfter the snapshot says since when (the last
// acknowledgement) and how many records the producer holds, and the log
// says so; the first acknowledgement after it clears both and the log says
// for how long. A failed look while records are acknowledged is no outage.
func TestClusterNotAnswering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		eng, _ := running(t, src, engine.Config{Tick: 100 * time.Millisecond})
		down := errors.New("dial tcp 127.0.0.1:9092: connect: connection refused")
		ack := func(d time.Duration) {
			for end := time.Now().Add(d); time.Now().Before(end); {
				src.AckEach(4, 1)
				time.Sleep(50 * time.Millisecond)
			}
		}
		ack(time.Second)
		src.Report(source.Metadata{Err: down}) // one failed look; records still flow
		ack(5 * time.Second)
		if s := eng.Snapshot(); !s.Unanswered.IsZero() || s.Held != 0 {
			t.Fatalf("acknowledged all along: unanswered %v, held %d", s.Unanswered, s.Held)
		}
		src.Report(source.Metadata{Leaders: make([]int32, 4)})

		src.AckEach(4, 1)
		time.Sleep(100 * time.Millisecond) // sampled
		lastAck := time.Now()
		src.Hold(2800)
		time.Sleep(time.Second)
		src.Report(source.Metadata{Err: down})
		time.Sleep(engine.UnansweredAfter - time.Second - 200*time.Millisecond)
		if s := eng.Snapshot(); !s.Unanswered.IsZero() {
			t.Fatalf("unanswered %v after %s of silence", s.Unanswered, time.Since(lastAck))
		}
		time.Sleep(300 * time.Millisecond)
		s := eng.Snapshot()
		// The last answer is known to the sample that counted it: within a tick.
		if s.Unanswered.IsZero() || s.Unanswered.Before(lastAck.Add(-100*time.Millisecond)) || s.Unanswered.After(lastAck) {
			t.Fatalf("unanswered %v, want the last acknowledgement, %v", s.Unanswered, lastAck)
		}
		if s.Held != 2800 {
			t.Fatalf("held %d, want 2800", s.Held)
		}
		if m := messages(s); !strings.Contains(m, "error:cluster not answering: no metadata, no acknowledgement, no poll for 3") {
			t.Fatalf("log %s", m)
		}
		since := s.Unanswered
		time.Sleep(25 * time.Second)
		src.Report(source.Metadata{Err: down}) // still failing, backing off
		if s := eng.Snapshot(); !s.Unanswered.Equal(since) {
			t.Fatalf("unanswered %v mid-outage, want %v still", s.Unanswered, since)
		}

		src.Hold(0)
		src.AckEach(4, 700) // the held records go through; the watcher still backs off
		time.Sleep(200 * time.Millisecond)
		s = eng.Snapshot()
		if !s.Unanswered.IsZero() || s.Held != 0 {
			t.Fatalf("after recovery: unanswered %v, held %d", s.Unanswered, s.Held)
		}
		// Silent from the last acknowledgement to the first after it: 28.1 s, to a tick.
		if m := messages(s); !strings.Contains(m, "info:cluster answering again after 28.") {
			t.Fatalf("log %s", m)
		}
	})
}

// TestObserverNotAnswering: in observe mode the answers are the polls: the
// snapshot says the cluster is not answering once its metadata looks fail
// and no poll came back for engine.UnansweredAfter, and a poll clears it.
// An observer holds nothing: Held is -1.
func TestObserverNotAnswering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSource(4, source.About{Stepped: true})
		eng, _ := running(t, src, engine.Config{Tick: 100 * time.Millisecond})
		for range 3 {
			src.Report(source.Step{At: time.Now()})
			time.Sleep(time.Second)
		}
		lastPoll := time.Now().Add(-time.Second)
		src.Report(source.Metadata{Err: errors.New("describe topic: i/o timeout")})
		time.Sleep(2*time.Second + 100*time.Millisecond)
		s := eng.Snapshot()
		if !s.Unanswered.Equal(lastPoll) || s.Held != -1 {
			t.Fatalf("unanswered %v (want the last poll, %v), held %d", s.Unanswered, lastPoll, s.Held)
		}
		src.Report(source.Step{At: time.Now()})
		time.Sleep(200 * time.Millisecond)
		if s := eng.Snapshot(); !s.Unanswered.IsZero() {
			t.Fatalf("unanswered %v after a poll came back", s.Unanswered)
		}
	})
}
