package consumer

import (
	"cmp"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/rules"
	"partop/source"
)

// Config sets up partop's consumer group.
type Config struct {
	// Topic is the one topic the group consumes.
	Topic string
	// ClientOpts reach the cluster (seeds, TLS, SASL); the consumer adds
	// its own group and consuming options after them.
	ClientOpts []kgo.Opt
	// ConsumerConfig names the group, its protocol (empty: consumer where
	// every broker supports KIP-848, else classic) and its reset policy
	// (empty: latest, the Java client's default).
	source.ConsumerConfig
	// DiscoveryInterval is how often the consumer's client refreshes the
	// topic's metadata (default rules.DefaultDiscoveryInterval, as partop's
	// producer polls): a classic group's leader notices new partitions on
	// a refresh, so this bounds how late it asks for them.
	DiscoveryInterval time.Duration
}

// WithDefaults returns c with the documented default in every unset field
// but the group, which has to be named.
func (c Config) WithDefaults() Config {
	c.Reset = cmp.Or(c.Reset, rules.ResetLatest)
	c.DiscoveryInterval = cmp.Or(c.DiscoveryInterval, rules.DefaultDiscoveryInterval)
	return c
}

// CheckConfig reports the first setting that cannot work, in words a user
// can act on: the topic, the group name (empty, or longer than
// rules.MaxGroupName), an unknown protocol or reset policy, a by-duration
// that does not parse, the discovery interval. It applies defaults first.
func CheckConfig(c Config) error {
	_, err := c.WithDefaults().check()
	return err
}

// check validates c (defaults applied) and returns its reset policy.
func (c Config) check() (reset, error) {
	if err := rules.KafkaRules.CheckTopicName(c.Topic); err != nil {
		return reset{}, err
	}
	if err := rules.CheckGroupName(c.Group); err != nil {
		return reset{}, err
	}
	if err := rules.CheckConsumerProtocol(c.Protocol); err != nil {
		return reset{}, err
	}
	policy, d, err := rules.ParseReset(c.Reset)
	if err != nil {
		return reset{}, err
	}
	if err := rules.CheckDiscoveryInterval(c.DiscoveryInterval); err != nil {
		return reset{}, fmt.Errorf("discovery interval %s: %w", c.DiscoveryInterval, err)
	}
	return reset{policy: policy, d: d}, nil
}

// reset is a parsed reset policy.
type reset struct {
	policy string        // rules.ResetEarliest, ResetLatest or ResetByDuration
	d      time.Duration // by-duration's D
}

// offsets are kgo's start offset (a partition with no commit) and reset
// offset (a fetch out of range) for the policy, as of now.
//
// For by-duration the start offset is the first record at or after
// now-D, now being when the client is made; kgo's start offset is fixed
// then, so the consumer's AdjustFetchOffsetsFn replaces it on every
// assignment with one as of the moment the group's offsets were fetched,
// which is what KIP-1106 means (the Java client resets to the current time
// minus D). It recognizes it by equality: an Offset is comparable, and a
// committed offset is never an AfterMilli one. After data loss kgo's
// LookbackOffset keeps the last D before the newest record, its reading of
// by_duration.
func (r reset) offsets(now time.Time) (start, onLoss kgo.Offset) {
	switch r.policy {
	case rules.ResetEarliest:
		return kgo.NewOffset().AtStart(), kgo.NewOffset().AtStart()
	case rules.ResetByDuration:
		return r.after(now), kgo.LookbackOffset(r.d)
	default:
		return kgo.NewOffset().AtEnd(), kgo.NewOffset().AtEnd()
	}
}

// after is the by-duration offset as of now: the first record stamped at
// or after now-D (the end of the partition when there is none).
func (r reset) after(now time.Time) kgo.Offset {
	return kgo.NewOffset().AfterMilli(now.Add(-r.d).UnixMilli())
}
