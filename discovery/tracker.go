package discovery

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"partop/stats"
)

// Tracker keeps a source's View and the event log. Everything goes through
// one mutex; none of it is on the per-record path except a partition's first
// record and a change of the routed count.
type Tracker struct {
	counters *stats.Counters
	routes   bool   // the source reports what it routes to (Routed)
	refresh  func() // make the source's client refresh metadata now
	// slowNote explains a pickup whose first records came slowAfter or
	// more after routing.
	slowNote  string
	slowAfter time.Duration
	metaReqs  atomic.Int64

	mu       sync.Mutex
	view     View
	events   []*Event
	version  uint64   // bumped on every change to events
	pending  []*Event // expansions not yet Done
	settling []*Event // expansions not yet Balanced
	adding   int      // partop admin calls in flight
	lastErr  time.Time

	producers Producers // observe mode: who writes to the topic
}

// NewTracker starts tracking a topic whose partitions have the given
// leaders. routes says whether the source will report the partition count
// it routes to; if not, the View's Partitions follow the cluster's count.
func NewTracker(c *stats.Counters, leaders []int32, routes bool) *Tracker {
	t := &Tracker{counters: c, routes: routes, refresh: func() {}}
	t.view.Cluster = len(leaders)
	t.view.Leaders = append([]int32(nil), leaders...)
	c.Grow(len(leaders))
	return t
}

// OnExpansion sets what to do when the topic grows: typically, make the
// producing client refresh its metadata at once. Call before the source runs.
func (t *Tracker) OnExpansion(refresh func()) { t.refresh = refresh }

// ExplainSlowPickup sets the note an expansion gets when its first records
// came after or more after routing (the source knows why: its partitioner).
func (t *Tracker) ExplainSlowPickup(after time.Duration, note string) {
	t.slowAfter, t.slowNote = after, note
}

// CountMetadataRequest counts one metadata request the source sent.
func (t *Tracker) CountMetadataRequest() { t.metaReqs.Add(1) }

// View returns the current view. Its slices are shared and read-only: the
// tracker replaces them, never writes into them, so readers need no copy
// (the engine takes a view every tick, observe mode's pollers every poll).
func (t *Tracker) View() View {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.view
	if !t.routes {
		v.Partitions = v.Cluster
	}
	v.MetadataRequests = t.metaReqs.Load()
	return v
}

// SetEndOffsets records the partitions' end offsets as of a poll, by
// partition id (-1: not known). It keeps offsets: the caller hands over a
// fresh slice and does not write to it again.
func (t *Tracker) SetEndOffsets(offsets []int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.view.EndOffsets = offsets
}

// Log returns a copy of the event log, oldest first, and its version. When
// the version still equals since, it returns nil and changed false: callers
// that poll keep the copy they have.
func (t *Tracker) Log(since uint64) (events []Event, version uint64, changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.version == since && since != 0 {
		return nil, since, false
	}
	events = make([]Event, len(t.events))
	for i, e := range t.events {
		events[i] = *e
	}
	return events, t.version, true
}

// Events returns a copy of the event log, oldest first.
func (t *Tracker) Events() []Event {
	evs, _, _ := t.Log(0)
	return evs
}

// add appends an event. Called with mu held.
func (t *Tracker) add(e *Event) {
	if len(t.events) == maxEvents {
		copy(t.events, t.events[1:])
		t.events[maxEvents-1] = nil
		t.events = t.events[:maxEvents-1]
	}
	t.events = append(t.events, e)
	t.version++
}

// Note logs a plain event.
func (t *Tracker) Note(kind, msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.add(&Event{Kind: kind, At: time.Now(), Message: msg})
}

// ProduceError logs a failed record at most once every 5s: a dead broker
// fails thousands of records a second, and stats counts them all. The
// message is formatted only when it is logged.
func (t *Tracker) ProduceError(p int32, err error) {
	t.problem(func() string {
		where := fmt.Sprintf("partition %d", p)
		if p < 0 {
			where = "no partition"
		}
		return fmt.Sprintf("produce failed on %s: %v", where, err)
	})
}

// Problem logs an error that may repeat many times a second, at most once
// every 5s.
func (t *Tracker) Problem(msg string) {
	t.problem(func() string { return msg })
}

func (t *Tracker) problem(msg func() string) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.lastErr) < 5*time.Second {
		return
	}
	t.lastErr = now
	t.add(&Event{Kind: KindError, At: now, Message: msg()})
}

// Routed is called when the count the source routes over changes.
func (t *Tracker) Routed(n int) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.view.Partitions = n
	for _, e := range t.pending {
		if e.Routed.IsZero() && n >= e.To {
			e.Routed = now
			t.version++
		}
	}
}

// FirstAck is called once per partition, on its first record.
func (t *Tracker) FirstAck(p int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.pending {
		if int(p) >= e.From && int(p) < e.To {
			t.finish()
			return
		}
	}
}

// PickingUp reports whether an expansion still waits for first records.
func (t *Tracker) PickingUp() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending) > 0
}

// Grow runs partop's own admin call that adds partitions (add returns the
// counts before and after) and records the expansion as partop's. The
// watcher, polling meanwhile, may see the new count before add returns:
// while add runs it does not report the change as someone else's.
func (t *Tracker) Grow(add func() (from, to int, err error)) (from, to int, err error) {
	t.startAdd()
	defer t.endAdd()
	if from, to, err = add(); err != nil {
		return from, to, err
	}
	now := time.Now()
	t.Expanded(from, to, ByPartop, now, now)
	return from, to, nil
}

func (t *Tracker) startAdd() {
	t.mu.Lock()
	t.adding++
	t.mu.Unlock()
}

func (t *Tracker) endAdd() {
	t.mu.Lock()
	t.adding--
	t.mu.Unlock()
}
