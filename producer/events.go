package producer

import "time"

// Who changed the partition count.
const (
	ByPartop   = "partop"
	ByExternal = "external"
)

// Event kinds.
const (
	KindExpansion = "expansion"
	KindError     = "error"
	KindRate      = "rate"
	KindPause     = "pause"
	KindResume    = "resume"
	KindInfo      = "info"
)

// maxEvents bounds the event log, so memory stays flat however long partop
// runs; the oldest events go first.
const maxEvents = 1000

// Event is something an operator wants to see in the log. Expansions carry
// their pickup timeline; the others carry a message.
type Event struct {
	Kind    string
	At      time.Time // when it happened (for expansions: when first known)
	Message string

	// Expansion fields.
	From, To int
	By       string    // ByPartop or ByExternal
	Created  time.Time // CreatePartitions answered (partop-made only)
	Seen     time.Time // the watcher (or partop itself) knew of the new count
	Routed   time.Time // the producer's routing table first had To partitions
	FirstAck time.Time // the last of the new partitions got its first ack
	// Pickup runs from Created (or Seen, if external) to FirstAck; valid
	// once Done.
	Pickup time.Duration
	Done   bool
}

// Start is where an expansion's pickup latency is measured from.
func (e Event) Start() time.Time {
	if !e.Created.IsZero() {
		return e.Created
	}
	return e.Seen
}

// View is the producer's view of its topic: the first-class, observable
// value partition discovery maintains.
type View struct {
	// Partitions is how many partitions the producer routes records to, as
	// observed in its partitioner (0 until the first record is routed).
	Partitions int
	// Cluster is the partition count the watcher (or partop's own admin
	// call) last saw in the cluster.
	Cluster int
	// Leaders are the partitions' leaders from the latest metadata, by
	// partition id (-1: none).
	Leaders []int32
	// Generation counts changes of Partitions.
	Generation int
	ChangedAt  time.Time
	// Reason says why Partitions last changed.
	Reason string
	// WatchError is the watcher's latest error, empty once it recovers.
	WatchError string
	// MetadataRequests counts Metadata requests this producer sent.
	MetadataRequests int64
}
