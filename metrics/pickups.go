package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"partop/engine"
)

// pickupBuckets span what pickups take: milliseconds when partop adds
// partitions and routes round-robin, about a discovery interval for
// partitions added by someone else, tens of seconds for a sticky
// partitioner at a low rate.
var pickupBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// pickups turns finished expansions in the event log into histogram
// observations, each exactly once.
//
// The log carries no ids and is bounded (the oldest events go first), so
// pickups remembers which finished expansions it has observed by their
// identity (when first seen, from, to) and forgets one only when it has
// left the log: an event never comes back once dropped, so it cannot be
// observed twice, and the set never outgrows the log. An expansion must
// be seen finished while still in the log; the server syncs on every
// engine tick, and the log holds the last 1,000 events.
type pickups struct {
	hist *prometheus.HistogramVec
	// assigned is the delay from an expansion to each consumer group
	// having all its new partitions assigned, observed once per group.
	assigned *prometheus.HistogramVec

	mu       sync.Mutex
	lastSeq  uint64
	topic    string // set by the first sync
	observed map[expansionID]struct{}
}

// expansionID tells expansions apart: two never start at the same
// instant with the same counts. group is empty for the pickup itself, a
// group's name for its assignment.
type expansionID struct {
	seen     int64 // unix ns
	from, to int
	group    string
}

func newPickups() *pickups {
	return &pickups{
		hist: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "partop_expansion_pickup_seconds",
			Help: "Time from partitions being added (created by partop, or first seen when added by someone else) " +
				"to the first acknowledged record on the last new partition. by: partop or external.",
			Buckets: pickupBuckets,
		}, []string{"topic", "by"}),
		assigned: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "partop_group_assignment_delay_seconds",
			Help: "Time from partitions being added to a consumer group having all of them assigned to its members " +
				"(to the groups poll's interval; exact for partop's own group). A group still waiting is not observed.",
			Buckets: pickupBuckets,
		}, []string{"topic", "group"}),
		observed: map[expansionID]struct{}{},
	}
}

// sync observes the finished expansions in s not observed before, and
// forgets those that have left the log.
func (p *pickups) sync(s *engine.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.Seq != 0 && s.Seq == p.lastSeq {
		return
	}
	p.lastSeq = s.Seq
	if p.topic == "" && s.Topic != "" {
		// Export both series from the start, at zero, so rate() and
		// increase() see the first expansion as an increase.
		p.topic = s.Topic
		p.hist.WithLabelValues(s.Topic, engine.ByPartop)
		p.hist.WithLabelValues(s.Topic, engine.ByExternal)
	}
	present := 0 // observed expansions still in the log
	for i := range s.Events {
		e := &s.Events[i]
		if e.Kind != engine.KindExpansion {
			continue
		}
		if e.Done && p.once(expansionID{seen: e.Seen.UnixNano(), from: e.From, to: e.To}, &present) {
			p.hist.WithLabelValues(s.Topic, e.By).Observe(e.Pickup.Seconds())
		}
		for _, g := range e.Groups {
			if !g.AssignedAt.IsZero() && p.once(expansionID{seen: e.Seen.UnixNano(), from: e.From, to: e.To, group: g.Group}, &present) {
				p.assigned.WithLabelValues(s.Topic, g.Group).Observe(max(g.AssignedAt.Sub(e.Start()), 0).Seconds())
			}
		}
	}
	if present < len(p.observed) {
		p.forgetGone(s.Events)
	}
}

// once reports whether id is seen for the first time, and counts it as
// present in the log either way.
func (p *pickups) once(id expansionID, present *int) bool {
	*present++
	if _, ok := p.observed[id]; ok {
		return false
	}
	p.observed[id] = struct{}{}
	return true
}

// forgetGone keeps only the ids of expansions still in evs. It runs only
// when an observed expansion has left the log, which is rare.
func (p *pickups) forgetGone(evs []engine.Event) {
	kept := make(map[expansionID]struct{}, len(p.observed))
	for i := range evs {
		e := &evs[i]
		if e.Kind != engine.KindExpansion {
			continue
		}
		ids := []expansionID{{seen: e.Seen.UnixNano(), from: e.From, to: e.To}}
		for _, g := range e.Groups {
			ids = append(ids, expansionID{seen: e.Seen.UnixNano(), from: e.From, to: e.To, group: g.Group})
		}
		for _, id := range ids {
			if _, ok := p.observed[id]; ok {
				kept[id] = struct{}{}
			}
		}
	}
	p.observed = kept
}
