// Package sample is Kafka's record sampler: every Interval it reads the
// tail of the topic's partitions with Fetch, straight from each
// partition's leader, and reports a fair sample of each partition's recent
// records (keys.Reservoir) to the engine as source.Sampled.
//
// A round costs at most Budget bytes fetched, spent on the hottest
// partitions first: a partition's heat is how far its end offset moved
// since it was last sampled, so a partition that grows fastest is sampled
// every round, and a slower one when its growth since its last sample
// outweighs the others' (its sample is then older; the engine keeps every
// partition's latest). A partition with nothing new since its last sample
// is not read again. Each partition's read starts at about Capacity
// records before its end (the log start if that is later), sized from the
// bytes per record its last read found, so a round reads about as many
// records as it keeps.
//
// Records are decoded by kgo (message formats v0-v2, every compression,
// the CRC); control records (transaction markers) are skipped. The read
// is uncommitted, as the end offsets that count the traffic are: an
// aborted transaction's records are sampled as the traffic they were.
// Memory is bounded whatever the key space or record size: a keys.Record
// keeps MaxKey bytes of its key, a round keeps Capacity records per
// partition, and a fetch is bounded by the budget (a leader may send one
// batch beyond its share, as Kafka does to make progress; a batch is at
// most the topic's max.message.bytes).
//
// Fetch needs Read on the topic, which the rest of partop does not: a
// denied read is said once (a Problem and Sampled.Denied) and tried again
// every DeniedRetry while the rest runs. A partition that fails within a
// round is skipped; the failures are a Problem at most every ProblemEvery.
package sample

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/keys"
	"partop/rules"
	"partop/source"
)

const (
	// DefaultInterval is how often a round runs.
	DefaultInterval = 2 * time.Second
	// DefaultBudget is the bytes a round fetches at most: about 1 MiB
	// every 2 s costs well under 5% of a core to read and decode at 1,000
	// partitions (docs/BENCHMARKS.md).
	DefaultBudget = rules.DefaultSampleBytes
	// MaxBudget bounds Budget: what one round may hold in memory.
	MaxBudget = rules.MaxSampleBytes
	// DefaultCapacity is how many records a partition's sample keeps.
	DefaultCapacity = 128
	// MaxCapacity bounds CapacityFor.
	MaxCapacity = 1024
	// DeniedRetry is how long the sampler waits before trying again a
	// topic it may not read.
	DeniedRetry = time.Minute
	// ProblemEvery bounds how often failed reads are reported.
	ProblemEvery = 10 * time.Second
)

// Config sets up a Sampler.
type Config struct {
	Topic string
	// ClientOpts reach the cluster (seeds, TLS, SASL).
	ClientOpts []kgo.Opt
	// Interval is how often a round runs (default DefaultInterval; ±10%
	// jittered).
	Interval time.Duration
	// Budget is the bytes a round fetches at most (default DefaultBudget,
	// at most MaxBudget).
	Budget int
	// Capacity is how many records each partition's sample keeps (default
	// DefaultCapacity).
	Capacity int
	// EndOffsets gives the topic's end offsets by partition id (-1: not
	// known) from the observer that already polls them; the sampler reads
	// the slice during a round and keeps none of it. Nil: the sampler asks
	// the leaders itself (ListOffsets) every round.
	EndOffsets func() []int64
}

// CapacityFor is the records each partition's sample may keep when a
// round's budget is shared by partitions: as many as one round can read of
// every partition (at guessPerRecord bytes a record), at least
// DefaultCapacity, at most MaxCapacity. A small topic gets a larger sample:
// with 128 records a partition, a key's share of a 4-partition topic was
// off by up to 3.7 points from what partop's own producer wrote; the
// sample is what the shares' precision comes from.
func CapacityFor(budget, partitions int) int {
	return min(max(budget/(max(partitions, 1)*guessPerRecord), DefaultCapacity), MaxCapacity)
}

// Sampler samples a topic's records. It is a source.Runner.
type Sampler struct {
	cfg Config
	cl  *kgo.Client

	// Owned by Run's goroutine (or a test's).
	parts       map[int32]*partition
	topicID     [16]byte // the topic the state is about: a recreated topic starts anew
	perRecord   float64  // the topic's bytes per record as the latest round read them
	perBatch    float64  // and per batch
	denied      bool     // the latest read was denied
	retryAt     time.Time
	lastProblem time.Time
	seed        uint64
}

