package producer

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"partop/rules"
)

// Pacer paces a send loop at a target rate that can change while it runs,
// and pauses it. partop's producers (on Kafka and on Fluvio) embed one; its
// methods make them a source.Sender's rate and pause half.
type Pacer struct {
	rate   atomic.Uint64 // math.Float64bits of the target rate
	paused atomic.Bool
	wake   chan struct{} // rate or pause changed: re-plan

	mu    sync.Mutex    // guards idle and idled, which change only when the loop starts, stops or pauses
	idle  bool          // the loop is not sending: paused, stopped or not started
	idled chan struct{} // closed while idle: SetPaused(true) waits for it
}

// NewPacer returns a pacer at rate records/s (0: as fast as send returns),
// paused or not.
func NewPacer(rate float64, paused bool) *Pacer {
	p := &Pacer{wake: make(chan struct{}, 1), idle: true, idled: make(chan struct{})}
	close(p.idled)
	p.rate.Store(math.Float64bits(rate))
	p.paused.Store(paused)
	return p
}

// Rate is the target rate in records/s (0: as fast as possible).
func (p *Pacer) Rate() float64 { return math.Float64frombits(p.rate.Load()) }

// Paused reports whether sending is paused.
func (p *Pacer) Paused() bool { return p.paused.Load() }

// SetRate changes the target rate while running.
func (p *Pacer) SetRate(r float64) error {
	if err := rules.CheckRate(r); err != nil {
		return err
	}
	p.rate.Store(math.Float64bits(r))
	p.poke()
	return nil
}

// SetPaused pauses or resumes sending. Pausing returns once the loop has
// stopped calling send (or after pauseWait, if a full buffer holds it up),
// so whatever is counted after a flush stays put. It waits on a channel
// the loop closes as it goes idle: no polling.
func (p *Pacer) SetPaused(paused bool) {
	if p.paused.Swap(paused) != paused {
		p.poke()
	}
	if !paused {
		return
	}
	p.mu.Lock()
	idled := p.idled
	p.mu.Unlock()
	select {
	case <-idled:
		return
	default:
	}
	t := time.NewTimer(pauseWait)
	defer t.Stop()
	select {
	case <-idled:
	case <-t.C:
	}
}

// setIdle records whether the loop is sending; going idle releases every
// SetPaused(true) waiting for it.
func (p *Pacer) setIdle(idle bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if idle == p.idle {
		return
	}
	p.idle = idle
	if idle {
		close(p.idled)
	} else {
		p.idled = make(chan struct{})
	}
}

// pauseWait bounds how long SetPaused(true) waits for the send loop.
const pauseWait = time.Second

func (p *Pacer) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// maxBacklog is how far behind its target the loop may fall before it
// forgets the deficit: after a stall (a full buffer, a slow broker) it
// resumes the target rate instead of bursting to catch up.
const maxBacklog = 100 * time.Millisecond

// Run has send send the records due until ctx ends: at the target rate
// (records due since the plan's start, minus those sent), or, at rate 0,
// chunks of 256 as fast as send returns. send(ctx, n) sends up to n
// records and returns how many it sent; fewer ends the chunk (a blocked
// buffer, the end coming), and the loop plans again. It gets whole chunks, not one call per record: at rate 0 the
// loop runs millions of times a second, and a call per record through a
// function value was a measurable share of it. While paused, Run waits.
func (p *Pacer) Run(ctx context.Context, send func(ctx context.Context, n int) int) {
	var (
		epoch time.Time // start of the current rate plan
		sent  float64   // records sent since epoch
		timer = time.NewTimer(0)
	)
	defer timer.Stop()
	replan := func() { epoch, sent = time.Time{}, 0 }
	p.setIdle(false)
	defer p.setIdle(true)
	for ctx.Err() == nil {
		if p.paused.Load() {
			p.setIdle(true) // SetPaused(true) returns now
			select {
			case <-ctx.Done():
			case <-p.wake:
			}
			p.setIdle(false)
			replan()
			continue
		}
		rate := p.Rate()
		if rate == 0 {
			send(ctx, 256)
			select {
			case <-p.wake:
				replan()
			default:
			}
			continue
		}
		now := time.Now()
		if epoch.IsZero() {
			epoch = now
		}
		due := rate * now.Sub(epoch).Seconds()
		if lag := due - sent; lag > rate*maxBacklog.Seconds()+1 {
			sent = due - rate*maxBacklog.Seconds()
		}
		if n := math.Floor(due - sent); n >= 1 {
			sent += float64(send(ctx, int(n)))
		}
		wait := time.Duration((sent + 1 - due) / rate * float64(time.Second))
		timer.Reset(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
		case <-p.wake:
			replan()
		case <-timer.C:
		}
	}
}
