package discovery

import "time"

// Expanded records that the topic grew from..to, then calls the OnExpansion
// hook (the producer refreshes its metadata right away).
func (t *Tracker) Expanded(from, to int, by string, created, seen time.Time) {
	t.counters.Grow(to) // new partitions show up at once, idle until used
	t.mu.Lock()
	e := &Event{Kind: KindExpansion, At: seen, From: from, To: to, By: by, Created: created, Seen: seen}
	if t.routes && t.view.Partitions >= to { // the client found them before we did
		e.Routed = seen
	}
	t.view.Cluster = max(t.view.Cluster, to)
	t.add(e)
	t.pending = append(t.pending, e)
	t.settling = append(t.settling, e)
	t.finish()
	t.mu.Unlock()
	t.refresh()
}

// Watched takes a fresh description of the topic from a watcher: the
// partitions' leaders by id, or the error that kept it from looking.
func (t *Tracker) Watched(leaders []int32, err error) {
	now := time.Now()
	t.mu.Lock()
	if err != nil {
		if t.view.WatchError == "" {
			t.add(&Event{Kind: KindError, At: now, Message: "watching topic metadata: " + err.Error()})
		}
		t.view.WatchError = err.Error()
		t.mu.Unlock()
		return
	}
	if t.view.WatchError != "" {
		t.add(&Event{Kind: KindInfo, At: now, Message: "topic metadata reachable again"})
		t.view.WatchError = ""
	}
	t.view.Leaders = append(t.view.Leaders[:0:0], leaders...)
	from, to := t.view.Cluster, len(leaders)
	grew := to > from && t.adding == 0 && from > 0
	if t.adding == 0 || from == 0 {
		t.view.Cluster = max(t.view.Cluster, to)
	}
	t.mu.Unlock()
	if grew {
		t.Expanded(from, to, ByExternal, time.Time{}, now)
	}
}

// finish completes pending expansions whose new partitions all have a first
// record. Called with mu held.
func (t *Tracker) finish() {
	keep := t.pending[:0]
	for _, e := range t.pending {
		var last time.Time
		for p := e.From; p < e.To; p++ {
			at := t.counters.FirstAck(int32(p))
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
		if t.routes && (e.Routed.IsZero() || e.Routed.After(last)) {
			e.Routed = last // routed no later than its first record was acked
		}
		// A client that found the partitions before we did picked them up
		// in no time; never report a negative latency.
		e.Pickup = max(last.Sub(e.Start()), 0)
		if t.slowNote != "" && !e.Routed.IsZero() && last.Sub(e.Routed) >= t.slowAfter {
			e.Note = t.slowNote
		}
		t.version++
	}
	clear(t.pending[len(keep):])
	t.pending = keep
}

// settleFor bounds how long an expansion is watched for balance: a
// partitioner that never spreads load evenly must not keep it forever.
const settleFor = 10 * time.Minute

// Settle marks expansions whose new partitions all carry at least
// BalancedShare of the fair share, given each partition's share over the
// balance window as of now. The engine calls it after every sample.
func (t *Tracker) Settle(now time.Time, shares []float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.settling) == 0 {
		return
	}
	fair := 0.0
	if len(shares) > 0 {
		fair = 1 / float64(len(shares))
	}
	keep := t.settling[:0]
	for _, e := range t.settling {
		if balanced(shares, e.From, e.To, fair) {
			e.Balanced = now
			t.version++
			continue
		}
		if now.Sub(e.Start()) < settleFor {
			keep = append(keep, e)
		}
	}
	clear(t.settling[len(keep):])
	t.settling = keep
}

func balanced(shares []float64, from, to int, fair float64) bool {
	if to > len(shares) || fair == 0 {
		return false
	}
	for p := from; p < to; p++ {
		if shares[p] < BalancedShare*fair {
			return false
		}
	}
	return true
}
