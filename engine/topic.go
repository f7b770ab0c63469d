package engine

import (
	"fmt"
	"time"

	"partop/source"
	"partop/stats"
)

// BalancedShare is the fraction of its fair share a new partition must
// carry to count as settled; an expansion is balanced once all of its new
// partitions are settled. Views mark unsettled new partitions
// (Snapshot.Unsettled) instead of computing this themselves, so every
// viewer agrees.
const BalancedShare = 0.8

// settleFor bounds how long an expansion is watched for balance: a
// partitioner that never spreads load evenly must not keep it forever.
const settleFor = 10 * time.Minute

// problemEvery is how often a repeating problem (a failing poll, failed
// records) reaches the log: a dead broker fails thousands of records a
// second, and the counters count them all.
const problemEvery = 5 * time.Second

// topic is what the engine knows of the source's topic, built from the facts
// the source reports: partition counts, leaders, the event log and every
// expansion's timeline. The engine's mutex guards it.
type topic struct {
	about    source.About
	counters *stats.Counters
	state    TopicState
	log      eventLog
	pickups  pickups
	pending  []*Event // expansions not yet Done
	settling []*Event // expansions not yet Balanced
	// settled[p]: partition p has carried BalancedShare of its fair share
	// at least once; settledVersion counts the partitions that settled.
	settled        []bool
	settledVersion uint64
	unsettledFor   unsettledKey // what unsettledOut was computed for
	unsettledOut   []bool
	adding         int // partop's own Grow calls in flight
	// lastProblem is when each runner's latest problem was logged: a
	// failing groups poll does not hide the producer's failures.
	lastProblem [numFrom]time.Time
	producers   source.Producers
	groups      source.Groups
	keys        keyState
	firstWrites map[int32]source.FirstWrite // observe mode: first records, as dated
	// groupWatches follow the groups' pickups of recent expansions.
	groupWatches []*groupWatch
	own          own // partop's own consumer group
	// burst, when set, asks the groups poll to burst over an
	// expansion's new partitions (source.Burster; it never blocks).
	burst func(from, to int)
	// askEnds, when set, asks the groups poll for the end offsets
	// partitions had at a past time (source.Backdater; it never blocks).
	askEnds func(at time.Time, partitions []int32)
	ans     answering
}

func newTopic(about source.About, counters *stats.Counters) *topic {
	t := &topic{about: about, counters: counters}
	t.own.assigned, t.own.endAtAssig = map[int32]bool{}, map[int32]int64{}
	t.own.firstFetch, t.own.commits = map[int32]int64{}, map[int32]commit{}
	t.firstWrites = map[int32]source.FirstWrite{}
	t.producers.Off = about.NoProducers
	t.state.Cluster = len(about.Leaders)
	t.state.Leaders = append([]int32(nil), about.Leaders...)
	counters.Extend(len(about.Leaders))
	return t
}

// stateNow is the TopicState as published.
func (t *topic) stateNow() TopicState {
	v := t.state
	if !t.about.Routes {
		v.Partitions = v.Cluster
	}
	return v
}

// expanded records that the topic grew from..to; asked is when partop
// asked for the partitions (zero: someone else added them).
func (t *topic) expanded(from, to int, by string, asked, created, seen time.Time) {
	t.counters.Extend(to) // new partitions show up at once, idle until used
	e := &Event{Kind: KindExpansion, At: seen, From: from, To: to, By: by, Created: created, Seen: seen, Prediction: t.predict(to)}
	if t.about.Routes && t.state.Partitions >= to { // the client found them before we did
		e.Routed = seen
	}
	t.state.Cluster = max(t.state.Cluster, to)
	t.log.add(e)
	t.pending = append(t.pending, e)
	t.settling = append(t.settling, e)
	t.watchGroups(seen, asked, e)
}

