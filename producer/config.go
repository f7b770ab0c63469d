// Package producer is what partop's producers share, on Kafka and on
// Fluvio alike: the records (values that carry a run id and a sequence
// number, keys by key mode), the pacer that holds a target rate and
// pauses, the run-once, stop-once lifecycle of a send loop, and the
// choosing of partitions that is the same on every platform
// (partition.go: partop's default, batch-round-robin; round-robin;
// uniform-sticky's byte budget; keyed records by a platform's hash). The producers add only what their platform
// needs: a client, partition discovery, and how keys are hashed; each
// client lives in its backend.
//
// What lives where: Fluvio's producer (backend/fluvio) places records
// itself with NewPartitioner and its own key hash (SipHash, as Fluvio's
// producer). Kafka's (backend/kafka/kproducer) lets kgo place them through
// kgo's Partitioner interface, with kgo's own partitioners (murmur2 as the
// Java client), and partop's default, BatchRoundRobin, behind kgo's
// interface (a turn ends after kgo's linger, timed by a clock the send loop
// stamps once a chunk). A third
// backend whose client places records itself uses NewPartitioner with its
// platform's hash.
package producer

import (
	"cmp"
	"fmt"
	"time"

	"partop/rules"
)

// Config is what a producer sends, and where.
type Config struct {
	Topic string
	// Rate is the target in records/s; 0 sends as fast as the cluster takes.
	Rate      float64
	ValueSize int    // bytes per value (default rules.DefaultValueSize, at least rules.MinValueSize)
	Keys      string // one of rules.KeyModes (default none; uniform with key-hash)
	KeySpace  int    // distinct keys (default rules.DefaultKeySpace)
	// Partitioner is one of rules.Partitioners (default
	// rules.DefaultPartitioner, batch-round-robin).
	Partitioner string
	// FlushTimeout bounds how long Close waits for in-flight records
	// (default rules.DefaultFlushTimeout).
	FlushTimeout time.Duration
	// Paused starts the producer paused.
	Paused bool
}

// WithDefaults returns c with the documented default in every unset field.
func (c Config) WithDefaults() Config {
	c.ValueSize = cmp.Or(c.ValueSize, rules.DefaultValueSize)
	c.KeySpace = cmp.Or(c.KeySpace, rules.DefaultKeySpace)
	c.Partitioner = cmp.Or(c.Partitioner, rules.DefaultPartitioner)
	if c.Keys == "" {
		c.Keys = rules.KeysNone
		if c.Partitioner == rules.KeyHash {
			c.Keys = rules.KeysUniform // hashing no key would be sticky, not key-hash
		}
	}
	c.FlushTimeout = cmp.Or(c.FlushTimeout, rules.DefaultFlushTimeout)
	return c
}

// Keyed reports whether the records carry keys.
func (c Config) Keyed() bool { return c.WithDefaults().Keys != rules.KeysNone }

// Validate reports the first setting that cannot work on platform, in
// words a user can act on. It applies defaults first.
func (c Config) Validate(platform rules.Platform) error {
	c = c.WithDefaults()
	if err := platform.CheckTopicName(c.Topic); err != nil {
		return err
	}
	if err := rules.CheckRate(c.Rate); err != nil {
		return err
	}
	if err := rules.CheckValueSize(c.ValueSize); err != nil {
		return fmt.Errorf("value size %d: %w", c.ValueSize, err)
	}
	if err := platform.CheckPartitioner(c.Partitioner); err != nil {
		return err
	}
	if err := rules.CheckKeys(c.Keys, c.Partitioner); err != nil {
		return err
	}
	if err := rules.CheckKeySpace(c.KeySpace); err != nil {
		return fmt.Errorf("key space %d: %w", c.KeySpace, err)
	}
	if c.FlushTimeout < 0 {
		return fmt.Errorf("flush timeout %s: must not be negative", c.FlushTimeout)
	}
	return nil
}

// SlowPickupAfter is when a pickup counts as slow enough to explain.
const SlowPickupAfter = 250 * time.Millisecond

// StickyNote explains why uniform-sticky picks new partitions up slowly.
const StickyNote = "why: uniform-sticky fills 64 KiB on one partition before it picks another (round-robin spreads at once)"
