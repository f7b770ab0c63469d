package fluvio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"partop/backend/fluvio/client"
	"partop/keys"
	"partop/rules"
	"partop/source"
)

// The record sampler's defaults and bounds, as Kafka's (backend/kafka/sample).
const (
	// DefaultSampleInterval is how often a sampling round runs.
	DefaultSampleInterval = 2 * time.Second
	// DefaultSampleBudget is the bytes a round fetches at most.
	DefaultSampleBudget = rules.DefaultSampleBytes
	// MaxSampleBudget bounds SamplerConfig.Budget.
	MaxSampleBudget = rules.MaxSampleBytes
	// DefaultSampleCapacity is how many records a partition's sample keeps.
	DefaultSampleCapacity = 128
	// maxSampleCapacity bounds sampleCapacityFor.
	maxSampleCapacity = 1024
	// sampleProblemEvery bounds how often failed reads are reported.
	sampleProblemEvery = 10 * time.Second
)

// What one partition's read may cost: at least minTailBytes, at most
// maxTailBytes (a partition of large records keeps fewer than Capacity
// rather than take the round). Until a read has measured the topic's
// bytes per record, guessPerRecord stands in, and Fluvio's default batch
// size (16 KiB) for the batch the read begins in.
const (
	minTailBytes   = 1 << 10
	maxTailBytes   = 1 << 20
	guessPerRecord = 256
	guessPerBatch  = 16 << 10
)

// SamplerConfig sets up a Sampler.
type SamplerConfig struct {
	Topic string
	// Interval is how often a round runs (default DefaultSampleInterval;
	// ±10% jittered).
	Interval time.Duration
	// Budget is the bytes a round fetches at most (default
	// DefaultSampleBudget, at most MaxSampleBudget).
	Budget int
	// Capacity is how many records each partition's sample keeps (default
	// DefaultSampleCapacity).
	Capacity int
	// EndOffsets gives the topic's end offsets by partition (-1: not
	// known; nil before the first poll) from the observer that already
	// polls them; the sampler reads the slice during a round and keeps
	// none of it.
	EndOffsets func() []int64
}

// Sampler samples a Fluvio topic's records, Kafka's sampler's model on
// Fluvio's fetch: every Interval it reads the tail of the partitions
// whose end offset moved since each was last sampled, hottest (most
// moved) first, about Capacity records each, until the round's Budget is
// spent; it keeps a fair sample of each partition's records read
// (keys.Reservoir) and reports the partitions sampled as source.Sampled.
// The SPU reads one size for every partition of a Fetch, so a round's
// reads are all sized alike, from the bytes per record the last round
// found. A read starts at the batch holding its offset, and a batch cut
// short by the size is left out; a partition whose first batch is larger
// than the size is read at that batch's size the next round (at most
// maxTailBytes). Failed reads are a Problem at most every 10 s; a round
// with nothing read backs off (source.Poll). It is a source.Runner.
type Sampler struct {
	cfg SamplerConfig
	cl  tailReader

	// Owned by Run's goroutine (or a test's).
	parts       map[int32]*sampled
	perRecord   float64 // bytes per record as the latest round read them; 0: not known
	perBatch    float64 // and per batch
	lastProblem time.Time
	seed        uint64
}

// tailReader reads partitions' tails: *client.Client, or a test's.
type tailReader interface {
	TailRecords(ctx context.Context, topic string, from map[int32]int64, maxBytes int32) (map[int32]client.Tail, error)
}

// sampled is what the sampler remembers of a partition between rounds.
type sampled struct {
	end  int64 // its end offset when it was last sampled (0: never)
	need int32 // its first batch's length when it did not fit (0: it did)
}

var _ source.Runner = (*Sampler)(nil)

// NewSampler makes a sampler reading through cl (the caller's).
func NewSampler(cfg SamplerConfig, cl *client.Client) (*Sampler, error) {
	return newSampler(cfg, cl)
}

func newSampler(cfg SamplerConfig, cl tailReader) (*Sampler, error) {
	cfg.Interval = cmp.Or(cfg.Interval, DefaultSampleInterval)
	cfg.Budget = cmp.Or(cfg.Budget, DefaultSampleBudget)
	cfg.Capacity = cmp.Or(cfg.Capacity, DefaultSampleCapacity)
	if err := rules.CheckSampleBytes(cfg.Budget); err != nil || cfg.Budget == 0 {
		return nil, fmt.Errorf("sample budget %d bytes: must be 1 to %d", cfg.Budget, MaxSampleBudget)
	}
	if cfg.Interval < 0 || cfg.Capacity < 1 || cfg.EndOffsets == nil {
		return nil, fmt.Errorf("sampler: interval %s and capacity %d must be positive, and the end offsets given", cfg.Interval, cfg.Capacity)
	}
	return &Sampler{cfg: cfg, cl: cl, parts: map[int32]*sampled{}, seed: rand.Uint64()}, nil
}

