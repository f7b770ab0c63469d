package cluster

import (
	"errors"
	"fmt"
	"slices"

	"partop/source"
)

// Broker is one broker as the metadata names it.
type Broker struct {
	ID   int32
	Rack string // "" when the broker has none
}

// Place chooses the replicas of add new partitions of a topic (the leader
// first), so that the brokers' led traffic on the topic comes out as even
// as the new partitions can make it. It is balanced placement
// (rules.PlaceBalanced), pure so that it is tested without a cluster.
//
// The load that counts is this topic's: each broker's load is the
// records/s of the topic's partitions it leads (load, by partition id).
// Other topics' traffic is not known to the engine of one topic, and the
// operator asked to even out this one. Each new partition is expected to
// carry the topic's mean partition rate (a balancing producer spreads
// evenly over old and new; a hot key stays where it is anyway).
//
// In turn, each new partition's leader is the broker with the least load
// (ties: fewer leaders of the topic, then the lowest id), and it takes the
// expected load. Its followers are the replication factor's other brokers:
// first those on a rack the partition has no replica on yet (where brokers
// have racks), then those with the fewest replicas of the topic, then the
// least load, then the lowest id. The replication factor is partition 0's,
// as Kafka's own placement takes it.
//
// Greedy is enough: every new partition adds the same expected load, so
// giving each to the least-loaded broker is what minimises the largest
// load, and it reads the way an operator would do it by hand.
func Place(brokers []Broker, parts []Partition, load []float64, add int) ([][]int32, error) {
	switch {
	case add <= 0:
		return nil, fmt.Errorf("place %d new partitions: nothing to place", add)
	case len(parts) == 0:
		return nil, errors.New("the topic has no partitions to take a replication factor from")
	case len(brokers) == 0:
		return nil, errors.New("the cluster's metadata lists no brokers")
	}
	rf := len(parts[0].Replicas)
	if rf == 0 {
		return nil, errors.New("partition 0 lists no replicas: the replication factor is not known")
	}
	if rf > len(brokers) {
		return nil, fmt.Errorf("the topic's replication factor is %d but the cluster lists %d broker%s: new partitions need %d distinct brokers", rf, len(brokers), plural(len(brokers)), rf)
	}
	bs := slices.Clone(brokers)
	slices.SortFunc(bs, func(a, b Broker) int { return int(a.ID) - int(b.ID) })
	at := make(map[int32]int, len(bs)) // broker id -> index in bs
	for i, b := range bs {
		at[b.ID] = i
	}
	led, leaders, replicas := make([]float64, len(bs)), make([]int, len(bs)), make([]int, len(bs))
	var total float64
	for _, p := range parts {
		var l float64
		if int(p.ID) < len(load) && p.ID >= 0 {
			l = load[p.ID]
		}
		total += l
		if i, ok := at[p.Leader]; ok {
			led[i] += l
			leaders[i]++
		}
		for _, r := range p.Replicas {
			if i, ok := at[r]; ok {
				replicas[i]++
			}
		}
	}
	mean := total / float64(len(parts))
	out := make([][]int32, add)
	for n := range out {
		lead := 0
		for i := range bs {
			if led[i] < led[lead] || led[i] == led[lead] && leaders[i] < leaders[lead] {
				lead = i // ids ascend: an equal broker later has a higher id
			}
		}
		led[lead] += mean
		leaders[lead]++
		replicas[lead]++
		chosen := []int{lead}
		for len(chosen) < rf {
			best := -1
			for i := range bs {
				if slices.Contains(chosen, i) {
					continue
				}
				if best < 0 || follower(bs, chosen, i, best, replicas, led) {
					best = i
				}
			}
			chosen = append(chosen, best)
			replicas[best]++
		}
		ids := make([]int32, len(chosen))
		for k, i := range chosen {
			ids[k] = bs[i].ID
		}
		out[n] = ids
	}
	return out, nil
}

// follower says whether broker i is a better next follower than best for
// a partition on brokers chosen: a new rack first, then fewer replicas,
// then less load (ids ascend, so the lower id wins what is left).
func follower(bs []Broker, chosen []int, i, best int, replicas []int, led []float64) bool {
	if ni, nb := newRack(bs, chosen, i), newRack(bs, chosen, best); ni != nb {
		return ni
	}
	if replicas[i] != replicas[best] {
		return replicas[i] < replicas[best]
	}
	return led[i] < led[best]
}

// newRack says whether broker i has a rack none of the chosen brokers
// has. Brokers without racks are on no rack: none of them is new.
func newRack(bs []Broker, chosen []int, i int) bool {
	if bs[i].Rack == "" {
		return false
	}
	for _, c := range chosen {
		if bs[c].Rack == bs[i].Rack {
			return false
		}
	}
	return true
}

// brokerLoads are the brokers' led records/s before and after the new
// partitions place puts, each carrying the mean partition rate.
func brokerLoads(brokers []Broker, parts []Partition, load []float64, placed [][]int32) []source.BrokerLoad {
	out := make([]source.BrokerLoad, len(brokers))
	at := make(map[int32]int, len(brokers))
	for i, b := range brokers {
		out[i] = source.BrokerLoad{ID: b.ID, Rack: b.Rack}
		at[b.ID] = i
	}
	var total float64
	for _, p := range parts {
		if p.ID < 0 || int(p.ID) >= len(load) {
			continue
		}
		total += load[p.ID]
		if i, ok := at[p.Leader]; ok {
			out[i].Before += load[p.ID]
		}
	}
	for i := range out {
		out[i].Then = out[i].Before
	}
	if len(parts) > 0 {
		for _, r := range placed {
			if i, ok := at[r[0]]; ok {
				out[i].Then += total / float64(len(parts))
			}
		}
	}
	slices.SortFunc(out, func(a, b source.BrokerLoad) int { return int(a.ID) - int(b.ID) })
	return out
}
