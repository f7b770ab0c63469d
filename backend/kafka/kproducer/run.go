package kproducer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/source"
)

// Run sends records until ctx ends or Close is called, and runs the
// partition watcher beside the send loop, reporting to r. It returns when
// both stopped.
func (p *Producer) Run(ctx context.Context, r source.Reporter) {
	p.reports.Set(r)
	p.life.RunChunks(ctx, p.Pacer, p.watch, p.produce)
}

// produce hands n records to kgo. Produce blocks while the buffer is full;
// the pacer checks for the end between chunks. This loop is the whole
// per-record send path of partop's own: it does what a plain producer's
// loop does, with the fields it needs in locals, and stamps the records
// itself (stampEvery).
func (p *Producer) produce(_ context.Context, n int) int {
	cl, ctx, records, onAck := p.cl, p.produceCtx, p.records, p.onAck
	var now time.Time
	for i := range n {
		if i%stampEvery == 0 {
			now = time.Now()
			p.clock.Store(now.UnixNano())
		}
		key, value := records.Next()
		cl.Produce(ctx, &kgo.Record{Key: key, Value: value, Timestamp: now}, onAck)
	}
	return n
}

// stampEvery is how many records share one reading of the clock, as their
// timestamp and as the partitioner's now. kgo reads the clock for every
// record it is given unstamped; on this project's machine that reading
// was 13-17% of the process's CPU at full speed (docs/BENCHMARKS.md).
// Paced, a chunk is the records due since the last (one or two at 1,000
// records/s), so each is stamped when it is sent; at full speed 16
// records take a few microseconds, inside the millisecond Kafka keeps
// (kgo truncates). A record after one that waited for buffer space
// carries the time before the wait: at most stampEvery-1 of them per wait.
const stampEvery = 16

// watch polls the topic's metadata every DiscoveryInterval (jittered,
// backing off on errors): one small Metadata request per interval is its
// whole cost.
func (p *Producer) watch(ctx context.Context) {
	source.Poll(ctx, p.cfg.DiscoveryInterval, true, nil, func(ctx context.Context) error {
		t, brokers, err := cluster.DescribeLayout(ctx, p.watchCl, p.cfg.Topic)
		if errors.Is(err, context.Canceled) {
			return err // stopping: not news about the topic
		}
		leaders := t.Leaders()
		p.reports.Report(cluster.MetadataOf(t, brokers, err))
		if err != nil {
			return err
		}
		p.leaders.Store(&leaders)
		if n := t.Count(); n > int(p.known.Load()) {
			p.grew(int(p.known.Load()), n) // someone else added partitions
		} else if !p.knowsAll() {
			// A refresh after an expansion hit a broker that had not
			// applied it yet, and every retry since did too: keep asking.
			p.refreshNow()
		}
		return err
	})
}

// Close stops sending, waits up to FlushTimeout for in-flight records to be
// acknowledged, and closes the client. Records still unacknowledged at the
// deadline are aborted and counted as errors; the error says how many.
func (p *Producer) Close() error {
	var err error
	p.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.FlushTimeout)
		defer cancel()
		if p.life.Stop() { // Run is going: wait for it
			select {
			case <-p.life.Done():
			case <-ctx.Done(): // the send loop is stuck in Produce on a full buffer
				p.cancelProduce()
				<-p.life.Done()
			}
		}
		if ferr := p.cl.Flush(ctx); ferr != nil {
			left := p.cl.BufferedProduceRecords()
			p.cancelProduce() // unblocks a Produce waiting for buffer space
			// Aborting waits for requests already sent; a dead broker never
			// answers them, so this wait is bounded too. Close then fails
			// whatever is left.
			actx, acancel := context.WithTimeout(context.Background(), time.Second)
			_ = p.cl.AbortBufferedRecords(actx)
			acancel()
			err = fmt.Errorf("flush: %d records not acknowledged within %s: %w", left, p.cfg.FlushTimeout, ferr)
			if errors.Is(ferr, context.DeadlineExceeded) {
				err = fmt.Errorf("flush: %d records not acknowledged within %s", left, p.cfg.FlushTimeout)
			}
		}
		p.cancelProduce()
		p.cl.Close()
		p.watchCl.Close()
	})
	return err
}
