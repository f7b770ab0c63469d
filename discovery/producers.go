package discovery

import "time"

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
	At   time.Time // when it was taken; zero before the first look
	List []Producer
	// Err says why the list is empty or stale: the request was denied
	// (it needs Read on the topic), or the cluster does not support it.
	Err string
}

// SetProducers replaces the producers list (observe mode's poller).
func (t *Tracker) SetProducers(p Producers) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.producers = p
}

// Producers returns the latest producers list; its slices are shared and
// must not be modified.
func (t *Tracker) Producers() Producers {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.producers
}
