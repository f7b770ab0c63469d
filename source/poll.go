package source

import (
	"context"
	"math/rand/v2"
	"time"
)

// MaxBackoff bounds how far a failing poll backs off (observe mode's
// producers poller, which has its own loop, backs off as far).
const MaxBackoff = 30 * time.Second

// Poll runs poll every interval until ctx ends: ±10% jittered when jitter
// is set (so many partop instances do not poll in step), at once when wake
// fires, and backing off (doubling, up to 30 s) while poll fails. Each call
// gets a context bounded by max(interval, 5 s).
func Poll(ctx context.Context, interval time.Duration, jitter bool, wake <-chan struct{}, poll func(context.Context) error) {
	spread := func(d time.Duration) time.Duration {
		if !jitter {
			return d
		}
		return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
	}
	wait := interval
	timer := time.NewTimer(spread(wait))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
			if !timer.Stop() {
				<-timer.C
			}
		}
		pctx, cancel := context.WithTimeout(ctx, max(interval, 5*time.Second))
		err := poll(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			wait = min(2*wait, MaxBackoff)
		} else {
			wait = interval
		}
		timer.Reset(spread(wait))
	}
}
