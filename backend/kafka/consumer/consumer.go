package consumer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/rules"
	"partop/source"
	"partop/stats"
)

// Consumer is partop's own consumer group on one topic. It is a
// source.Companion: create it with New, run it with Run, stop it with
// Close.
type Consumer struct {
	cfg      Config
	protocol string // what New decided; ConsumerStarted says what kgo did
	reset    reset
	cl       *kgo.Client
	counters *stats.Counters
	reports  source.Reports

	// firstFetched marks the partitions whose first record was reported:
	// only Run's poll loop reads and writes it.
	firstFetched []bool
	// started is set once ConsumerStarted was reported (the first
	// assignment, in kgo's callback goroutine).
	started atomic.Bool
	// groupKey is the last group request kgo wrote: ConsumerGroupHeartbeat
	// (KIP-848) or JoinGroup (classic). kgo falls back to classic if a
	// broker refuses KIP-848 after advertising it.
	groupKey atomic.Int32

	commitMu  sync.Mutex
	committed map[int32]bool // partitions whose first commit was reported

	// fromCommit marks the partitions whose fetch started at a committed
	// offset (another member's, or an earlier run's) rather than at the
	// reset policy's: only a reset start skips records.
	startMu    sync.Mutex
	fromCommit map[int32]bool

	stop      chan struct{} // closed by Close
	running   atomic.Bool   // Run has begun
	done      chan struct{} // closed when Run returns
	closeOnce sync.Once
	closeErr  error
}

// Group request keys, as kgo's hooks see them.
const (
	keyJoinGroup         = int16(kmsg.JoinGroup)              // 11: classic
	keyConsumerGroupBeat = int16(kmsg.ConsumerGroupHeartbeat) // 68: KIP-848
	// kip848MinVersion: kgo runs KIP-848 only at ConsumerGroupHeartbeat v1
	// (Kafka 4.0); Kafka 3.7-3.9's early access has v0.
	kip848MinVersion = 1
)

const (
	// commitEvery: a partition's first commit follows its first records
	// within about a second (kgo's default is 5 s).
	commitEvery = time.Second
	// fetchMaxWait: see opts.
	fetchMaxWait = 500 * time.Millisecond
	// closeTimeout bounds Close's wait for Run and its last commit.
	closeTimeout   = 5 * time.Second
	flagToFallBack = "--consumer-protocol " + rules.ProtocolClassic
)

var _ source.Companion = (*Consumer)(nil)

// ErrNoKIP848 is returned by New when the consumer protocol was asked for
// and the cluster does not support it.
var ErrNoKIP848 = errors.New("the cluster does not support KIP-848 consumer groups")