var _ source.Runner = (*Sampler)(nil)

// New makes a sampler; it connects on its first round.
func New(cfg Config) (*Sampler, error) {
	cfg.Interval = cmp.Or(cfg.Interval, DefaultInterval)
	cfg.Budget = cmp.Or(cfg.Budget, DefaultBudget)
	cfg.Capacity = cmp.Or(cfg.Capacity, DefaultCapacity)
	if err := rules.CheckSampleBytes(cfg.Budget); err != nil || cfg.Budget == 0 {
		return nil, fmt.Errorf("sample budget %d bytes: must be 1 to %d", cfg.Budget, MaxBudget)
	}
	if cfg.Interval < 0 || cfg.Capacity < 1 {
		return nil, fmt.Errorf("sampler: interval %s and capacity %d must be positive", cfg.Interval, cfg.Capacity)
	}
	if err := rules.KafkaRules.CheckTopicName(cfg.Topic); err != nil {
		return nil, fmt.Errorf("sampler: %w", err)
	}
	cl, err := kgo.NewClient(cfg.ClientOpts...)
	if err != nil {
		return nil, fmt.Errorf("sampler client: %w", err)
	}
	return &Sampler{cfg: cfg, cl: cl, parts: map[int32]*partition{}, seed: rand.Uint64()}, nil
}

// Run samples at once and then every Interval until ctx ends, reporting
// source.Sampled after every round that read something.
func (s *Sampler) Run(ctx context.Context, r source.Reporter) {
	first := make(chan struct{}, 1)
	first <- struct{}{}
	source.Poll(ctx, s.cfg.Interval, true, first, func(ctx context.Context) error {
		_, err := s.round(ctx, r)
		return err
	})
}

// Close releases the sampler's connections. Call it after Run returns.
func (s *Sampler) Close() error {
	s.cl.Close()
	return nil
}

var (
	// errDenied is a Fetch the cluster refused for want of Read on the
	// topic.
	errDenied = errors.New("read denied")
	// errNoEndsYet: the observer handing the end offsets over has not
	// polled yet.
	errNoEndsYet = errors.New("no end offsets yet")
)

// roundStats are what a round did (tests and benchmarks read them).
type roundStats struct {
	Planned    int // partitions asked for
	Sampled    int // partitions with a fresh sample
	Bytes      int // record-batch bytes fetched
	Records    int // records added to the reservoirs
	Failed     int // partitions that failed
	LeaderOver int // bytes fetched beyond a leader's share (whole first batches)
}

// round is one round: learn the leaders and end offsets, plan the reads
// under the budget, read and decode, report.
func (s *Sampler) round(ctx context.Context, r source.Reporter) (roundStats, error) {
	var st roundStats
	if s.denied && time.Now().Before(s.retryAt) {
		return st, nil
	}
	t, err := cluster.Describe(ctx, s.cl, s.cfg.Topic)
	if err != nil {
		s.problem(r, err)
		return st, err
	}
	if t.ID != s.topicID {
		s.topicID, s.parts, s.perRecord, s.perBatch = t.ID, map[int32]*partition{}, 0, 0
	}
	leaders := t.Leaders()
	ends, err := s.ends(ctx, leaders)
	if errors.Is(err, errNoEndsYet) {
		return st, nil // the observer beside has not polled yet: the next round
	}
	if ends == nil {
		s.problem(r, err)
		return st, err
	}
	reads := s.plan(ends, leaders)
	st.Planned = len(reads)
	if len(reads) == 0 {
		return st, nil
	}
	s.seed++
	results := s.fetch(ctx, t.ID, reads, s.seed)
	sample, failed, denied := s.take(results, &st)
	if denied {
		s.retryAt = time.Now().Add(DeniedRetry)
		if !s.denied {
			r.Report(source.Problem{Message: fmt.Sprintf("sampling records needs Read on topic %s: keys and bytes are not shown", s.cfg.Topic)})
		}
		s.denied = true
		r.Report(source.Sampled{Sample: sample, Denied: true})
		return st, nil
	}
	wasDenied := s.denied
	s.denied = false
	if len(sample.Partitions) > 0 || wasDenied {
		r.Report(source.Sampled{Sample: sample})
	}
	if failed != nil {
		s.problem(r, failed)
		if st.Sampled == 0 {
			return st, failed // nothing read: back off
		}
	}
	return st, nil
}

