package source

import (
	"context"
	"time"

	"partop/fluvio"
)

// Run sends records until ctx ends or Close is called, and follows the
// SC's watch stream beside the send loop. It returns when both stopped.
func (p *Producer) Run(ctx context.Context) {
	if !p.started.CompareAndSwap(false, true) {
		return // running already, or closed
	}
	defer close(p.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		follow(ctx, p.cl, p.cfg.Topic, p.tracker, p.routes.update)
	}()
	p.send(ctx)
	<-watched
}

// maxBacklog is how far behind its target the send loop may fall before
// it forgets the deficit: after a stall it resumes the target rate instead
// of bursting to catch up.
const maxBacklog = 100 * time.Millisecond

// send paces records at the target rate (the same plan as partop's Kafka
// producer: records due since the plan's epoch, minus those sent).
func (p *Producer) send(ctx context.Context) {
	var (
		epoch time.Time
		sent  float64
		timer = time.NewTimer(0)
	)
	defer timer.Stop()
	replan := func() { epoch, sent = time.Time{}, 0 }
	p.idle.Store(false)
	defer p.idle.Store(true)
	for ctx.Err() == nil {
		if p.paused.Load() {
			p.idle.Store(true)
			select {
			case <-ctx.Done():
			case <-p.wake:
			}
			p.idle.Store(false)
			replan()
			continue
		}
		rate := p.Rate()
		if rate == 0 { // as fast as the cluster takes: add blocks on a full buffer
			for i := 0; i < 256 && p.produceOne(ctx); i++ {
			}
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
		if due-sent > rate*maxBacklog.Seconds()+1 {
			sent = due - rate*maxBacklog.Seconds()
		}
		for ; sent+1 <= due && p.produceOne(ctx); sent++ {
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

// produceOne picks a partition among those routed now and queues one
// record; false when stopping.
func (p *Producer) produceOne(ctx context.Context) bool {
	n := p.routes.count()
	if n == 0 { // no partition has a leader yet: wait for the watch
		select {
		case <-ctx.Done():
			return false
		case <-p.routes.changed():
			return true
		}
	}
	p.routed(n)
	key, value := p.records.Next()
	part := p.part.pick(key, len(key)+len(value), n)
	return p.acc.add(int32(part), fluvio.Record{Key: key, Value: value}, ctx.Done())
}

// routed tells the tracker when the count the send loop routes over
// changes: the moment new partitions are in the routing table.
func (p *Producer) routed(n int) {
	if n != p.lastRouted {
		p.lastRouted = n
		p.tracker.Routed(n)
	}
}
