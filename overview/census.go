// Package overview is the cluster view: every topic and every broker at a
// glance, from one poll of the whole cluster (a Census) every few
// seconds. A backend takes the census (Kafka: one Metadata request and
// one ListOffsets request per leader for every partition); a Tracker
// turns two censuses into rates, balance figures and the brokers' shares;
// a Watcher polls on its own goroutine and publishes Snapshots that the
// dashboard, headless lines and /metrics read. It imports no backend and
// no view.
//
// It is not the engine: the engine follows one topic closely (its own
// producer, every tick, pickups to the millisecond); the cluster view
// follows every topic coarsely, one poll for all, so that its cost
// depends on the partition count and the poll interval only.
package overview

import (
	"context"
	"time"

	"partop/source"
)

// Census is one look at the whole cluster.
type Census struct {
	At      time.Time // when the end offsets were asked for
	Brokers []Broker  // by id, ascending
	Topics  []Topic   // by name, ascending
	// Groups are the consumer groups' commits, where the poller looks at
	// groups (nil: it does not).
	Groups []GroupCommits
	// Partial says what the look missed (a broker that did not answer
	// ListOffsets, partitions without a leader), or "".
	Partial string
}

// Broker is one broker of the cluster: source's, the same a topic's
// dashboard learns from its metadata.
type Broker = source.Broker

// Topic is one topic in a census.
type Topic struct {
	Name       string
	Internal   bool // the platform's own (Kafka: __consumer_offsets, …)
	Partitions []Partition
}

// Partition is one partition in a census, by id.
type Partition struct {
	Leader   int32   // -1: none known
	Replicas []int32 // the brokers holding a replica, the leader included
	End      int64   // end offset; -1: not answered in this look
}

// GroupCommits is one consumer group's committed offsets, by topic and
// partition.
type GroupCommits struct {
	Group   string
	Commits map[string]map[int32]int64
}

// Poller takes a census of the cluster. A backend implements it.
type Poller interface {
	Census(ctx context.Context) (Census, error)
}