// metadata takes a fresh look at the topic from a source's watcher.
func (t *topic) metadata(now time.Time, m source.Metadata) {
	t.ans.look(now, m.Err)
	if m.Err != nil {
		if t.state.WatchError == "" {
			t.log.add(&Event{Kind: KindError, At: now, Message: "watching topic metadata: " + m.Err.Error()})
		}
		t.state.WatchError = m.Err.Error()
		return
	}
	if t.state.WatchError != "" {
		t.log.add(&Event{Kind: KindInfo, At: now, Message: "topic metadata reachable again"})
		t.state.WatchError = ""
	}
	t.state.Leaders = append([]int32(nil), m.Leaders...)
	if m.Brokers != nil { // a new slice each look: published snapshots share the old ones
		t.state.Replicas, t.state.Brokers = m.Replicas, m.Brokers
	}
	from, to := t.state.Cluster, len(m.Leaders)
	switch {
	case t.adding > 0 && from > 0:
		// partop's own Grow is in flight: the source may see the new
		// count before the admin call answers; it is partop's change.
	case to > from && from > 0:
		t.expanded(from, to, ByExternal, time.Time{}, time.Time{}, now)
	default:
		t.state.Cluster = max(t.state.Cluster, to)
	}
}

// routed takes the count the source routes over.
func (t *topic) routed(now time.Time, n int) {
	t.state.Partitions = n
	for _, e := range t.pending {
		if e.Routed.IsZero() && n >= e.To {
			e.Routed = now
			t.log.changed()
		}
	}
}

// problem logs msg() unless a problem was logged within problemEvery.
func (t *topic) problem(now time.Time, from factsFrom, msg func() string) {
	if now.Sub(t.lastProblem[from]) < problemEvery {
		return
	}
	t.lastProblem[from] = now
	t.log.add(&Event{Kind: KindError, At: now, Message: msg()})
}

func (t *topic) note(now time.Time, kind, msg string) {
	t.log.add(&Event{Kind: kind, At: now, Message: msg})
}

// report takes one fact from the source.
func (t *topic) report(now time.Time, from factsFrom, f source.Fact) {
	switch f := f.(type) {
	case source.Metadata:
		t.metadata(now, f)
	case source.Routed:
		t.routed(now, f.Partitions)
	case source.RecordFailed:
		t.problem(now, from, func() string {
			where := fmt.Sprintf("partition %d", f.Partition)
			if f.Partition < 0 {
				where = "no partition"
			}
			return fmt.Sprintf("produce failed on %s: %v", where, f.Err)
		})
	case source.Problem:
		t.problem(now, from, func() string { return f.Message })
	case source.Notice:
		kind := KindInfo
		if f.Error {
			kind = KindError
		}
		t.note(now, kind, f.Message)
	case source.EndOffsets:
		t.state.EndOffsets = f.Offsets
	case source.ProducersSeen:
		t.producers = f.Producers
	case source.MetadataSent:
		t.state.MetadataRequests++
	case source.GroupsSeen:
		t.groupsSeen(f.Groups, false)
	case source.AssignmentsSeen:
		t.groupsSeen(f.Groups, true)
	case source.EndsAt:
		t.endsAt(f)
	case source.FirstWrite:
		t.firstWrite(f)
	case source.ConsumerStarted, source.Assigned, source.EndsAtAssignment, source.Revoked, source.FirstFetch, source.Committed:
		t.ownFact(now, f)
	}
}

// firstWrite takes the first record on a partition as the record dates
// it: an expansion's FirstWrite is the latest of its new partitions'.
func (t *topic) firstWrite(f source.FirstWrite) {
	t.firstWrites[f.Partition] = f
	for _, e := range t.log.events {
		if e.Kind != KindExpansion || !e.FirstWrite.IsZero() || !inRange(f.Partition, e) {
			continue
		}
		var last time.Time
		lat := false
		for p := e.From; p < e.To; p++ {
			w, ok := t.firstWrites[int32(p)]
			if !ok {
				last = time.Time{}
				break
			}
			last, lat = maxTime(last, w.At), lat || w.LogAppendTime
		}
		if !last.IsZero() {
			e.FirstWrite, e.LogAppendTime = last, lat
			t.log.changed()
		}
	}
}

