// Package platform is the contract between partop's command line and the
// platforms it runs on (Kafka in backend/kafka, Fluvio in backend/fluvio).
// Each backend implements Platform: it defines its own flags (where its
// cluster is and how to reach it), gives its naming rules, refuses what it
// cannot do, and opens its Backend from its flags and the Common
// values every platform reads. main lists the backends' Platforms; package
// cmdline parses the command line with them and picks the one whose flags
// were given.
//
// It is a package of its own so that a backend can implement the contract
// without importing cmdline, which imports the engine (for --at): a backend
// imports neither the engine nor a view.
package platform

import (
	"context"
	"flag"
	"io"
	"time"

	"partop/overview"
	"partop/producer"
	"partop/rules"
	"partop/source"
)

// Backend is a cluster partop runs on, as Platform.Open opens it: main
// finds the topic and has the backend wire the sources of the run. (Here,
// not in package source, so that the engine, which imports source, knows
// nothing of what producers send.)
type Backend interface {
	// Name says where partop is connected, for the header: "embedded
	// 127.0.0.1:9092", a broker list, "fluvio 127.0.0.1:9003".
	Name() string
	// Platform names the platform in messages and on screen ("Kafka",
	// "Fluvio": its rules.Platform's Name).
	Platform() string
	// Embedded reports whether the cluster is partop's own, in-process:
	// its topics are created without being asked.
	Embedded() bool
	// Topic describes an existing topic; source.ErrUnknownTopic if there is none.
	Topic(ctx context.Context, name string) (source.Topic, error)
	// CreateTopic creates a topic with partitions and describes it; one
	// that someone else created meanwhile is described, not an error.
	CreateTopic(ctx context.Context, name string, partitions int) (source.Topic, error)
	// Producing wires the sources of a run where partop produces w on t:
	// partop's producer, and beside it a count of every producer's records
	// on t (end offsets) that shares the producer's view of the topic, the
	// groups poll, and, when consume is set, partop's own consumer group.
	Producing(ctx context.Context, w producer.Config, consume *source.ConsumerConfig, t source.Topic) (source.Sources, error)
	// Observing wires the sources of observe mode: a source that counts
	// every producer's records on t from end offsets and sends nothing,
	// and the groups poll beside it.
	Observing(ctx context.Context, t source.Topic) (source.Sources, error)
	// Close releases the connection (and an embedded cluster). Call it
	// after the sources are closed.
	Close()
}

// Censuser is a Backend that can take a census of its whole cluster for
// the topics view (Kafka; Fluvio not yet).
type Censuser interface {
	// Census returns the poller; groups: it lists the consumer groups
	// and their commits too.
	Census(groups bool) overview.Poller
}

// Platform is one backend's part of the command line.
type Platform interface {
	// Rules are the platform's naming rules (topic names, partitioners);
	// Rules().Name names the platform in messages and in --help.
	Rules() rules.Platform
	// DefineFlags defines the platform's own flags on fs and says how
	// --help shows them. A platform is chosen by giving any of its flags;
	// with none given, the first platform in main's list is.
	DefineFlags(fs *flag.FlagSet) Usage
	// Check refuses, after parsing, what the chosen platform cannot do
	// with its flags and the common values: one message per refusal,
	// naming the flags at fault. A refusal here exits 2, before anything
	// connects.
	Check(c Common) error
	// ConsumeDefault is --consume's value when it is not given: whether
	// partop runs its own consumer group unasked (only where that creates
	// no group on somebody's cluster).
	ConsumeDefault(c Common) bool
	// Open connects to the cluster the flags name (or starts it) as a
	// Backend. stderr is for what the user should know, such as
	// where an embedded cluster listens.
	Open(ctx context.Context, c Common, stderr io.Writer) (Backend, error)
}

// Usage is how --help shows a platform.
type Usage struct {
	// Title heads the platform's flags, e.g. "Kafka: the embedded cluster,
	// or yours with --brokers".
	Title string
	// Examples are command lines shown at the top of --help.
	Examples []Example
}

// Example is one command line in --help and what it does.
type Example struct {
	Args string // after "partop "
	Does string
}

// Common are the parsed, checked values of the flags every platform
// shares: plain values.
type Common struct {
	Topic      string
	Partitions int  // when partop creates the topic
	Create     bool // create the topic on a cluster partop does not own

	Observe bool // produce nothing: count every producer's records
	// Cluster is the topics view: --observe with no --topic, or a --topic
	// pattern; Internal shows the platform's internal topics in it.
	Cluster, Internal bool
	// TopicMatch is a --topic pattern's matcher (nil: no pattern given,
	// every topic).
	TopicMatch func(topic string) bool
	// Intervals: the producer's metadata watcher, end offsets, the
	// producers list (observe mode) and how long producers have to adopt
	// new partitions.
	DiscoveryInterval, PollInterval, ProducersInterval, ProducersGrace time.Duration

	Workload producer.Config // what partop sends

	// Consume runs partop's own consumer group beside its producer.
	Consume  bool
	Consumer source.ConsumerConfig
	// GroupsInterval is how often every consumer group on the topic is
	// polled; negative: never.
	GroupsInterval time.Duration
	// SampleBytes is what one round of the record sampler may fetch; 0:
	// records are not sampled.
	SampleBytes int

	// Given holds the names (without dashes) of the flags given on the
	// command line, the platform's own included.
	Given map[string]bool
}