// problem reports err as a Problem, at most every ProblemEvery.
func (s *Sampler) problem(r source.Reporter, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	now := time.Now()
	if !s.lastProblem.IsZero() && now.Sub(s.lastProblem) < ProblemEvery {
		return
	}
	s.lastProblem = now
	r.Report(source.Problem{Message: "sampling records: " + err.Error()})
}

// ends are the partitions' end offsets (-1: not known), from the observer
// or from the leaders; nil with the error when none is known.
func (s *Sampler) ends(ctx context.Context, leaders []int32) ([]int64, error) {
	out := make([]int64, len(leaders))
	for i := range out {
		out[i] = -1
	}
	if s.cfg.EndOffsets != nil {
		known := false
		for i, e := range s.cfg.EndOffsets() {
			if i < len(out) {
				out[i], known = e, known || e >= 0
			}
		}
		if !known {
			return nil, errNoEndsYet
		}
		return out, nil
	}
	parts := make([]int32, len(leaders))
	for i := range parts {
		parts[i] = int32(i)
	}
	got, err := cluster.ListOffsets(ctx, s.cl, s.cfg.Topic, cluster.AtEnd, parts, leaders)
	if len(got) == 0 {
		return nil, fmt.Errorf("end offsets: %w", cmp.Or(err, errors.New("none answered")))
	}
	for p, o := range got {
		if int(p) < len(out) {
			out[p] = o.Offset
		}
	}
	return out, nil
}

// take merges the leaders' answers into the sample and the partitions'
// state, and says what failed and whether Read was denied.
func (s *Sampler) take(results []result, st *roundStats) (keys.Sample, error, bool) {
	sample := keys.Sample{Partitions: map[int32]keys.PartitionSample{}}
	var errs []error
	denied := false
	for _, res := range results {
		st.Bytes += res.bytes
		st.LeaderOver += max(res.bytes-res.share, 0)
		if res.err != nil {
			if errors.Is(res.err, errDenied) {
				denied = true
				continue
			}
			errs = append(errs, res.err)
			st.Failed += len(res.parts)
			continue
		}
		for _, p := range res.parts {
			ps := s.state(p.id)
			if p.logStart > ps.logStart {
				ps.logStart = p.logStart
			}
			if p.batchRecords > 0 {
				ps.perRecord = float64(p.bytes) / float64(p.batchRecords)
				ps.perBatch = float64(p.bytes) / float64(p.batches)
			}
			switch {
			case errors.Is(p.err, errDenied):
				denied = true
			case p.err != nil && len(p.sample.Records) == 0:
				errs = append(errs, fmt.Errorf("partition %d: %w", p.id, p.err))
				st.Failed++
			default:
				if p.err != nil {
					errs = append(errs, fmt.Errorf("partition %d: %w", p.id, p.err))
				}
				ps.sampledEnd = p.end
				if len(p.sample.Records) > 0 {
					sample.Partitions[p.id] = p.sample
					st.Sampled++
					st.Records += int(p.sample.Seen)
				}
			}
		}
	}
	s.learnPerRecord(results)
	return sample, join(errs), denied
}

// learnPerRecord keeps the round's bytes per record over every partition
// read, the guess for partitions not read yet.
func (s *Sampler) learnPerRecord(results []result) {
	var bytes, records, batches int
	for _, res := range results {
		for _, p := range res.parts {
			bytes, records, batches = bytes+p.bytes, records+p.batchRecords, batches+p.batches
		}
	}
	if records > 0 {
		s.perRecord, s.perBatch = float64(bytes)/float64(records), float64(bytes)/float64(batches)
	}
}

// join is the failures as one error: the first, and how many more.
func join(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more)", errs[0], len(errs)-1)
}
