package discovery

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
	KindSession   = "session" // a viewer joined or left
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
	Created  time.Time // the admin call that added them answered (partop-made only)
	Seen     time.Time // the watcher (or partop itself) knew of the new count
	Routed   time.Time // the source's routing table first had To partitions (zero when it cannot tell)
	FirstAck time.Time // the last of the new partitions got its first record
	// Balanced is when every new partition first carried at least
	// BalancedShare of the fair share (over the balance window).
	Balanced time.Time
	// Pickup runs from Start() to FirstAck; valid once Done.
	Pickup time.Duration
	Done   bool
	// Note explains a slow pickup when the source knows why (a sticky
	// partitioner fills one batch per partition at a time).
	Note string
}

// BalancedShare is the fraction of fair share a new partition must reach for
// an expansion to count as balanced; the dashboard marks partitions below it
// as new.
const BalancedShare = 0.8

// Start is where an expansion's pickup latency is measured from.
func (e Event) Start() time.Time {
	if !e.Created.IsZero() {
		return e.Created
	}
	return e.Seen
}

// View is a source's view of its topic: the first-class, observable value
// partition discovery maintains.
type View struct {
	// Partitions is how many partitions the source routes records to (0
	// until the first record is routed). Sources that cannot tell (observe
	// mode) report the cluster's count.
	Partitions int
	// Cluster is the partition count the watcher (or partop's own admin
	// call) last saw in the cluster.
	Cluster int
	// Leaders are the partitions' leaders from the latest metadata, by
	// partition id (-1: none).
	Leaders []int32
	// WatchError is the watcher's latest error, empty once it recovers.
	WatchError string
	// MetadataRequests counts metadata requests the source sent: the
	// steady-state cost of discovery.
	MetadataRequests int64
	// EndOffsets are the partitions' end offsets (high watermarks) as of
	// the latest poll, by partition id (-1: not known yet), where the
	// source polls them (observe mode).
	EndOffsets []int64
}