// sampled completes what a new sample decides, as of now: expansions whose
// new partitions all have a first record are done, and partitions that
// carry their share settle.
func (t *topic) sampled(now time.Time, s *stats.Snapshot) {
	t.finish(s.Partitions)
	t.settle(now, s.Partitions)
	t.keysTick(now, s)
	t.dropGroupWatches(now)
}

// finish completes pending expansions whose new partitions all have a
// first record (the counters stamp each partition's first record exactly).
func (t *topic) finish(parts []stats.Partition) {
	keep := t.pending[:0]
	for _, e := range t.pending {
		last := lastFirstRecord(parts, e.From, e.To)
		if last.IsZero() {
			keep = append(keep, e)
			continue
		}
		e.FirstRecord, e.Done = last, true
		if t.about.Routes && (e.Routed.IsZero() || e.Routed.After(last)) {
			e.Routed = last // routed no later than its first record was acked
		}
		// A client that found the partitions before we did picked them up
		// in no time; never report a negative latency.
		e.Pickup = max(last.Sub(e.Start()), 0)
		t.pickups.add(e, "", e.Pickup)
		if t.about.SlowNote != "" && !e.Routed.IsZero() && last.Sub(e.Routed) >= t.about.SlowAfter {
			e.Note = t.about.SlowNote
		}
		t.log.changed()
	}
	clear(t.pending[len(keep):])
	t.pending = keep
}

// lastFirstRecord is the latest first record among partitions from..to-1,
// zero while one of them has none.
func lastFirstRecord(parts []stats.Partition, from, to int) time.Time {
	if to > len(parts) {
		return time.Time{}
	}
	var last time.Time
	for p := from; p < to; p++ {
		at := parts[p].FirstAck
		if at.IsZero() {
			return time.Time{}
		}
		last = maxTime(last, at)
	}
	return last
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// settle marks partitions that carry BalancedShare of their fair share
// over the balance window, and expansions whose new partitions all did.
func (t *topic) settle(now time.Time, parts []stats.Partition) {
	for len(t.settled) < len(parts) {
		t.settled = append(t.settled, false)
	}
	if len(parts) == 0 {
		return
	}
	fair := 1 / float64(len(parts))
	for i := range parts {
		if !t.settled[i] && parts[i].Share >= BalancedShare*fair {
			t.settled[i] = true
			t.settledVersion++
		}
	}
	keep := t.settling[:0]
	for _, e := range t.settling {
		if balanced(parts, e.From, e.To, fair) {
			e.Balanced = now
			t.log.changed()
			continue
		}
		if now.Sub(e.Start()) < settleFor {
			keep = append(keep, e)
		}
	}
	clear(t.settling[len(keep):])
	t.settling = keep
}

func balanced(parts []stats.Partition, from, to int, fair float64) bool {
	if to > len(parts) {
		return false
	}
	for p := from; p < to; p++ {
		if parts[p].Share < BalancedShare*fair {
			return false
		}
	}
	return true
}

// unsettled says, for each of n partitions, whether an expansion in the log
// added it and it has not settled yet. The answer is kept until the log, a
// partition's settling or n changes: published snapshots share it, read
// only, and a tick usually changes none of them.
func (t *topic) unsettled(n int) []bool {
	key := unsettledKey{log: t.log.version, settled: t.settledVersion, n: n}
	if t.unsettledFor == key && t.unsettledOut != nil {
		return t.unsettledOut
	}
	t.unsettledFor = key
	t.unsettledOut = t.computeUnsettled(n)
	return t.unsettledOut
}

// unsettledKey is what unsettled's answer depends on.
type unsettledKey struct {
	log, settled uint64
	n            int
}

func (t *topic) computeUnsettled(n int) []bool {
	out := make([]bool, n)
	for _, e := range t.log.events {
		if e.Kind != KindExpansion {
			continue
		}
		for p := max(e.From, 0); p < min(e.To, n); p++ {
			out[p] = p >= len(t.settled) || !t.settled[p]
		}
	}
	return out
}
