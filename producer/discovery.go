package producer

import (
	"fmt"
	"sync"
	"time"

	"partop/cluster"
	"partop/stats"
)

// discovery keeps the View and the event log. Three sources feed it: the
// partitioner (what the producer routes to), the watcher and partop's own
// admin calls (what the cluster has), and acknowledgements (first record
// on each new partition). Everything goes through one mutex; none of it is
// on the per-record path except a partition's first ack and a change of n.
type discovery struct {
	counters *stats.Counters
	refresh  func() // make the producer's client refresh metadata now

	mu      sync.Mutex
	view    View
	events  []*Event
	pending []*Event // expansions not yet Done
	adding  int      // partop admin calls in flight
	lastErr time.Time
}

func newDiscovery(c *stats.Counters, refresh func()) *discovery {
	return &discovery{counters: c, refresh: refresh}
}

func (d *discovery) currentView() View {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := d.view
	v.Leaders = append([]int32(nil), d.view.Leaders...)
	return v
}

func (d *discovery) eventLog() []Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	evs := make([]Event, len(d.events))
	for i, e := range d.events {
		evs[i] = *e
	}
	return evs
}

func (d *discovery) add(e *Event) {
	if len(d.events) == maxEvents {
		copy(d.events, d.events[1:])
		d.events = d.events[:maxEvents-1]
	}
	d.events = append(d.events, e)
}

// note logs a plain event.
func (d *discovery) note(kind, msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.add(&Event{Kind: kind, At: time.Now(), Message: msg})
}

// produceError logs a failed record at most once every 5s: a dead broker
// fails thousands of records a second, and they are all counted in stats.
func (d *discovery) produceError(p int32, err error) {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.Sub(d.lastErr) < 5*time.Second {
		return
	}
	d.lastErr = now
	where := fmt.Sprintf("partition %d", p)
	if p < 0 {
		where = "no partition"
	}
	d.add(&Event{Kind: KindError, At: now, Message: fmt.Sprintf("produce failed on %s: %v", where, err)})
}

// routed is called by the partitioner when the count it routes over changes.
func (d *discovery) routed(n int) {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.view.Partitions = n
	d.view.Generation++
	d.view.ChangedAt = now
	d.view.Reason = "metadata refresh"
	for _, e := range d.pending {
		if e.Routed.IsZero() && n >= e.To {
			e.Routed = now
			d.view.Reason = "added by " + e.By
		}
	}
}

// firstAck is called once per partition, on its first acknowledged record.
func (d *discovery) firstAck(p int32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.pending {
		if int(p) >= e.From && int(p) < e.To {
			d.finish()
			return
		}
	}
}

// pickingUp reports whether an expansion still waits for first acks.
func (d *discovery) pickingUp() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending) > 0
}

// startAdd and endAdd bracket partop's own admin call, so the watcher does
// not report partop's change as someone else's.
func (d *discovery) startAdd() {
	d.mu.Lock()
	d.adding++
	d.mu.Unlock()
}

func (d *discovery) endAdd() {
	d.mu.Lock()
	d.adding--
	d.mu.Unlock()
}

// expanded records that the topic grew from..to, then asks the producer
// to refresh its metadata right away.
func (d *discovery) expanded(from, to int, by string, created, seen time.Time) {
	d.counters.Grow(to) // new partitions show up at once, idle until used
	d.mu.Lock()
	e := &Event{Kind: KindExpansion, At: seen, From: from, To: to, By: by, Created: created, Seen: seen}
	if d.view.Partitions >= to { // kgo found them before we did
		e.Routed = seen
	}
	d.view.Cluster = max(d.view.Cluster, to)
	d.add(e)
	d.pending = append(d.pending, e)
	d.finish()
	d.mu.Unlock()
	d.refresh()
}

// watched takes a fresh description of the topic from the watcher.
func (d *discovery) watched(t cluster.Topic, err error) {
	now := time.Now()
	d.mu.Lock()
	if err != nil {
		if d.view.WatchError == "" {
			d.add(&Event{Kind: KindError, At: now, Message: "watching topic metadata: " + err.Error()})
		}
		d.view.WatchError = err.Error()
		d.mu.Unlock()
		return
	}
	if d.view.WatchError != "" {
		d.add(&Event{Kind: KindInfo, At: now, Message: "topic metadata reachable again"})
		d.view.WatchError = ""
	}
	leaders := make([]int32, t.Count())
	for i, p := range t.Partitions {
		leaders[i] = p.Leader
	}
	d.view.Leaders = leaders
	from, to := d.view.Cluster, t.Count()
	grew := to > from && d.adding == 0 && from > 0
	if d.adding == 0 || from == 0 {
		d.view.Cluster = max(d.view.Cluster, to)
	}
	d.mu.Unlock()
	if grew {
		d.expanded(from, to, ByExternal, time.Time{}, now)
	}
}

// finish completes pending expansions whose new partitions all have a first
// acknowledged record. Called with mu held.
func (d *discovery) finish() {
	keep := d.pending[:0]
	for _, e := range d.pending {
		var last time.Time
		for p := e.From; p < e.To; p++ {
			at := d.counters.FirstAck(int32(p))
			if at.IsZero() {
				last = time.Time{}
				break
			}
			if at.After(last) {
				last = at
			}
		}
		if last.IsZero() {
			keep = append(keep, e)
			continue
		}
		e.FirstAck, e.Done = last, true
		if e.Routed.IsZero() || e.Routed.After(last) {
			e.Routed = last // routed no later than its first record was acked
		}
		// A producer that found the partitions before we did picked them
		// up in no time; never report a negative latency.
		e.Pickup = max(last.Sub(e.Start()), 0)
	}
	clear(d.pending[len(keep):])
	d.pending = keep
}
