package headless

import (
	"partop/engine"
	"partop/keys"
	"partop/stats"
)

// KeysLine is what the record sample says of the topic's keys.
type KeysLine struct {
	Partitioner  string    `json:"partitioner"` // murmur2, crc32, fnv1a, siphash, unkeyed or unknown
	Clients      string    `json:"clients,omitempty"`
	Explained    float64   `json:"explained"` // share of sampled keyed records the partitioner explains
	Sampled      int       `json:"sampled"`
	NullKeyShare float64   `json:"null_key_share"`
	Top          []KeyLine `json:"top"`
	Denied       bool      `json:"denied,omitempty"` // the cluster refused to let partop read the topic
}

// KeyLine is one hot key. Key is as printed on screen (escaped, cut).
type KeyLine struct {
	Key        string  `json:"key"`
	Share      float64 `json:"share"`
	BytesShare float64 `json:"bytes_share"`
	Partition  int32   `json:"partition"`
}

// keyWidth is how much of a key headless prints.
const keyWidth = 64

// keysLine is nil where nothing samples.
func keysLine(s *engine.Snapshot) *KeysLine {
	a := &s.KeyAnalysis
	if a.Sampled == 0 && !s.KeysDenied {
		return nil
	}
	l := &KeysLine{Partitioner: a.Partitioner, Clients: a.Clients, Explained: a.Explained, Sampled: a.Sampled,
		NullKeyShare: a.NullShare, Top: keyLines(a.Top), Denied: s.KeysDenied}
	if a.Sampled == 0 {
		l.Partitioner = keys.Unknown
	}
	return l
}

func keyLines(ks []keys.KeyShare) []KeyLine {
	out := make([]KeyLine, 0, len(ks))
	for _, k := range ks {
		out = append(out, KeyLine{Key: keys.Display(k.Key, k.Cut, keyWidth), Share: k.Share, BytesShare: k.BytesShare, Partition: k.Partition})
	}
	return out
}

// bytesRates are the partitions' bytes/s: what partop's own producer
// counted, exactly, while it sends; elsewhere records/s times the sampled
// bytes per record (estimated), nil without a sample.
func bytesRates(s *engine.Snapshot) (rates []float64, estimated bool) {
	out := make([]float64, len(s.Stats.Partitions))
	if s.Sending {
		for i, p := range s.Stats.Partitions {
			out[i] = p.BytesRate
		}
		return out, false
	}
	a := &s.KeyAnalysis
	if a.Sampled == 0 {
		return nil, false
	}
	for i, p := range s.Stats.Partitions {
		out[i] = p.Rate * a.Partitions[p.ID].BytesPerRecord
	}
	return out, true
}

// withKeys adds what the sample says to a line.
func withKeys(l *Line, s *engine.Snapshot) {
	l.Keys = keysLine(s)
	for i := range l.PerPartition {
		l.PerPartition[i].TopKeys = keyLines(s.KeyAnalysis.Partitions[l.PerPartition[i].Partition].Top)
	}
	br, estimated := bytesRates(s)
	if br == nil {
		return
	}
	jb := stats.BalanceOf(br).Jain
	l.JainBytes, l.BytesEstimated = &jb, estimated
	for i := range l.PerPartition {
		if i < len(br) {
			r := br[i]
			l.PerPartition[i].BytesRate = &r
		}
	}
}

// predictionLine fills an expansion's prediction fields.
func predictionLine(l *EventLine, p *engine.Prediction) {
	if p == nil {
		return
	}
	j, mm := p.Jain, p.MaxMean
	l.PredictedJain, l.PredictedMaxMean, l.PredictedWith = &j, &mm, p.Partitioner
	if p.SkewFloor > 0 {
		f := p.SkewFloor
		l.SkewFloor = &f
	}
	if p.Measured {
		mj, mmm := p.MeasuredJain, p.MeasuredMaxMean
		l.MeasuredJain, l.MeasuredMaxMean = &mj, &mmm
	}
}
