package kproducer

import (
	"cmp"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/producer"
	"partop/rules"
)

// Config sets up a Producer: what it sends (producer.Config) and how it
// reaches Kafka.
type Config struct {
	producer.Config
	// DiscoveryInterval is how often the watcher polls the topic's
	// metadata for partitions added by others (default
	// rules.DefaultDiscoveryInterval, jittered).
	DiscoveryInterval time.Duration
	// ClientOpts reach the cluster (seeds, TLS, SASL); the producer adds
	// its own producing options.
	ClientOpts []kgo.Opt
}

// WithDefaults returns c with the documented default in every unset field.
func (c Config) WithDefaults() Config {
	c.Config = c.Config.WithDefaults()
	c.DiscoveryInterval = cmp.Or(c.DiscoveryInterval, rules.DefaultDiscoveryInterval)
	return c
}

// Validate reports the first setting that cannot work, in words a user can
// act on. It applies defaults first.
func (c Config) Validate() error {
	c = c.WithDefaults()
	if err := c.Config.Validate(rules.KafkaRules); err != nil {
		return err
	}
	if err := rules.CheckDiscoveryInterval(c.DiscoveryInterval); err != nil {
		return fmt.Errorf("discovery interval %s: %w", c.DiscoveryInterval, err)
	}
	return nil
}
