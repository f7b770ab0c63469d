package observe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/internal/fanout"
	"partop/rules"
	"partop/source"
)

// The producers list: who writes to the topic, from Kafka's
// DescribeProducers (KIP-664, Kafka 2.8+), asked of each partition's leader
// every ProducersInterval. Each leader lists, per partition, the producer
// ids that wrote there with their last sequence number and timestamp; the
// change in sequence numbers between two looks is how many records an id
// wrote. Producers with idempotence off (librdkafka's default) have no id
// and are not listed; partop's embedded cluster (kfake) lists only
// producers inside an open transaction. When every partition answered, no
// one is listed and records are being written, the list's Note says which.

const (
	// deniedRetry is how often a denied request is tried again: an
	// operator may grant Read while partop runs.
	deniedRetry = time.Minute
)

// What Producers.Err says when the list cannot be had at all.
const (
	// ProducersDenied: the request needs Read on the topic.
	ProducersDenied = "DescribeProducers denied: partop needs Read on the topic to list producers"
	// ProducersUnsupported: the cluster has no DescribeProducers; partop
	// stops asking.
	ProducersUnsupported = "this cluster does not support DescribeProducers (Kafka 2.8+, KIP-664): producers cannot be listed"
)

// ProducersOff is why the producers list is empty when it is turned off
// (source.About.NoProducers).
const ProducersOff = "not listed: DescribeProducers is turned off (--producers-interval -1s)"

// What Producers.Note says when every partition answered, no one is
// listed, and records were written within the window.
const (
	// ProducersNoIDs: the writers have no producer id, or the cluster
	// lists only some producers (Kafka lists every id that wrote).
	ProducersNoIDs = "no producer ids, yet records are written: producers with idempotence off (librdkafka's default) have none, and this cluster may list only transactional ones"
	// ProducersNoIDsEmbedded: on partop's embedded cluster, which lists
	// only producers inside an open transaction.
	ProducersNoIDsEmbedded = "no producer ids, yet records are written: partop's embedded cluster (kfake) lists only transactional producers, not idempotent ones like partop's"
)

var (
	errProducersDenied      = errors.New(ProducersDenied)
	errProducersUnsupported = errors.New(ProducersUnsupported)
)

// producersDefaults fills in the producers list's settings and checks them.
func producersDefaults(cfg *Config) error {
	if cfg.ProducersInterval == 0 {
		cfg.ProducersInterval = rules.DefaultProducersInterval
	}
	if cfg.ProducersGrace == 0 {
		cfg.ProducersGrace = rules.DefaultProducersGrace
	}
	if cfg.ProducersWindow == 0 {
		cfg.ProducersWindow = 3 * max(cfg.ProducersInterval, 0)
	}
	switch {
	case cfg.ProducersInterval < 0: // off
	case cfg.ProducersInterval < rules.MinPollInterval: // the sanity floor; the flag's is rules.CheckProducersInterval
		return fmt.Errorf("producers interval %s: must be at least %s", cfg.ProducersInterval, rules.MinPollInterval)
	case cfg.ProducersWindow < cfg.ProducersInterval:
		return fmt.Errorf("producers window %s: must be at least the interval, %s", cfg.ProducersWindow, cfg.ProducersInterval)
	case cfg.ProducersGrace < 0:
		return fmt.Errorf("producers grace %s: must not be negative", cfg.ProducersGrace)
	}
	return nil
}

// producerPoller keeps the producers list fresh and reports it.
type producerPoller struct {
	s        *Observer
	interval time.Duration
	book     producerBook
	wake     chan struct{} // the topic grew: look now, and again when its grace ends
	exp      *latest       // nil: no expansion seen
	last     source.Producers
	// For the Note: the records the observer had counted at the last
	// look, when that count last grew, and the cluster's id once known.
	counted   uint64
	grew      time.Time
	clusterID *string
}

func newProducerPoller(s *Observer) *producerPoller {
	return &producerPoller{
		s:        s,
		interval: s.cfg.ProducersInterval,
		book:     producerBook{window: s.cfg.ProducersWindow, grace: s.cfg.ProducersGrace},
		wake:     make(chan struct{}, 1),
	}
}

// expanded wakes the poller: a look right after an expansion is the
// baseline "since the expansion" is measured against.
func (pp *producerPoller) expanded() {
	select {
	case pp.wake <- struct{}{}:
	default:
	}
}

// run looks at once (the baseline for rates), then every interval, and
// more often from an expansion to the end of its grace period (see next),
// until ctx ends. A failing look backs off (doubling, up to 30 s), a denied
// one is tried again every minute, and on a cluster without the API it
// stops.
func (pp *producerPoller) run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	wait := pp.interval
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-pp.wake:
			timer.Stop()
		}
		pctx, cancel := context.WithTimeout(ctx, max(pp.interval, 5*time.Second))
		err := pp.poll(pctx)
		cancel()
		switch {
		case ctx.Err() != nil, errors.Is(err, errProducersUnsupported):
			return
		case errors.Is(err, errProducersDenied):
			wait = max(pp.interval, deniedRetry)
		case err != nil:
			wait = min(2*wait, max(source.MaxBackoff, pp.interval))
		default:
			wait = pp.interval
		}
		timer.Reset(pp.next(time.Now(), wait))
	}
}

// next is how long until the next look: wait, or less within an
// expansion's grace period: a look every fifth of it (at least every
// second), so adoptions show soon, and one as it ends, when producers are
// judged.
func (pp *producerPoller) next(now time.Time, wait time.Duration) time.Duration {
	if pp.exp == nil {
		return wait
	}
	judge := pp.exp.at.Add(pp.book.grace).Sub(now)
	if judge < 0 {
		return wait
	}
	return min(wait, max(pp.book.grace/5, time.Second), judge+time.Millisecond)
}

