package producer

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/cluster"
	"partop/engine"
)

// Partitioner names accepted by Config.Partitioner.
const (
	RoundRobin    = "round-robin"
	UniformSticky = "uniform-sticky" // kgo's default
	KeyHash       = "key-hash"       // murmur2, as the Java producer
	LeastBackup   = "least-backup"
)

// Partitioners lists the accepted partitioner names.
var Partitioners = []string{UniformSticky, RoundRobin, KeyHash, LeastBackup}

// Key modes accepted by Config.Keys.
const (
	KeysNone    = "none"
	KeysUniform = "uniform" // every key in the key space equally likely
	KeysZipf    = "zipf"    // a few hot keys, a long tail
)

// KeyModes lists the accepted key modes.
var KeyModes = []string{KeysNone, KeysUniform, KeysZipf}

// Defaults.
const (
	DefaultRate              = engine.DefaultRate // records/s
	DefaultValueSize         = 100
	DefaultKeySpace          = 1000
	DefaultDiscoveryInterval = time.Second
	DefaultFlushTimeout      = 10 * time.Second
	// minValueSize holds the run id and sequence number every value starts
	// with, so a reader can check for loss and duplicates.
	minValueSize = 16
)

// Config sets up a Producer.
type Config struct {
	Topic string
	// Rate is the target in records/s; 0 sends as fast as the cluster takes.
	Rate      float64
	ValueSize int    // bytes per value (default 100, at least 16)
	Keys      string // none (default), uniform or zipf
	KeySpace  int    // distinct keys (default 1000)
	// Partitioner is one of Partitioners (default uniform-sticky).
	Partitioner string
	// DiscoveryInterval is how often the watcher polls the topic's
	// metadata for partitions added by others (default 1s, jittered).
	DiscoveryInterval time.Duration
	// FlushTimeout bounds how long Close waits for in-flight records.
	FlushTimeout time.Duration
	// ClientOpts reach the cluster (seeds, TLS, SASL); the producer adds
	// its own producing options.
	ClientOpts []kgo.Opt
	// Paused starts the producer paused.
	Paused bool
}

// WithDefaults returns c with the documented default in every unset
// field. It is exported so that the Fluvio producer applies the same ones.
func (c Config) WithDefaults() Config {
	if c.ValueSize == 0 {
		c.ValueSize = DefaultValueSize
	}
	if c.KeySpace == 0 {
		c.KeySpace = DefaultKeySpace
	}
	if c.Keys == "" {
		c.Keys = KeysNone
		if c.Partitioner == KeyHash {
			c.Keys = KeysUniform // hashing no key would be sticky, not key-hash
		}
	}
	if c.Partitioner == "" {
		c.Partitioner = UniformSticky
	}
	if c.DiscoveryInterval == 0 {
		c.DiscoveryInterval = DefaultDiscoveryInterval
	}
	if c.FlushTimeout == 0 {
		c.FlushTimeout = DefaultFlushTimeout
	}
	return c
}

// Validate reports the first setting that cannot work, in words a user can
// act on. It applies defaults first.
func (c Config) Validate() error {
	c = c.WithDefaults()
	if err := cmp.Or(cluster.CheckTopicName(c.Topic), engine.CheckRate(c.Rate)); err != nil {
		return err
	}
	switch {
	case c.ValueSize < minValueSize:
		return fmt.Errorf("value size %d: must be at least %d bytes (run id and sequence number)", c.ValueSize, minValueSize)
	case c.ValueSize > 1<<20:
		return fmt.Errorf("value size %d: over 1 MiB, Kafka's default max message size", c.ValueSize)
	case !oneOf(c.Partitioner, Partitioners):
		return fmt.Errorf("unknown partitioner %q: want one of %s", c.Partitioner, strings.Join(Partitioners, ", "))
	case !oneOf(c.Keys, KeyModes):
		return fmt.Errorf("unknown key mode %q: want one of %s", c.Keys, strings.Join(KeyModes, ", "))
	case c.Keys == KeysNone && c.Partitioner == KeyHash:
		return fmt.Errorf("partitioner key-hash needs keys: use --keys uniform or --keys zipf")
	case c.KeySpace < 1 || c.KeySpace > 1<<24:
		return fmt.Errorf("key space %d: must be between 1 and %d", c.KeySpace, 1<<24)
	case c.DiscoveryInterval < 10*time.Millisecond:
		return fmt.Errorf("discovery interval %s: must be at least 10ms", c.DiscoveryInterval)
	case c.FlushTimeout < 0:
		return fmt.Errorf("flush timeout %s: must not be negative", c.FlushTimeout)
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
