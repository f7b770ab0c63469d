// Package groups is Kafka's consumer-groups poller: every group with a
// stake in the topic (subscribed to it, assigned its partitions, or with
// commits on it), what each has of the topic's partitions, its commits and
// its lag, reported to the engine as source.GroupsSeen after every poll.
//
// A poll is ListGroups on every broker; DescribeGroups for classic groups
// and ConsumerGroupDescribe for KIP-848 groups (each group's protocol from
// ListGroups' group type, Kafka 3.8+); one OffsetFetch for every group's
// commits; the end offsets partop already polls; and the log start of only
// the partitions a group has assigned with no commit yet, whose lag is
// everything on them.
//
// After an expansion the engine asks for a burst (source.Burster): the
// assignments of only the groups with a stake in the topic (DescribeGroups
// and ConsumerGroupDescribe, nothing else) every BurstEvery, until each
// has every new partition or BurstFor passes, reported as
// source.AssignmentsSeen, so each group's assignment is timed to a
// fraction of a second. The engine asks, rather than the poller watching
// the partition count itself: the engine already knows of every expansion
// the moment it logs it (partop's own from its admin call, anyone's from
// the source's metadata watch), where the poller would need a fast
// metadata watch of its own. The burst runs beside the polls, in its own
// goroutine, sharing only what Poller.mu guards.
//
// The engine then asks (source.Backdater) for the end offsets the new
// partitions had at the ends of each group's assignment bracket: the
// poller asks the leaders by timestamp (ListOffsets, the first offset at
// or after the time) DateAfter later, so what a group found unread when
// it was assigned comes from the records' own times, not from when a
// look ran.
//
// What a group is, when it is not an ordinary subscribed group, is said in
// its note rather than guessed: commits with no members (a manually
// assigned consumer, committing with generation -1), no commits on the
// topic yet, an empty group whose commits will expire.
package groups

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/rules"
	"partop/source"
)

// Config sets up a Poller.
type Config struct {
	Topic string
	// ClientOpts reach the cluster (seeds, TLS, SASL).
	ClientOpts []kgo.Opt
	// Interval is how often the groups are polled (default
	// rules.DefaultGroupsInterval, at least rules.MinGroupsInterval: each
	// poll lists and describes every group on the cluster and fetches
	// their commits, work for every group coordinator, while members
	// heartbeat every 3-5 s and commit every 5 s by default, so a faster
	// poll sees nothing new).
	Interval time.Duration
	// EndOffsets gives the topic's end offsets by partition id (-1: not
	// known) from the observer that already polls them; the poller reads
	// the slice during a poll and keeps none of it. Nil: the poller asks
	// the leaders itself (ListOffsets) at every poll.
	EndOffsets func() []int64
	// BurstEvery and BurstFor set a burst's cadence and bound (default
	// BurstEvery and BurstFor).
	BurstEvery, BurstFor time.Duration
}

// Poller polls the consumer groups on a topic. It is a source.Runner.
type Poller struct {
	cfg   Config
	cl    *kgo.Client
	wake  chan struct{} // a poll at once: Run's first, and each Wake
	burst chan struct{} // a burst asked for (Burst)
	mu    sync.Mutex    // guards b and datings
	b     bursting
	// datings are AskEndsAt's times not yet answered; dated signals one.
	datings []dating
	dated   chan struct{}
	// look's state, owned by Run's goroutine (or a test's).
	st state
}

var (
	_ source.Runner    = (*Poller)(nil)
	_ source.Waker     = (*Poller)(nil)
	_ source.Burster   = (*Poller)(nil)
	_ source.Backdater = (*Poller)(nil)
)

// New makes a poller; it connects on its first poll.
func New(cfg Config) (*Poller, error) {
	cfg.Interval = cmp.Or(cfg.Interval, rules.DefaultGroupsInterval)
	cfg.BurstEvery, cfg.BurstFor = cmp.Or(cfg.BurstEvery, BurstEvery), cmp.Or(cfg.BurstFor, BurstFor)
	if err := rules.CheckGroupsInterval(cfg.Interval); err != nil || cfg.Interval < 0 {
		return nil, fmt.Errorf("groups interval %s: must be at least %s", cfg.Interval, rules.MinGroupsInterval)
	}
	if err := rules.KafkaRules.CheckTopicName(cfg.Topic); err != nil {
		return nil, fmt.Errorf("groups poller: %w", err)
	}
	cl, err := kgo.NewClient(cfg.ClientOpts...)
	if err != nil {
		return nil, fmt.Errorf("groups client: %w", err)
	}
	p := &Poller{cfg: cfg, cl: cl, wake: make(chan struct{}, 1), burst: make(chan struct{}, 1), dated: make(chan struct{}, 1)}
	p.Wake()
	return p, nil
}

// Run polls at once and then every Interval until ctx ends (backing off
// while polls fail), and at once after each Wake, reporting
// source.GroupsSeen after every poll: on a failed poll, the last list
// seen with the error. Beside the polls it runs the bursts Burst asks
// for, reporting source.AssignmentsSeen after each of their looks.
func (p *Poller) Run(ctx context.Context, r source.Reporter) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { p.bursts(ctx, r) })
	wg.Go(func() { p.dates(ctx, r) })
	var last source.Groups
	source.Poll(ctx, p.cfg.Interval, true, p.wake, func(ctx context.Context) error {
		gs, err := p.look(ctx)
		if errors.Is(ctx.Err(), context.Canceled) {
			return err // stopping: nothing to say
		}
		if err != nil {
			last.Err = err.Error()
			r.Report(source.Problem{Message: "polling groups: " + err.Error()})
			r.Report(source.GroupsSeen{Groups: last})
			return err
		}
		last = gs
		p.staked(gs)
		r.Report(source.GroupsSeen{Groups: gs})
		return nil
	})
}

// Wake asks Run for a poll at once (one is enough however often it is
// asked before it runs). It never blocks.
func (p *Poller) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Close releases the poller's connections. Call it after Run returns.
func (p *Poller) Close() error {
	p.cl.Close()
	return nil
}
