package fluvio

import (
	"context"

	"partop/backend/fluvio/client"
	"partop/source"
)

// Run sends records until ctx ends or Close is called, and follows the
// SC's watch stream beside the send loop, reporting to r. It returns when
// both stopped.
func (p *Producer) Run(ctx context.Context, r source.Reporter) {
	p.reports.Set(r)
	p.life.Run(ctx, p.Pacer, func(ctx context.Context) {
		follow(ctx, p.cl, p.cfg.Topic, &p.reports, p.seen)
	}, p.produceOne)
}

// seen takes the SC's latest state of the topic: the routing table, and
// the leaders the whole-topic observer reads.
func (p *Producer) seen(t client.Topic) {
	leaders := t.Leaders()
	p.leaders.Store(&leaders)
	p.routes.update(t)
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
	return p.acc.add(int32(part), client.Record{Key: key, Value: value}, ctx.Done())
}

// routed tells the engine when the count the send loop routes over
// changes: the moment new partitions are in the routing table.
func (p *Producer) routed(n int) {
	if n != p.lastRouted {
		p.lastRouted = n
		p.reports.Report(source.Routed{Partitions: n})
	}
}
