// Package platform is the contract between partop's command line and the
// platforms it runs on (Kafka in backend/kafka, Fluvio in backend/fluvio).
// Each backend implements Platform: it defines its own flags (where its
// cluster is and how to reach it), gives its naming rules, refuses what it
// cannot do, and opens its source.Backend from its flags and the Common
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

	"partop/producer"
	"partop/rules"
	"partop/source"
)

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
	// source.Backend. stderr is for what the user should know, such as
	// where an embedded cluster listens.
	Open(ctx context.Context, c Common, stderr io.Writer) (source.Backend, error)
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

	// Given holds the names (without dashes) of the flags given on the
	// command line, the platform's own included.
	Given map[string]bool
}
