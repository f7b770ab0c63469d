package fluvio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"partop/backend/fluvio/client"
	"partop/source"
)

// Batching. The send loop hands records to an accumulator, one slice per
// partition; a flush loop takes everything pending, at most linger after
// the first record arrived (or at once when a batch is full), and sends it
// with one ProduceRecords call, which writes each partition's records as
// one batch to its leader SPU and returns when they are committed. Up to
// maxInFlight calls run side by side, pipelined on each SPU's connection.
// The buffer is bounded: when it is full the send loop waits, so a slow or
// dead SPU slows partop down instead of growing its memory.
const (
	linger        = 2 * time.Millisecond
	batchRecords  = 2000    // take at once when this many records are pending
	batchBytes    = 1 << 20 // or this many bytes (Fluvio's default max request size)
	maxInFlight   = 8
	maxBuffered   = 100_000 // records pending or in flight
	requestWait   = 5 * time.Second
	retryFor      = 3 * time.Second // how long records nothing was written of are retried
	firstRetryGap = 2 * time.Millisecond
	maxRetryGap   = 10 * time.Millisecond // a new partition's leader is ready within a few ms
)

// accumulator holds records not yet sent and counts those in flight.
type accumulator struct {
	mu       sync.Mutex
	pending  map[int32][]client.Record
	records  int // pending
	bytes    int // pending
	inFlight int
	takes    atomic.Uint64 // takes that found something pending: each closes every pending batch
	ready    chan struct{} // something is pending (capacity 1)
	changed  chan struct{} // records were taken or finished (capacity 1)
}

func newAccumulator() *accumulator {
	return &accumulator{
		pending: map[int32][]client.Record{},
		ready:   make(chan struct{}, 1),
		changed: make(chan struct{}, 1),
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// add queues a record for partition p, waiting while the buffer is full.
// It returns false, queueing nothing, if stop closes first.
func (a *accumulator) add(p int32, r client.Record, stop <-chan struct{}) bool {
	a.mu.Lock()
	for a.records+a.inFlight >= maxBuffered {
		a.mu.Unlock()
		select {
		case <-a.changed:
		case <-stop:
			return false
		}
		a.mu.Lock()
	}
	a.pending[p] = append(a.pending[p], r)
	a.records++
	a.bytes += len(r.Key) + len(r.Value)
	a.mu.Unlock()
	poke(a.ready)
	return true
}

// full reports whether a batch should go without lingering.
func (a *accumulator) full() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.records >= batchRecords || a.bytes >= batchBytes
}

// take removes everything pending and counts it as in flight.
func (a *accumulator) take() (map[int32][]client.Record, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	batch, n := a.pending, a.records
	if n == 0 {
		return nil, 0
	}
	a.pending = map[int32][]client.Record{}
	a.takes.Add(1)
	a.inFlight += n
	a.records, a.bytes = 0, 0
	return batch, n
}

// finish counts n in-flight records as answered.
func (a *accumulator) finish(n int) {
	a.mu.Lock()
	a.inFlight -= n
	a.mu.Unlock()
	poke(a.changed)
}

// buffered is the number of records pending or in flight.
func (a *accumulator) buffered() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.records + a.inFlight
}

// flushLoop sends what is pending until quit closes, then returns; it
// waits for nothing in flight (see drain).
func (p *Producer) flushLoop(quit <-chan struct{}) {
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-quit:
			return
		case <-p.acc.ready:
		}
		if !p.acc.full() {
			t.Reset(linger)
			select {
			case <-quit:
				t.Stop()
				return
			case <-t.C:
			}
		}
		p.sendPending()
	}
}

// sendPending takes what is pending and sends it on a free in-flight slot.
func (p *Producer) sendPending() {
	p.slots <- struct{}{}
	batch, n := p.acc.take()
	if n == 0 {
		<-p.slots
		return
	}
	p.inFlight.Go(func() {
		defer func() { <-p.slots }()
		p.deliver(batch)
		p.acc.finish(n)
	})
}

// deliver sends one batch and counts every record exactly once: acked,
// or failed. Records the SPU certainly did not write (it is not the
// leader yet, the partition is not known yet, nothing was sent) are
// retried for up to retryFor; anything else is not resent, because Fluvio
// has no idempotent producer and a second copy could be written.
func (p *Producer) deliver(batch map[int32][]client.Record) {
	start, gap := time.Now(), firstRetryGap
	for len(batch) > 0 {
		ctx, cancel := context.WithTimeout(p.produceCtx, requestWait)
		res, err := p.cl.ProduceRecords(ctx, p.cfg.Topic, batch)
		cancel()
		again := map[int32][]client.Record{}
		for part, recs := range batch {
			perr := err
			if err == nil {
				perr = res[part].Err
			}
			switch {
			case perr == nil:
				p.acked(part, recs)
			case notWritten(perr, err != nil) && time.Since(start)+gap < retryFor && p.produceCtx.Err() == nil:
				again[part] = recs
			default:
				p.failed(part, recs, perr)
			}
		}
		if batch = again; len(batch) > 0 {
			select {
			case <-time.After(gap):
			case <-p.produceCtx.Done():
			}
			gap = min(2*gap, maxRetryGap)
		}
	}
}

// notWritten reports whether err means the records were certainly not
// written. callErr: ProduceRecords failed before sending anything.
func notWritten(err error, callErr bool) bool {
	if callErr {
		return !errors.Is(err, client.ErrUnknownTopic) && !errors.Is(err, context.Canceled)
	}
	return errors.Is(err, client.ErrNotLeader) || errors.Is(err, client.ErrUnknownPartition) ||
		errors.Is(err, client.ErrSPUNotFound)
}

func (p *Producer) acked(part int32, recs []client.Record) {
	for _, r := range recs {
		p.counters.Ack(part, len(r.Key)+len(r.Value))
	}
	if p.onResult != nil {
		p.onResult(part, recs, nil)
	}
}

func (p *Producer) failed(part int32, recs []client.Record, err error) {
	if errors.Is(err, context.Canceled) && p.produceCtx.Err() != nil {
		err = fmt.Errorf("not acknowledged before the flush deadline: %w", err)
	}
	for range recs {
		p.counters.Fail(part, err)
	}
	p.reports.Report(source.RecordFailed{Partition: part, Err: err})
	if p.onResult != nil {
		p.onResult(part, recs, err)
	}
}
