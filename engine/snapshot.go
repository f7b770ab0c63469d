package engine

import (
	"time"

	"partop/keys"
	"partop/source"
	"partop/stats"
)

// Info is what never changes while the engine runs.
type Info struct {
	Cluster     string // where partop is connected: "embedded 127.0.0.1:9092", the broker list
	Platform    string // the backend's platform, as refusals name it ("Kafka"); empty: "the cluster"
	Topic       string
	Mode        string // ModeProduce or ModeObserve
	Partitioner string // the producer's partitioner; empty when partop sends nothing
	Keyed       bool   // partop's records carry keys
	// Placement names what places partop's records (source.About's):
	// "key-hash, murmur2" when the partitioner hashes keyed records, else
	// Partitioner; empty when partop sends nothing.
	Placement string
	// AddPlace is who places the partitions partop adds when an action
	// does not say (Config.Place): rules.PlaceCluster or PlaceBalanced.
	AddPlace string
	// NoPlacement says why balanced placement is refused here (the
	// platform cannot place partitions: source.About's); empty: it works.
	NoPlacement string
	// GivesUpAfter is how long partop's producer keeps a record the
	// cluster does not take before failing it (source.About's); 0: until
	// the cluster answers.
	GivesUpAfter time.Duration
	// Group, GroupProtocol and GroupReset describe partop's own consumer
	// group once it is up (--consume); empty without one.
	Group, GroupProtocol, GroupReset string
	Tick                             time.Duration
	Start                            time.Time // when Run began: uptime and --at offsets count from it
}

// Modes.
const (
	ModeProduce = "produce"
	ModeObserve = "observe"
)

// Snapshot is the engine's state as of its latest sample. The engine
// publishes a new one on every tick and after every action; readers share
// it, so nothing in it may be modified (slices included).
type Snapshot struct {
	Info
	Seq        uint64 // increases with every snapshot published
	Stats      stats.Snapshot
	TopicState TopicState
	// Unsettled says, by partition, that an expansion added it and it has
	// not yet carried BalancedShare of its fair share.
	Unsettled []bool
	Events    []Event // oldest first, the latest 1,000
	// Pickups are the latest 1,000 pickups of expansions, oldest first,
	// kept apart from Events so that other events cannot push them out:
	// see PickupsSince.
	Pickups    []Pickup
	TargetRate float64 // records/s; 0: unlimited
	Paused     bool
	Sending    bool     // the source sends records (rate and pause apply)
	Schedule   []Action // the --at actions, sorted by offset
	// Outcomes are the scheduled actions carried out so far, in order.
	Outcomes []Outcome
	Stopped  bool // the engine has stopped: this is the final snapshot
	// TopicRate is every producer's records/s on the topic, from end
	// offsets, when the engine counts the whole topic beside its source
	// (TopicKnown).
	TopicRate  float64
	TopicKnown bool
	// Producers are the producer ids writing to the topic, where the
	// source can tell (observe mode on Kafka 2.8+).
	Producers source.Producers
	// Groups are the consumer groups on the topic as the latest groups
	// poll saw them.
	Groups source.Groups
	// Keys is the latest sample of each partition's records, where a
	// sampler runs (Config.Keys); KeysDenied says the cluster refused it.
	Keys        keys.Sample
	KeyAnalysis keys.Analysis // of Keys: the partitioner, the hottest keys
	KeysVersion int           // goes up with each new KeyAnalysis
	KeysDenied  bool
	// Reads are partop's own consumer's reads per partition (--consume);
	// zero without one.
	Reads stats.Snapshot
	// Unanswered is when the cluster last answered, while it does not:
	// the source's metadata looks fail and for UnansweredAfter or longer
	// no record was acknowledged and no poll came back. Zero while it
	// answers.
	Unanswered time.Time
	// Held is how many records partop's producer holds: handed to its
	// client, neither acknowledged nor failed yet (waiting, not lost,
	// while the cluster does not answer). -1 when the source cannot tell
	// or sends nothing.
	Held int64
}

// TopicState is the topic as the engine knows it from the source's facts:
// the first-class, observable value partition discovery maintains.
type TopicState struct {
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
	// Replicas are each partition's replicas and Brokers the cluster's
	// brokers, from the latest metadata where the source tells them
	// (Kafka); nil before or where it does not.
	Replicas [][]int32
	Brokers  []source.Broker
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

// Outcome is what became of a scheduled action.
type Outcome struct {
	Action Action
	At     time.Time
	Err    string // empty when it was carried out
}

// PickupsSince returns the pickups recorded after the one with ID id,
// oldest first (all of them for 0). The pickups' IDs are consecutive, so
// a reader that remembers the last ID it took counts each pickup once,
// whatever was logged meanwhile, as long as it asks again before 1,000
// more pickups are recorded.
func (s *Snapshot) PickupsSince(id uint64) []Pickup {
	if len(s.Pickups) == 0 {
		return nil
	}
	first := s.Pickups[0].ID
	if id < first {
		return s.Pickups
	}
	return s.Pickups[min(id-first+1, uint64(len(s.Pickups))):]
}

// Failed lists the scheduled actions that failed, as "OFFSET:ACTION: why".
func (s *Snapshot) Failed() []string {
	var out []string
	for _, o := range s.Outcomes {
		if o.Err != "" {
			out = append(out, o.Action.At.String()+":"+o.Action.String()+": "+o.Err)
		}
	}
	return out
}
