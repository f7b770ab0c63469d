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

// pickups turns the engine's pickups into histogram observations, each
// exactly once. The engine records every pickup once, when it happens,
// with an ID that only goes up (engine.Pickup); pickups asks each snapshot
// for those after the last ID it observed. The snapshot keeps the latest
// 1,000 pickups apart from the event log, so no number of other events
// between two syncs can make one missed.
type pickups struct {
	hist *prometheus.HistogramVec
	// assigned is the delay from an expansion to each consumer group
	// having all its new partitions assigned, observed once per group.
	assigned *prometheus.HistogramVec

	mu    sync.Mutex
	last  uint64 // the ID of the last pickup observed
	topic string // set by the first sync
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
				"(the end of its bracket: the first look that saw them all assigned; the groups poll looks every 100 ms " +
				"for up to 30 s after an expansion, else at its interval; exact for partop's own group). A group still waiting is not observed.",
			Buckets: pickupBuckets,
		}, []string{"topic", "group"}),
	}
}

// sync observes the pickups in s recorded since the last one observed.
func (p *pickups) sync(s *engine.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.topic == "" && s.Topic != "" {
		// Export both series from the start, at zero, so rate() and
		// increase() see the first expansion as an increase.
		p.topic = s.Topic
		p.hist.WithLabelValues(s.Topic, engine.ByPartop)
		p.hist.WithLabelValues(s.Topic, engine.ByExternal)
	}
	for _, pk := range s.PickupsSince(p.last) {
		if pk.Group == "" {
			p.hist.WithLabelValues(s.Topic, pk.By).Observe(pk.Latency.Seconds())
		} else {
			p.assigned.WithLabelValues(s.Topic, pk.Group).Observe(pk.Latency.Seconds())
		}
		p.last = pk.ID
	}
}
