package fluvio

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"partop/backend/fluvio/client"
	"partop/internal/fanout"
	"partop/source"
)

// Watch backoff after the SC's stream broke or could not start.
const (
	rewatchFirst = 100 * time.Millisecond
	rewatchMax   = 5 * time.Second
)

// The SC announces partitions one object at a time: `fluvio topic
// add-partition -c 2` arrives as two messages about a millisecond apart.
// So that one change is one expansion event, as on Kafka, a state that
// grew the topic is held until no message came for settleQuiet (at most
// settleMax), then reported and routed to in one step.
const (
	settleQuiet = 3 * time.Millisecond
	settleMax   = 50 * time.Millisecond
)

// follow keeps a WatchPartitions stream open on topic until ctx ends,
// re-opening it with backoff when it breaks. Every state the SC pushes goes
// to apply (the routing table), then to the engine as a look at the topic
// (the cluster's count, leaders; a larger count is an expansion by someone
// else), and leader SPUs going offline or coming back become notices.
func follow(ctx context.Context, cl *client.Client, topic string, r *source.Reports, apply func(client.Topic)) {
	wait := rewatchFirst
	var h health
	for ctx.Err() == nil {
		w, err := cl.WatchPartitions(ctx, topic)
		if err == nil {
			r.Report(source.MetadataSent{})
			last := -1
			for u := range w.Updates() {
				if last >= 0 && len(u.Partitions) > last {
					u = settle(w.Updates(), u)
				}
				last = len(u.Partitions)
				wait = rewatchFirst
				if apply != nil {
					apply(u.Topic)
				}
				r.Report(source.Metadata{Leaders: u.Leaders()})
				h.report(r, u.Topic)
			}
			err = w.Err()
		}
		if ctx.Err() != nil {
			return
		}
		r.Report(source.Metadata{Err: fmt.Errorf("SC watch stream on %q: %w", topic, err)})
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, rewatchMax)
	}
}

// settle returns the latest state once updates are quiet for settleQuiet.
func settle(updates <-chan client.TopicUpdate, u client.TopicUpdate) client.TopicUpdate {
	limit := time.NewTimer(settleMax)
	defer limit.Stop()
	quiet := time.NewTimer(settleQuiet)
	defer quiet.Stop()
	for {
		select {
		case next, ok := <-updates:
			if !ok {
				return u
			}
			u = next
			quiet.Reset(settleQuiet)
		case <-quiet.C:
			return u
		case <-limit.C:
			return u
		}
	}
}

// health remembers which partitions' leaders the SC reported offline, to
// log each change once.
type health struct{ down map[int32]bool }

func (h *health) report(r *source.Reports, tp client.Topic) {
	if h.down == nil {
		h.down = map[int32]bool{}
	}
	var wentDown, cameUp []client.Partition
	for _, p := range tp.Partitions {
		down := !p.LeaderOnline
		if down != h.down[p.ID] {
			h.down[p.ID] = down
			if down {
				wentDown = append(wentDown, p)
			} else {
				cameUp = append(cameUp, p)
			}
		}
	}
	for leader, ids := range byLeader(wentDown) {
		r.Report(source.Notice{Error: true, Message: fmt.Sprintf("leader SPU %d offline: %s cannot take records (the SC reports %s)", leader, ids, wentDown[0].Status)})
	}
	for leader, ids := range byLeader(cameUp) {
		r.Report(source.Notice{Message: fmt.Sprintf("leader SPU %d online again: %s", leader, ids)})
	}
}

// byLeader groups partitions by leader as "partition 2" or "partitions 0, 1, 3".
func byLeader(ps []client.Partition) map[int32]string {
	ids := map[int32][]int32{}
	for _, p := range ps {
		ids[p.Leader] = append(ids[p.Leader], p.ID)
	}
	out := map[int32]string{}
	for l, s := range ids {
		out[l] = fanout.Partitions(s)
	}
	return out
}

// routeTable is the partitions the producer routes to: 0..n-1, every one
// announced by the SC with a leader SPU whose address is known. A new
// partition takes records a few milliseconds after the SC announces it,
// long before the SC calls it Online (about 350 ms on a local cluster), so
// the producer does not wait for that; a first record the SPU refuses
// ("not leader") is retried, not lost.
type routeTable struct {
	n  atomic.Int32
	mu sync.Mutex
	ch chan struct{} // closed and replaced when n changes
}

func newRouteTable(initial client.Topic) *routeTable {
	r := &routeTable{ch: make(chan struct{})}
	r.n.Store(int32(routable(initial)))
	return r
}

// count is the number of partitions to route over.
func (r *routeTable) count() int { return int(r.n.Load()) }

// changed is closed when the count next changes.
func (r *routeTable) changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ch
}

// update takes the SC's latest state of the topic. The count never
// shrinks: Fluvio cannot remove partitions, and a partition whose leader
// is down stays routed so its failures show.
func (r *routeTable) update(t client.Topic) {
	n := int32(routable(t))
	if n <= r.n.Load() {
		return
	}
	r.mu.Lock()
	r.n.Store(n)
	close(r.ch)
	r.ch = make(chan struct{})
	r.mu.Unlock()
}

// routable is how many partitions from 0 up have a leader with an address.
func routable(t client.Topic) int {
	n := 0
	for _, p := range t.Partitions {
		if p.ID != int32(n) || p.LeaderAddr == "" || p.Leader < 0 {
			break
		}
		n++
	}
	return n
}
