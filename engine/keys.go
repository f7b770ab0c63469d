package engine

import (
	"maps"
	"time"

	"partop/keys"
	"partop/source"
	"partop/stats"
)

// TopKeys is how many keys the analysis lists, for the topic and for each
// partition.
const TopKeys = 10

// keyState is what the engine keeps of the record sampler's rounds.
type keyState struct {
	sample   keys.Sample   // the latest sample of each partition
	analysis keys.Analysis // of sample, as of the latest round
	denied   bool
	round    int       // sampler rounds taken: the latest one's analysis is kept
	analyses int       // analyses kept: Snapshot.KeysVersion
	rates    []float64 // the partitions' records/s over the balance window, as of the latest tick (a new slice each tick)
	window   time.Duration
}

// keysSampled takes a sampler's round: its partitions' samples replace
// theirs, the others stay, and the analysis is redone. The map is copied,
// not changed, as published snapshots share it. The analysis (about 37 ms
// at 1,000 partitions × 128 records) runs outside the engine's lock; a
// newer round's analysis is never replaced by an older one's.
func (e *Engine) keysSampled(f source.Sampled) {
	e.mu.Lock()
	k := &e.topic.keys
	k.denied = f.Denied
	if len(f.Sample.Partitions) == 0 {
		e.mu.Unlock()
		return
	}
	next := make(map[int32]keys.PartitionSample, max(len(k.sample.Partitions), len(f.Sample.Partitions)))
	maps.Copy(next, k.sample.Partitions)
	maps.Copy(next, f.Sample.Partitions)
	k.sample = keys.Sample{Partitions: next}
	k.round++
	round, rates, counts := k.round, k.rates, e.topic.counts()
	e.mu.Unlock()
	a := keys.Analyze(keys.Sample{Partitions: next}, rates, counts, TopKeys)
	e.mu.Lock()
	if k.round == round {
		k.analysis = a
		k.analyses++
		if e.sender == nil {
			estimateBytes(e.topic.counters, &a, len(rates))
		}
	}
	e.mu.Unlock()
}

// estimateBytes tells an observer's counters each partition's bytes per
// record from the sample, so its records, known from end offsets, count
// bytes too (an estimate: Snapshot.BytesEstimated). A partition with no
// sampled record yet takes the topic's mean, rather than counting none.
func estimateBytes(c *stats.Counters, a *keys.Analysis, n int) {
	var bytes, records float64
	for _, pk := range a.Partitions {
		bytes += pk.BytesPerRecord * float64(pk.Sampled)
		records += float64(pk.Sampled)
	}
	if records == 0 {
		return
	}
	mean := bytes / records
	for p := range max(n, c.Len()) {
		if pk, ok := a.Partitions[int32(p)]; ok && pk.Sampled > 0 {
			c.SetBytesPerRecord(int32(p), pk.BytesPerRecord)
		} else {
			c.SetBytesPerRecord(int32(p), mean)
		}
	}
}

// counts are the partition counts the sampled records may have been
// written under: the current one, then each expansion's earlier count,
// newest first.
func (t *topic) counts() []int {
	out := []int{max(t.state.Cluster, len(t.keys.rates))}
	for i := len(t.log.events) - 1; i >= 0; i-- {
		if e := t.log.events[i]; e.Kind == KindExpansion && e.From > 0 && e.From != out[len(out)-1] {
			out = append(out, e.From)
		}
	}
	return out
}

// keysTick notes the latest rates (the analysis's and the prediction's
// weights) and completes the predictions whose expansion has settled.
func (t *topic) keysTick(now time.Time, s *stats.Snapshot) {
	t.keys.window = s.Config.BalanceWindow
	rates := make([]float64, len(s.Partitions)) // new each tick: Predict reads the old one unlocked
	for i, p := range s.Partitions {
		rates[i] = p.RateBalance
	}
	t.keys.rates = rates
	for _, e := range t.log.events {
		if e.Kind != KindExpansion || e.Prediction == nil || e.Prediction.Measured || !e.Done {
			continue
		}
		// Measured over the same window as the balance line's Jain, once
		// a whole window has passed since the last new partition's first
		// record.
		if now.Sub(e.FirstRecord) >= t.keys.window && s.Balance.Partitions == e.To {
			p := *e.Prediction // published snapshots share the old one
			p.MeasuredJain, p.MeasuredMaxMean, p.Measured = s.Balance.Jain, s.Balance.MaxMean, true
			e.Prediction = &p
			t.log.changed()
		}
	}
}

// Prediction is what the sample said an expansion would do to balance,
// and, once it settled, what it did.
type Prediction struct {
	keys.Prediction
	Partitioner                   string // the placement the keyed records were re-hashed with (keys.Analysis's)
	MeasuredJain, MeasuredMaxMean float64
	Measured                      bool
}

// predict is the prediction for growing to `to`, or nil without a sample.
func (t *topic) predict(to int) *Prediction {
	if len(t.keys.sample.Partitions) == 0 || to <= 0 {
		return nil
	}
	p := keys.Predict(t.keys.sample, t.keys.rates, t.keys.analysis, to)
	return &Prediction{Prediction: p, Partitioner: t.keys.analysis.Partitioner}
}

// MaxPredict is the highest count the prompt looks at for the smallest
// one that would balance the topic: 4× today's or 64, at most 256 more
// (each count costs a prediction, about 0.5 ms at 1,000 partitions).
func MaxPredict(from int) int { return min(max(4*from, 64), from+256) }
