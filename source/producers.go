package source

import (
	"cmp"
	"slices"
	"time"
)

// Producer states after an expansion, as observe mode tells them.
const (
	ProducerActive  = "active"  // writing; no expansion to judge it by yet
	ProducerAdopted = "adopted" // has written to a partition added by the latest expansion
	ProducerStale   = "stale"   // still writes to old partitions a grace period after the expansion, to none of the new ones
	ProducerIdle    = "idle"    // wrote nothing within the window
)

// Producer is one producer id seen writing to the topic (observe mode,
// from Kafka's DescribeProducers, KIP-664).
type Producer struct {
	ID         int64
	Epoch      int16
	State      string    // one of the Producer* states
	Partitions []int32   // partitions it wrote to within the window, ascending
	LastWrite  time.Time // its latest write on any partition
	Rate       float64   // records/s, from the change in its last sequence numbers
}

// Producers is the latest look at the topic's producers.
type Producers struct {
	At   time.Time  // when it was taken; zero before the first look
	List []Producer // in SortProducers' order
	// Err says why the list is empty or stale: the request was denied
	// (it needs Read on the topic), or the cluster does not support it.
	Err string
	// Note says why the list is empty while records are being written,
	// when the cluster answered: whom it does not list. Empty otherwise.
	Note string
	// Off says why producers are not listed at all, as the source says
	// (About.NoProducers): the platform cannot list them, or listing is
	// turned off. Empty when the source lists them.
	Off string
}

// SortProducers puts the producers an operator must act on first: stale,
// then active, adopted and idle; within a state the busiest first, then by
// id.
func SortProducers(list []Producer) {
	slices.SortFunc(list, func(x, y Producer) int {
		if c := cmp.Compare(stateRank(x.State), stateRank(y.State)); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Rate, x.Rate); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
}

func stateRank(s string) int {
	switch s {
	case ProducerStale:
		return 0
	case ProducerActive:
		return 1
	case ProducerAdopted:
		return 2
	}
	return 3
}
