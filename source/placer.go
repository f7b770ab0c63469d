package source

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Placer is a Source that can choose the brokers of the partitions it
// adds (Kafka: CreatePartitions with an explicit assignment), for
// balanced placement. The engine hands it the load it measured, the
// topic's records/s by partition, since it imports no backend and the
// backend measures nothing over time; the backend knows the brokers,
// racks and replicas, fresh from the cluster at each call. Planning and
// growing are apart so that a view can show the plan before the operator
// confirms it, and the partitions then go exactly where it said.
type Placer interface {
	// Plan says where the partitions added to reach target(current)
	// would go. load is the topic's records/s by partition id (missing:
	// 0). It changes nothing on the cluster.
	Plan(ctx context.Context, target func(current int) int, load []float64) (Plan, error)
	// GrowPlaced adds partitions as plan says and starts using them at
	// once (as Grow). It adds nothing and fails when the topic no longer
	// has plan.From partitions: the plan was for another topic.
	GrowPlaced(ctx context.Context, plan Plan) (from, to int, err error)
}

// Plan is where partitions added from From to To go.
type Plan struct {
	From, To int
	// Replicas are each new partition's replicas (partitions From to
	// To-1), the leader first.
	Replicas [][]int32
	// Brokers are the brokers' led records/s before and after the new
	// partitions (each expected to carry the topic's mean partition
	// rate), by broker id, ascending.
	Brokers []BrokerLoad
}

// BrokerLoad is one broker's share of a topic's traffic: the records/s
// of the partitions it leads.
type BrokerLoad struct {
	ID           int32
	Rack         string // "" where brokers have no racks
	Before, Then float64
}

// Leaders are the new partitions' leaders, in partition order.
func (p Plan) Leaders() []int32 {
	out := make([]int32, len(p.Replicas))
	for i, r := range p.Replicas {
		if len(r) > 0 {
			out[i] = r[0]
		}
	}
	return out
}

// LeadersText is the leaders as the prompt and the event log show them:
// "leaders → 0, 1, 0, 1".
func (p Plan) LeadersText() string {
	ids := make([]string, len(p.Replicas))
	for i, l := range p.Leaders() {
		ids[i] = fmt.Sprint(l)
	}
	return "leaders → " + strings.Join(ids, ", ")
}

// LeaderCounts is the leaders counted by broker, for a line too narrow
// for LeadersText: "leaders → broker 2 ×3, broker 3 ×3".
func (p Plan) LeaderCounts() string {
	n := map[int32]int{}
	var ids []int32
	for _, l := range p.Leaders() {
		if n[l] == 0 {
			ids = append(ids, l)
		}
		n[l]++
	}
	slices.Sort(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("broker %d ×%d", id, n[id])
	}
	return "leaders → " + strings.Join(out, ", ")
}
