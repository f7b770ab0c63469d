// Package cluster connects partop to where its records go: an embedded
// in-process Kafka-protocol cluster (kfake) by default, or brokers the user
// names. It also does the admin work partop needs on a topic: make sure it
// exists, describe its partitions, add partitions, and list their offsets
// (ListOffsets, the one place partop asks for end, start or by-time
// offsets).
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultConnectTimeout bounds how long Connect waits for brokers to answer.
const DefaultConnectTimeout = 10 * time.Second

// Config says which cluster to use and how to reach it.
type Config struct {
	// Brokers are seed addresses (host:port). Empty means: start the
	// embedded cluster.
	Brokers []string
	// Security says how to reach the brokers: TLS and SASL. Open turns it
	// into client options (Security.Opts) that every client partop makes
	// gets. Leave it zero for the embedded cluster, which is plaintext
	// without SASL.
	Security Security
	// Opts are extra client options for every client, appended after
	// Security's. (kgo refuses DialTLSConfig here with TLS in Security.)
	Opts []kgo.Opt
	// ConnectTimeout bounds the first contact (default 10s).
	ConnectTimeout time.Duration
	// Embedded configures the embedded cluster when Brokers is empty.
	Embedded EmbeddedConfig
}

// Cluster is a reachable Kafka-protocol cluster and an admin client for it.
type Cluster struct {
	seeds []string
	opts  []kgo.Opt
	fake  *kfake.Cluster // nil unless embedded
	emb   EmbeddedConfig

	client *kgo.Client
	adm    *kadm.Client

	closeOnce sync.Once
}

// Open starts the embedded cluster or connects to the given brokers, and
// checks that they answer within the connect timeout.
func Open(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	opts, err := cfg.Security.Opts()
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: append(opts, cfg.Opts...)}
	if len(cfg.Brokers) == 0 {
		fake, err := startEmbedded(cfg.Embedded)
		if err != nil {
			return nil, err
		}
		c.fake, c.emb = fake, cfg.Embedded.withDefaults()
		c.seeds = fake.ListenAddrs()
	} else {
		for _, b := range cfg.Brokers {
			if _, _, err := net.SplitHostPort(b); err != nil {
				return nil, fmt.Errorf("broker address %q: want host:port", b)
			}
		}
		c.seeds = cfg.Brokers
	}
	if err := c.connect(ctx, cfg.ConnectTimeout); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// connect makes the admin client and proves the brokers answer. kgo retries
// dials quietly, so a hook keeps the last dial error to say why they don't.
func (c *Cluster) connect(ctx context.Context, timeout time.Duration) error {
	dials := &dialErrors{}
	opts := append(c.ClientOpts(), kgo.WithHooks(dials))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("client options: %w", err)
	}
	c.client, c.adm = cl, kadm.NewClient(cl)
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := cl.Ping(pctx); err != nil {
		why := dials.last()
		if why == nil {
			why = err
		}
		if errors.Is(why, kerr.SaslAuthenticationFailed) || strings.Contains(why.Error(), kerr.SaslAuthenticationFailed.Message) {
			return fmt.Errorf("authentication failed at brokers %s (check --sasl-user, the password and --sasl-mechanism): %w", strings.Join(c.seeds, ","), why)
		}
		if pctx.Err() != nil {
			return fmt.Errorf("no answer from brokers %s within %s: %w", strings.Join(c.seeds, ","), timeout, why)
		}
		return fmt.Errorf("cannot reach brokers %s: %w", strings.Join(c.seeds, ","), why)
	}
	return nil
}

type dialErrors struct {
	mu  sync.Mutex
	err error
}

func (d *dialErrors) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err == nil {
		return
	}
	d.mu.Lock()
	d.err = fmt.Errorf("%s:%d: %w", meta.Host, meta.Port, err)
	d.mu.Unlock()
}

func (d *dialErrors) last() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// ClientOpts returns the options a new client needs to reach this cluster:
// seed brokers plus any security options.
func (c *Cluster) ClientOpts() []kgo.Opt {
	return append([]kgo.Opt{kgo.SeedBrokers(c.seeds...)}, c.opts...)
}

// Client is the cluster's admin client, shared: callers must not close
// it (Close does).
func (c *Cluster) Client() *kgo.Client { return c.client }

// Seeds are the bootstrap addresses.
func (c *Cluster) Seeds() []string { return append([]string(nil), c.seeds...) }

// Embedded reports whether this is partop's in-process cluster.
func (c *Cluster) Embedded() bool { return c.fake != nil }

// Name describes the cluster for people: "embedded 127.0.0.1:9092" or the
// broker list.
func (c *Cluster) Name() string {
	if c.fake != nil {
		return "embedded " + c.seeds[0]
	}
	return strings.Join(c.seeds, ",")
}

// Close stops the admin client and, if embedded, the cluster.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		if c.client != nil {
			c.client.Close()
		}
		if c.fake != nil {
			c.fake.Close()
		}
	})
}

// ErrUnknownTopic is returned when the topic does not exist and partop was
// not asked to create it.
var ErrUnknownTopic = errors.New("unknown topic")
