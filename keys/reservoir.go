package keys

import "math/rand/v2"

// A Reservoir draws a fair sample of at most its capacity from the records
// added to it (Vitter's algorithm R): every record added has the same
// chance of being kept, however many are added. A sampler fills one from a
// partition's tail each round. It is not safe for concurrent use.
type Reservoir struct {
	recs []Record
	seen int64
	rng  *rand.Rand
}

// NewReservoir returns an empty Reservoir keeping up to capacity records,
// choosing with a generator seeded by seed (the same records and seed, the
// same sample).
func NewReservoir(capacity int, seed uint64) *Reservoir {
	return &Reservoir{recs: make([]Record, 0, max(capacity, 1)), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Add offers one record.
func (r *Reservoir) Add(rec Record) {
	r.seen++
	if len(r.recs) < cap(r.recs) {
		r.recs = append(r.recs, rec)
		return
	}
	if i := r.rng.Int64N(r.seen); i < int64(len(r.recs)) {
		r.recs[i] = rec
	}
}

// Seen is how many records were offered.
func (r *Reservoir) Seen() int64 { return r.seen }

// Take returns the sample and empties the Reservoir for the next round.
func (r *Reservoir) Take() PartitionSample {
	s := PartitionSample{Records: r.recs, Seen: r.seen}
	r.recs, r.seen = make([]Record, 0, cap(r.recs)), 0
	return s
}

// PartitionSample is one partition's latest sample.
type PartitionSample struct {
	Records []Record // a fair sample of the records read from its tail
	Seen    int64    // how many records were read
}

// Sample is the latest sample of every partition sampled, by partition id.
// Readers share it: nothing in it may be modified.
type Sample struct {
	Partitions map[int32]PartitionSample
}
