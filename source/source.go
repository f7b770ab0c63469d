// Package source is the seam between partop's engine and the clusters it
// runs on. A backend (Kafka in backend/kafka, Fluvio in backend/fluvio)
// looks up and creates topics and makes traffic sources: partop's producer,
// and an observer that counts every producer's records from end offsets.
// The engine runs one source; main picks the backend from the flags, in
// one place.
//
// Data flows one way. A source feeds per-partition counts into its
// stats.Counters (the hot path: atomics, no lock) and reports everything
// else it learns — a look at the topic's metadata, the count it routes
// over, a failed record, a poll's end offsets — as a Fact through the
// Reporter the engine hands to Run. The engine owns what follows from the
// facts: the event log, the expansion timeline, the snapshot. Nothing calls
// back into a source except the engine's actions: Grow, and a Sender's rate
// and pause.
package source

import (
	"context"
	"errors"
	"time"

	"partop/stats"
)

// Sources are what a backend runs for one engine: its source, and what
// runs beside it, wired to each other inside the backend (the whole-topic
// count reads the producer's leaders, the groups poll the observer's end
// offsets), so main and the engine never connect sources.
type Sources struct {
	Source     Source    // the engine's source: partop's producer (a Sender) or the observer
	WholeTopic Companion // every producer's records while partop produces; nil in observe mode
	Consumer   Companion // partop's own consumer group; nil without --consume
	Groups     Runner    // every consumer group on the topic; nil where there is no groups poll
	Keys       Runner    // samples the topic's records (Sampled); nil where nothing samples
}

// ErrUnknownTopic is what Backend.Topic returns for a topic that does not
// exist.
var ErrUnknownTopic = errors.New("unknown topic")

// Topic is what the engine needs to know of a topic at start.
type Topic struct {
	Name string
	// Leaders are the partitions' leaders by partition id (-1: none).
	Leaders []int32
}

// Partitions is the topic's partition count.
func (t Topic) Partitions() int { return len(t.Leaders) }

// Source is where the engine's per-partition counts come from.
type Source interface {
	// About says what the engine needs to know before the source runs.
	About() About
	// Counters are the per-partition counts the source feeds.
	Counters() *stats.Counters
	// Run sends or polls until ctx ends, reporting facts to r, then
	// returns.
	Run(ctx context.Context, r Reporter)
	// Close stops the source, waits for what is in flight within the
	// source's own deadline, and releases it. The error says what was lost.
	Close() error
	// Grow adds partitions to the topic; target maps the current count to
	// the wanted total. The source makes the admin call and starts using
	// the new partitions at once; the engine records the expansion as
	// partop's.
	Grow(ctx context.Context, target func(current int) int) (from, to int, err error)
}

// Sender is a Source that sends records: the rate and pause actions apply
// to it.
type Sender interface {
	Source
	Rate() float64 // target records/s; 0: as fast as the cluster takes
	SetRate(r float64) error
	Paused() bool
	SetPaused(paused bool)
}

// Holder is a Sender that can tell how many records it holds: handed to
// its client, neither acknowledged nor failed yet. While the cluster does
// not answer, records wait there; they are not lost. The engine asks on
// every snapshot, so Held is cheap (a counter read).
type Holder interface {
	Held() int64
}

// About is what a source is, as the engine needs to know it.
type About struct {
	// Leaders are the topic's partitions' leaders when the source was made.
	Leaders []int32
	// Routes says the source reports the partition count it routes records
	// over (Routed); if not, the engine takes the cluster's count.
	Routes bool
	// Stepped says the source's counts change in steps at known times (it
	// reports Step): the engine samples at each step instead of on its
	// tick, so a rate divides what a step added by the real time between
	// steps.
	Stepped bool
	// Partitioner and Keyed describe what a Sender sends.
	Partitioner string
	Keyed       bool
	// Placement names what places a Sender's records, as an operator
	// would look for it: the hash when the partitioner hashes keyed records
	// ("key-hash, murmur2" on Kafka, "key-hash, SipHash" on Fluvio), else
	// the partitioner. The backend knows which of its partitioners hash
	// keys; empty means Partitioner.
	Placement string
	// GivesUpAfter is how long a Holder keeps trying a record the cluster
	// does not take before it fails it (Fluvio's producer: a few seconds,
	// since it has no idempotent retries); 0: it keeps every record until
	// the cluster answers (kgo), so what it holds in an outage is waiting,
	// not lost.
	GivesUpAfter time.Duration
	// NoProducers says why the source lists no producers (it never
	// reports ProducersSeen): the platform has no request for it, or
	// listing is turned off. Empty: it lists them, or it is not asked to
	// (partop's producer).
	NoProducers string
	// NoPlacement says why the source cannot place the partitions it
	// adds (it is no Placer), as the refusal of balanced placement reads;
	// empty: the engine's generic reason.
	NoPlacement string
	// SlowNote explains a pickup whose first records came SlowAfter or
	// more after the new partitions were routed (the source knows why: its
	// partitioner); empty: no note.
	SlowNote  string
	SlowAfter time.Duration
}
