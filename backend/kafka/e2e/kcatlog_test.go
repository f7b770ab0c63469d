//go:build kafka

package e2e

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/engine"
	"partop/internal/waitfor"
)

// kcatLog is what a kcat group member's own debug log (-d cgrp,topic)
// says about its assignments and resets: the outside truth partop's
// groups poll can only bracket.
type kcatLog struct {
	mu    sync.Mutex
	syncs []syncExchange
	// resets is each partition's first reset to the end: when librdkafka
	// had the answer and the offset it starts from.
	resets  map[int32]reset
	waiting time.Time // the last join-state change to wait-sync
}

// syncExchange is one SyncGroup round trip: the group's assignment was
// made at the coordinator between sent and recv.
type syncExchange struct{ sent, recv time.Time }

type reset struct {
	at     time.Time
	offset int64
}

var (
	kcatLine  = regexp.MustCompile(`^%\d+\|(\d+)\.(\d+)\|[A-Z_]+\|[^|]*\| \[[^]]*\]: (.*)$`)
	kcatReset = regexp.MustCompile(`^Offset END request for \S+ \[(\d+)\] returned offset (-?\d+)`)
)

// read takes kcat's stderr until it closes.
func (l *kcatLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := kcatLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		sec, _ := strconv.ParseInt(m[1], 10, 64)
		ms, _ := strconv.ParseInt(m[2], 10, 64) // librdkafka prints milliseconds: three digits
		at := time.Unix(sec, ms*int64(time.Millisecond))
		msg := m[3]
		l.mu.Lock()
		switch {
		case strings.Contains(msg, "changed join state") && strings.Contains(msg, "-> wait-sync ("):
			l.waiting = at
		case strings.HasPrefix(msg, "SyncGroup response: Success"):
			l.syncs = append(l.syncs, syncExchange{sent: l.waiting, recv: at})
		default:
			if r := kcatReset.FindStringSubmatch(msg); r != nil {
				p, _ := strconv.Atoi(r[1])
				off, _ := strconv.ParseInt(r[2], 10, 64)
				if _, ok := l.resets[int32(p)]; !ok {
					l.resets[int32(p)] = reset{at: at, offset: off}
				}
			}
		}
		l.mu.Unlock()
	}
}

// assignment is the SyncGroup exchange that gave the group partitions
// from..to-1 (the last before its first reset on them) and its last
// reset there; ok is false until it has reset on every one.
func (l *kcatLog) assignment(from, to int) (ex syncExchange, lastReset time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first time.Time
	for p := from; p < to; p++ {
		r, ok := l.resets[int32(p)]
		if !ok {
			return syncExchange{}, time.Time{}, false
		}
		if first.IsZero() || r.at.Before(first) {
			first = r.at
		}
		lastReset = maxTime(lastReset, r.at)
	}
	for _, s := range l.syncs {
		if !s.recv.After(first) {
			ex = s
		}
	}
	return ex, lastReset, !ex.recv.IsZero() && !ex.sent.IsZero()
}

// ownView is what a kcat group's own log and the high watermarks say
// about one expansion: the records readable on the new partitions when its
// assignment was made (at least lo, at most hi: the watermarks last heard
// before its SyncGroup request and first asked after its answer), and how
// long librdkafka took from that answer to its last reset to the end.
type ownView struct {
	ok     bool
	lo, hi int64
	delay  time.Duration
}

// checkOwnLog holds partop's assignment bracket to the group's own word
// (nil log: not a kcat group, nothing to check): the assignment was made
// at the coordinator between the SyncGroup request and its answer, so the
// bracket (after a look that did not see it, by one that did) must
// overlap that exchange. The answer's time is read in milliseconds, cut
// down: a millisecond is added.
func checkOwnLog(t *testing.T, l *kcatLog, hw *watermarks, round int, g string, from, to int, pick engine.GroupPickup, ev engine.Event) ownView {
	t.Helper()
	if l == nil {
		return ownView{}
	}
	var ex syncExchange
	var last time.Time
	waitfor.That(t, time.Minute, g+"'s debug log shows its assignment and resets", func() bool {
		var ok bool
		ex, last, ok = l.assignment(from, to)
		return ok
	})
	since := func(at time.Time) string { return secs(at.Sub(ev.Start())) }
	if pick.AssignedAfter.After(ex.recv.Add(time.Millisecond)) || pick.AssignedAt.Before(ex.sent) {
		t.Errorf("round %d, %s: partop's bracket +%s..+%s misses the group's own SyncGroup exchange +%s..+%s (its debug log)",
			round+1, g, since(pick.AssignedAfter), since(pick.AssignedAt), since(ex.sent), since(ex.recv))
	}
	v := ownView{ok: true, delay: last.Sub(ex.recv)}
	v.lo, v.hi = hw.readable(t, from, to, ex.sent, ex.recv.Add(time.Millisecond))
	report(t, "round %d %d→%d, %s, its own log: SyncGroup +%s..+%s, reset to the end +%s (%s ms after); readable then (high watermarks): %d..%d",
		round+1, from, to, g, since(ex.sent), since(ex.recv), since(last), strconv.FormatInt(v.delay.Milliseconds(), 10), v.lo, v.hi)
	return v
}

// watermarks samples the topic's high watermarks (ListOffsets, latest:
// what a consumer can read) every few milliseconds, beside partop: the
// truth of what was readable at a time.
type watermarks struct {
	mu      sync.Mutex
	samples []hwSample
}

type hwSample struct {
	asked, answered time.Time
	ends            map[int32]int64 // partitions whose leader answered
}

// sampleWatermarks samples every 10 ms until the test ends.
func sampleWatermarks(t *testing.T, brokers []string, topic string) *watermarks {
	t.Helper()
	// kadm answers from kgo's cached metadata, 5 s old by default: a
	// partition just added would be missed.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	w := &watermarks{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			s := hwSample{asked: time.Now(), ends: map[int32]int64{}}
			ends, err := adm.ListEndOffsets(ctx, topic)
			s.answered = time.Now()
			if err == nil {
				ends.Each(func(lo kadm.ListedOffset) {
					if lo.Err == nil {
						s.ends[lo.Partition] = lo.Offset
					}
				})
				w.mu.Lock()
				w.samples = append(w.samples, s)
				w.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// readable is how many records partitions from..to-1 held readable
// between after and by: at least lo (the last answer heard by after; a
// partition not in it had nothing readable known), at most hi (the first
// asked at or after by that has the partition: high watermarks only
// grow). It waits for the samples after by.
func (w *watermarks) readable(t *testing.T, from, to int, after, by time.Time) (lo, hi int64) {
	t.Helper()
	waitfor.That(t, 10*time.Second, "a high-watermark sample of every new partition asked after the assignment", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		lo, hi = 0, 0
		var last *hwSample
		for i := range w.samples {
			if !w.samples[i].answered.After(after) {
				last = &w.samples[i]
			}
		}
		for p := from; p < to; p++ {
			if last != nil {
				lo += last.ends[int32(p)]
			}
			found := false
			for _, s := range w.samples {
				if off, ok := s.ends[int32(p)]; ok && !s.asked.Before(by) {
					hi, found = hi+off, true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	})
	return lo, hi
}
