package source

import (
	"sync/atomic"
	"time"

	"partop/keys"
)

// Fact is something a source learned, reported to the engine. The engine
// owns what follows from it: an event, an expansion, the snapshot.
type Fact interface{ fact() }

// Metadata is a fresh look at the topic: its partitions' leaders by id,
// or the error that kept the source from looking. A look with more
// partitions than the engine knows is an expansion (someone else's, unless
// partop's own Grow is in flight).
type Metadata struct {
	Leaders []int32
	// Replicas are each partition's replicas (the leader among them) and
	// Brokers the cluster's brokers, where the source's look tells them
	// (Kafka); nil where it does not.
	Replicas [][]int32
	Brokers  []Broker
	Err      error
}

// Broker is one broker of the cluster and its rack ("" where not set).
type Broker struct {
	ID   int32
	Rack string
}

// Routed says the partition count the source routes records over changed
// (its routing table now has the new partitions).
type Routed struct{ Partitions int }

// RecordFailed says a record failed on Partition (-1: before a partition
// was chosen). The counters count every one; the engine logs at most one
// problem every 5 s, formatting the message only then.
type RecordFailed struct {
	Partition int32
	Err       error
}

// Problem is an error that may repeat many times a second (a poll that
// fails); the engine logs at most one problem every 5 s.
type Problem struct{ Message string }

// Notice is a one-off event for the log: a leader going offline, coming
// back.
type Notice struct {
	Message string
	Error   bool
}

// EndOffsets are the partitions' end offsets as of a poll, by partition id
// (-1: not known). The slice is handed over: the source does not write to
// it again.
type EndOffsets struct{ Offsets []int64 }

// ProducersSeen is the latest look at who writes to the topic.
type ProducersSeen struct{ Producers Producers }

// Step says the counts changed as of At (a Stepped source's poll).
type Step struct{ At time.Time }

// MetadataSent counts one Metadata request the source sent: the
// steady-state cost of discovery.
type MetadataSent struct{}

// FirstWrite is the first record on a partition as the record itself
// dates it (observe mode reads it after an expansion): the fleet's first
// write there, to the millisecond, instead of the poll that saw the end
// offset move. LogAppendTime says the broker, not the producer, stamped it.
type FirstWrite struct {
	Partition     int32
	At            time.Time
	LogAppendTime bool
}

// Sampled is a round of the record sampler: each partition in it has a
// fresh sample (replacing its earlier one); partitions not in it keep
// theirs. Denied says the cluster refused to let partop read the topic.
type Sampled struct {
	Sample keys.Sample
	Denied bool
}

func (Sampled) fact()       {}
func (Metadata) fact()      {}
func (Routed) fact()        {}
func (RecordFailed) fact()  {}
func (Problem) fact()       {}
func (Notice) fact()        {}
func (EndOffsets) fact()    {}
func (ProducersSeen) fact() {}
func (Step) fact()          {}
func (MetadataSent) fact()  {}
func (FirstWrite) fact()    {}

// Reporter takes a source's facts. Report is quick and never blocks on
// I/O: sources call it from their hot paths (a failed record).
type Reporter interface{ Report(Fact) }

// Reports holds the Reporter a source was given by Run. Facts reported
// before Run, or by a source nobody runs (a test calling Grow), go
// nowhere. Safe for concurrent use.
type Reports struct{ to atomic.Pointer[reporterBox] }

type reporterBox struct{ r Reporter }

// Set makes r the destination of every later Report.
func (rs *Reports) Set(r Reporter) { rs.to.Store(&reporterBox{r}) }

// Report hands f to the Reporter given to Set, if any.
func (rs *Reports) Report(f Fact) {
	if b := rs.to.Load(); b != nil {
		b.r.Report(f)
	}
}