// sampleCapacityFor is the records each partition's sample may keep when
// a round's budget is shared by partitions: as many as one round can read
// of every partition, at least DefaultSampleCapacity, at most
// maxSampleCapacity (Kafka's sample.CapacityFor).
func sampleCapacityFor(budget, partitions int) int {
	return min(max(budget/(max(partitions, 1)*guessPerRecord), DefaultSampleCapacity), maxSampleCapacity)
}

// Run samples at once and then every Interval until ctx ends.
func (s *Sampler) Run(ctx context.Context, r source.Reporter) {
	first := make(chan struct{}, 1)
	first <- struct{}{}
	source.Poll(ctx, s.cfg.Interval, true, first, func(ctx context.Context) error {
		_, err := s.round(ctx, r)
		return err
	})
}

// Close does nothing: the client is the caller's.
func (s *Sampler) Close() error { return nil }

// tailRead is a round's plan: where each partition's read starts, its
// end offset as the round began, and the bytes each read may take.
type tailRead struct {
	from     map[int32]int64
	ends     map[int32]int64
	maxBytes int32
}

// plan chooses this round's reads from the end offsets.
func (s *Sampler) plan(ends []int64) tailRead {
	type candidate struct {
		id   int32
		heat int64
		need int32
	}
	var cands []candidate
	for i, end := range ends {
		p := int32(i)
		last, need := int64(0), int32(0)
		if ps := s.parts[p]; ps != nil {
			last, need = ps.end, ps.need
		}
		if end < last { // truncated or recreated: sample anew
			last = 0
		}
		if end <= last {
			continue // not known (-1), empty, or nothing new since its last sample
		}
		cands = append(cands, candidate{p, end - last, need})
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.heat, a.heat), cmp.Compare(a.id, b.id))
	})
	perRecord, perBatch := cmp.Or(s.perRecord, guessPerRecord), cmp.Or(s.perBatch, guessPerBatch)
	want := int(math.Ceil(float64(s.cfg.Capacity)*perRecord + perBatch))
	if len(cands) > 0 {
		want = max(want, int(cands[0].need)) // the hottest's first batch did not fit: read it whole
	}
	want = min(max(want, minTailBytes), maxTailBytes, s.cfg.Budget)
	n := max(int64((float64(want)-perBatch)/perRecord), int64(s.cfg.Capacity))
	rd := tailRead{from: map[int32]int64{}, ends: map[int32]int64{}, maxBytes: int32(want)}
	for _, c := range cands[:min(len(cands), max(s.cfg.Budget/want, 1))] {
		rd.from[c.id], rd.ends[c.id] = max(ends[c.id]-n, 0), ends[c.id]
	}
	return rd
}

// sampleStats are what a round did (tests read them).
type sampleStats struct {
	Planned, Sampled, Records, Bytes int
}

// round is one round: plan the reads from the observer's end offsets,
// read and sample them, report.
func (s *Sampler) round(ctx context.Context, r source.Reporter) (sampleStats, error) {
	var st sampleStats
	ends := s.cfg.EndOffsets()
	rd := s.plan(ends)
	st.Planned = len(rd.from)
	if st.Planned == 0 {
		return st, nil // no end offsets yet, or nothing new
	}
	tails, err := s.cl.TailRecords(ctx, s.cfg.Topic, rd.from, rd.maxBytes)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return st, err
	}
	s.seed++
	sample := keys.Sample{Partitions: map[int32]keys.PartitionSample{}}
	var bytes, records, batches int
	for p, t := range tails {
		st.Bytes += t.Bytes
		ps := s.parts[p]
		if ps == nil {
			ps = &sampled{}
			s.parts[p] = ps
		}
		ps.need = t.Need
		if t.Batches > 0 {
			bytes, records, batches = bytes+t.Bytes, records+t.BatchRecords, batches+t.Batches
		}
		if len(t.Records) == 0 {
			continue // the first batch did not fit (read whole next round), or nothing committed yet
		}
		res := keys.NewReservoir(s.cfg.Capacity, s.seed^uint64(p)*0x9e3779b97f4a7c15)
		for _, tr := range t.Records {
			res.Add(keys.NewRecord(tr.Key, tr.ValueBytes))
		}
		sample.Partitions[p] = res.Take()
		ps.end = rd.ends[p]
		st.Sampled++
		st.Records += len(t.Records)
	}
	if records > 0 {
		s.perRecord, s.perBatch = float64(bytes)/float64(records), float64(bytes)/float64(batches)
	}
	if len(sample.Partitions) > 0 {
		r.Report(source.Sampled{Sample: sample})
	}
	if err != nil {
		s.problem(r, err)
		if st.Sampled == 0 {
			return st, err // nothing read: back off
		}
	}
	return st, nil
}

// problem reports err as a Problem, at most every sampleProblemEvery.
func (s *Sampler) problem(r source.Reporter, err error) {
	now := time.Now()
	if !s.lastProblem.IsZero() && now.Sub(s.lastProblem) < sampleProblemEvery {
		return
	}
	s.lastProblem = now
	r.Report(source.Problem{Message: "sampling records: " + err.Error()})
}
