package sample

import (
	"cmp"
	"math"
	"slices"
)

// What one partition's read may cost: at least minPartitionBytes (fewer
// is mostly request overhead), at most maxPartitionBytes (a partition of
// large records keeps fewer than Capacity rather than take the round).
// Before any read has measured the topic's bytes per record,
// guessPerRecord stands in.
const (
	minPartitionBytes = 1 << 10
	maxPartitionBytes = 1 << 20
	guessPerRecord    = 256
)

// partition is what the sampler remembers of a partition between rounds.
type partition struct {
	sampledEnd int64   // its end offset when it was last sampled (0: never)
	logStart   int64   // its log start as the last read said
	perRecord  float64 // record-batch bytes per record its last read found; 0: not known
	perBatch   float64 // and per batch
}

// state is partition p's state, made on first use.
func (s *Sampler) state(p int32) *partition {
	ps := s.parts[p]
	if ps == nil {
		ps = &partition{}
		s.parts[p] = ps
	}
	return ps
}

// read is one partition's planned read: from offset from, at most
// maxBytes, its end offset as the round began.
type read struct {
	id       int32
	leader   int32
	from     int64
	end      int64
	maxBytes int32
}

// plan chooses this round's reads: partitions with a leader and records
// not yet sampled, hottest first (the most growth since each was last
// sampled), each sized to about Capacity records, until the budget is
// spent or what is left would read less than half of the next one's.
func (s *Sampler) plan(ends []int64, leaders []int32) []read {
	type candidate struct {
		id   int32
		heat int64
	}
	var cands []candidate
	for i, end := range ends {
		p := int32(i)
		if end < 0 || i >= len(leaders) || leaders[i] < 0 {
			continue
		}
		ps := s.parts[p]
		sampledEnd, logStart := int64(0), int64(0)
		if ps != nil {
			sampledEnd, logStart = ps.sampledEnd, ps.logStart
		}
		if end < sampledEnd { // truncated or recreated: sample anew
			sampledEnd = 0
		}
		if end <= max(sampledEnd, logStart) {
			continue // nothing new since its last sample, or empty
		}
		cands = append(cands, candidate{p, end - sampledEnd})
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.heat, a.heat), cmp.Compare(a.id, b.id))
	})
	left := s.cfg.Budget
	var reads []read
	for _, c := range cands {
		// Capacity records, and the batch the first of them is in: it
		// begins earlier, and comes whole.
		per, batch := s.perRecordOf(c.id)
		want := min(max(int(math.Ceil(float64(s.cfg.Capacity)*per+batch)), minPartitionBytes), maxPartitionBytes)
		if left <= 0 || (left < want/2 && len(reads) > 0) {
			break // what is left would read a sliver: a poorer sample than the one the partition has
		}
		b := min(want, left)
		left -= b
		n := max(int64((float64(b)-batch)/per), 1)
		ps := s.state(c.id)
		end := ends[c.id]
		from := max(end-n, 0)
		if ps.logStart <= end {
			from = max(from, ps.logStart)
		}
		reads = append(reads, read{id: c.id, leader: leaders[c.id], from: from, end: end, maxBytes: int32(b)})
	}
	return reads
}

// perRecordOf is partition p's record-batch bytes per record and per
// batch: as its last read found, else as the topic's latest round did,
// else a guess (a record a batch).
func (s *Sampler) perRecordOf(p int32) (perRecord, perBatch float64) {
	if ps := s.parts[p]; ps != nil && ps.perRecord > 0 {
		return ps.perRecord, ps.perBatch
	}
	if s.perRecord > 0 {
		return s.perRecord, s.perBatch
	}
	return guessPerRecord, guessPerRecord
}