// poll asks every leader for its partitions' producers, one request per
// broker, all at once, and publishes the list.
func (pp *producerPoller) poll(ctx context.Context) error {
	answers, err := askLeaders(ctx, pp.s, func(ctx context.Context, b *kgo.Broker, parts []int32) (*kmsg.DescribeProducersResponse, error) {
		return producersRequest(pp.s.cfg.Topic, parts).RequestWith(ctx, b)
	})
	if err != nil {
		return pp.publish(ctx, time.Now(), err, true)
	}
	err, all := pp.take(ctx, answers)
	return pp.publish(ctx, time.Now(), err, all)
}

// take feeds the answers to the book. It returns the first problem and
// whether it concerns the whole list (nothing answered, denied,
// unsupported) rather than some partitions.
func (pp *producerPoller) take(ctx context.Context, answers []fanout.Answer[*kmsg.DescribeProducersResponse]) (first error, all bool) {
	failed, moved := 0, false
	for _, a := range answers {
		if a.Err != nil {
			failed++
			var netErr net.Error
			if ctx.Err() == nil && !errors.As(a.Err, &netErr) && pp.lacksAPI(ctx, a.Leader) {
				return errProducersUnsupported, true
			}
			first = cmp.Or(first, fmt.Errorf("producers from broker %d: %w", a.Leader, a.Err))
			continue
		}
		for _, t := range a.Resp.Topics {
			for _, p := range t.Partitions {
				err := kerr.ErrorForCode(p.ErrorCode)
				switch {
				case err == nil:
					pp.book.observe(p.Partition, a.At, p.ActiveProducers)
				case errors.Is(err, kerr.TopicAuthorizationFailed):
					return errProducersDenied, true
				case errors.Is(err, kerr.UnsupportedVersion):
					return errProducersUnsupported, true
				default:
					moved = moved || errors.Is(err, kerr.NotLeaderForPartition) || errors.Is(err, kerr.UnknownTopicOrPartition)
					first = cmp.Or(first, fmt.Errorf("producers on partition %d: %w", p.Partition, err))
				}
			}
		}
	}
	if moved { // a leader moved: learn where before the next look
		pp.s.pollMetaNow()
	}
	return first, failed == len(answers)
}

// lacksAPI asks a broker that failed a request (not on the network)
// whether it knows DescribeProducers at all: kgo refuses a request the
// broker did not advertise before sending it, with an error of its own.
func (pp *producerPoller) lacksAPI(ctx context.Context, broker int32) bool {
	req := kmsg.NewPtrApiVersionsRequest()
	req.ClientSoftwareName, req.ClientSoftwareVersion = "partop", "1"
	resp, err := req.RequestWith(ctx, pp.s.cl.Broker(int(broker)))
	if err != nil || resp.ErrorCode != 0 {
		return false
	}
	for _, k := range resp.ApiKeys {
		if k.ApiKey == kmsg.DescribeProducers.Int16() {
			return false
		}
	}
	return true
}

// publish reports the list as of now, given the look's problem
// (if all, the whole list is unknown).
func (pp *producerPoller) publish(ctx context.Context, now time.Time, err error, all bool) error {
	switch {
	case errors.Is(err, errProducersDenied), errors.Is(err, errProducersUnsupported):
		pp.last = source.Producers{At: now, Err: err.Error()}
	case err != nil && all: // keep the last list, saying why it is old
		pp.last.Err = "listing producers: " + err.Error()
	default:
		if err != nil {
			pp.s.Report(source.Problem{Message: "listing producers: " + err.Error()})
		}
		pp.exp = pp.s.latestExpansion()
		pp.last = source.Producers{At: now, List: pp.book.list(now, pp.exp)}
		if n := pp.s.counted(); n > pp.counted {
			pp.counted, pp.grew = n, now
		}
		if err == nil && len(pp.last.List) == 0 && !pp.grew.IsZero() && now.Sub(pp.grew) <= pp.book.window {
			pp.last.Note = pp.noteNoIDs(ctx)
		}
	}
	pp.s.Report(source.ProducersSeen{Producers: pp.last})
	if all {
		return err
	}
	return nil
}

// noteNoIDs says why a cluster that answered lists no one while records
// are written, naming partop's embedded cluster, whose id it asks once
// (again after a failure; the generic note is true meanwhile).
func (pp *producerPoller) noteNoIDs(ctx context.Context) string {
	if pp.clusterID == nil {
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{} // none: the brokers and the cluster id
		if resp, err := req.RequestWith(ctx, pp.s.cl); err == nil {
			pp.clusterID = cmp.Or(resp.ClusterID, new(string))
		}
	}
	if pp.clusterID != nil && *pp.clusterID == cluster.EmbeddedClusterID {
		return ProducersNoIDsEmbedded
	}
	return ProducersNoIDs
}

// counted is how many records the observer has counted so far.
func (s *Observer) counted() (n uint64) {
	for _, t := range s.Counters().Read() {
		n += t.Acked
	}
	return n
}

// producersRequest asks for the producers of partitions of one topic.
func producersRequest(topic string, partitions []int32) *kmsg.DescribeProducersRequest {
	req := kmsg.NewPtrDescribeProducersRequest()
	rt := kmsg.NewDescribeProducersRequestTopic()
	rt.Topic = topic
	rt.Partitions = partitions
	req.Topics = append(req.Topics, rt)
	return req
}