// New checks cfg, decides the group protocol and makes the consumer's
// client. It asks every broker for its API versions (one ApiVersions
// request each): KIP-848 needs ConsumerGroupHeartbeat v1+ (Kafka 4.0) on
// every broker, since any of them may be the group's coordinator. Asked for
// the consumer protocol on a cluster without it, New fails naming the flag
// to fall back with; with Protocol empty it picks consumer where supported,
// else classic. Nothing is consumed before Run.
func New(ctx context.Context, cfg Config) (*Consumer, error) {
	cfg = cfg.WithDefaults()
	rs, err := cfg.check()
	if err != nil {
		return nil, err
	}
	has848, why, err := supportsKIP848(ctx, cfg.ClientOpts)
	if err != nil {
		return nil, fmt.Errorf("consumer group %q: %w", cfg.Group, err)
	}
	protocol := cfg.Protocol
	switch {
	case protocol == rules.ProtocolConsumer && !has848:
		return nil, fmt.Errorf("consumer group %q: %w (%s): use %s", cfg.Group, ErrNoKIP848, why, flagToFallBack)
	case protocol == "" && has848:
		protocol = rules.ProtocolConsumer
	case protocol == "":
		protocol = rules.ProtocolClassic
	}
	c := &Consumer{
		cfg: cfg, protocol: protocol, reset: rs,
		counters:  stats.NewCounters(0),
		committed: map[int32]bool{}, fromCommit: map[int32]bool{},
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	cl, err := kgo.NewClient(c.opts(time.Now())...)
	if err != nil {
		return nil, fmt.Errorf("consumer client: %w", err)
	}
	c.cl = cl
	return c, nil
}

// opts are the client's options: the user's, then the group's.
func (c *Consumer) opts(now time.Time) []kgo.Opt {
	start, onLoss := c.reset.offsets(now)
	// A classic group's leader asks for new partitions when a metadata
	// refresh shows them; kgo refreshes every MetadataMaxAge (5 min by
	// default), which would hide an expansion from the group for minutes.
	minAge := min(c.cfg.DiscoveryInterval, time.Second)
	opts := append(slices.Clip(c.cfg.ClientOpts),
		kgo.ConsumerGroup(c.cfg.Group), // the topic is added by Run: kgo joins on NewClient otherwise
		kgo.ConsumeStartOffset(start),
		kgo.ConsumeResetOffset(onLoss),
		kgo.MetadataMinAge(minAge),
		kgo.MetadataMaxAge(c.cfg.DiscoveryInterval),
		// A partition newly assigned joins the next fetch to its leader;
		// one in flight waits up to FetchMaxWait for data first (kgo: 5 s)
		// when the other partitions there are idle. 500 ms is the Java
		// client's fetch.max.wait.ms.
		kgo.FetchMaxWait(fetchMaxWait),
		kgo.OnPartitionsAssigned(c.assigned),
		kgo.OnPartitionsRevoked(c.revoked),
		kgo.OnPartitionsLost(c.revoked),
		kgo.AutoCommitInterval(commitEvery),
		kgo.AutoCommitCallback(c.onCommit),
		kgo.WithHooks(groupProtocolHook{c}),
	)
	opts = append(opts, kgo.AdjustFetchOffsetsFn(c.adjustStarts(start)))
	if c.protocol == rules.ProtocolConsumer {
		// kgo's default balancer (cooperative-sticky) maps to the
		// broker's uniform assignor.
		opts = append(opts, kgo.ServerSideBalancer())
	}
	return opts
}

// supportsKIP848 asks every broker for its API versions. why says which
// brokers lack ConsumerGroupHeartbeat v1 when not every one has it.
func supportsKIP848(ctx context.Context, clientOpts []kgo.Opt) (ok bool, why string, err error) {
	cl, err := kgo.NewClient(slices.Clip(clientOpts)...)
	if err != nil {
		return false, "", fmt.Errorf("client options: %w", err)
	}
	defer cl.Close()
	vs, err := kadm.NewClient(cl).ApiVersions(ctx)
	if err != nil {
		return false, "", fmt.Errorf("ask the brokers for their API versions: %w", err)
	}
	var lacking []string
	var firstErr error
	answered := 0
	for _, v := range vs.Sorted() {
		if v.Err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("broker %d: %w", v.NodeID, v.Err))
			continue
		}
		answered++
		if top, ok := v.KeyMaxVersion(keyConsumerGroupBeat); !ok {
			lacking = append(lacking, fmt.Sprintf("broker %d has no ConsumerGroupHeartbeat", v.NodeID))
		} else if top < kip848MinVersion {
			lacking = append(lacking, fmt.Sprintf("broker %d has ConsumerGroupHeartbeat up to v%d, KIP-848 needs v%d (Kafka 4.0)", v.NodeID, top, kip848MinVersion))
		}
	}
	if answered == 0 {
		return false, "", fmt.Errorf("ask the brokers for their API versions: %w", cmp.Or(firstErr, errors.New("no broker listed")))
	}
	return len(lacking) == 0, strings.Join(lacking, "; "), nil
}

// adjustStarts sees where each newly assigned partition starts: at a
// commit, or at start, the reset policy's offset (a partition with no
// commit), which by-duration replaces with one as of now (see
// reset.offsets). kgo calls it before the offsets are used.
func (c *Consumer) adjustStarts(start kgo.Offset) func(context.Context, map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	return func(_ context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
		now := c.reset.after(time.Now())
		c.startMu.Lock()
		defer c.startMu.Unlock()
		for topic, parts := range offsets {
			for p, o := range parts {
				if topic == c.cfg.Topic {
					c.fromCommit[p] = o != start
				}
				if o == start && c.reset.policy == rules.ResetByDuration {
					parts[p] = now
				}
			}
		}
		return offsets, nil
	}
}

// startedFromCommit reports whether partition p's fetch started at a
// committed offset.
func (c *Consumer) startedFromCommit(p int32) bool {
	c.startMu.Lock()
	defer c.startMu.Unlock()
	return c.fromCommit[p]
}

// Counters count the records the group read, per partition (one Ack per
// record), for the engine to sample read rates from.
func (c *Consumer) Counters() *stats.Counters { return c.counters }

// Protocol is the group protocol New decided on.
func (c *Consumer) Protocol() string { return c.protocol }

// groupProtocolHook notes which group request kgo writes.
type groupProtocolHook struct{ c *Consumer }

func (h groupProtocolHook) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, _ error) {
	if key == keyJoinGroup || key == keyConsumerGroupBeat {
		h.c.groupKey.Store(int32(key))
	}
}

// usedProtocol is the protocol of the group requests kgo sent, or the one
// New decided before any.
func (c *Consumer) usedProtocol() string {
	switch int16(c.groupKey.Load()) {
	case keyJoinGroup:
		return rules.ProtocolClassic
	case keyConsumerGroupBeat:
		return rules.ProtocolConsumer
	}
	return c.protocol
}
