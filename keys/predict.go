package keys

import "partop/stats"

// Prediction is the load each partition would carry at another count.
type Prediction struct {
	Partitions    int
	Loads         []float64 // records/s by partition at Partitions (records seen, when weighed by Seen)
	Jain, MaxMean float64   // (Σx)²/(n·Σx²) and max/mean of Loads; both 1 when there is no load
	SkewFloor     float64   // the hottest key's share of all records, when above 1/Partitions; else 0
	HotKey        string    // that key (raw prefix), when SkewFloor > 0
	HotCut        bool      // HotKey is a prefix of a longer key
	Moved         float64   // share of keyed records (by traffic) whose partition changes
	Known         bool      // false when keyed records' placement is Unknown: they are assumed to stay where they are
}

// Predict is the load at to partitions: keyed traffic re-hashed from the
// sample with a's placement (each partition's sample weighted by its rate,
// as in Analyze), unkeyed traffic spread evenly over all to partitions (a
// producer that picks up new partitions). So is the traffic of empty keys
// when a found librdkafka's consistent_random placing them at random.
// Keyed traffic of an Unknown placement stays on its partition, and so
// does the rate of a partition with no sampled record (nothing says what
// it holds). Moved compares each key's partition at to with its partition
// at a's current count (the first of Analyze's counts).
func Predict(s Sample, rates []float64, a Analysis, to int) Prediction {
	if to < 1 {
		return Prediction{Partitions: to, Jain: 1, MaxMean: 1}
	}
	pl := newPlan(s, rates, a)
	loads := make([]float64, to)
	moved := pl.place(loads)
	p := Prediction{Partitions: to, Loads: loads, Known: pl.known}
	p.Jain, p.MaxMean = Jain(loads), MaxMean(loads)
	p.Moved = ratio(moved, pl.keyedW)
	if share := ratio(pl.hotW, pl.total); share > 1/float64(to) {
		p.SkewFloor, p.HotKey, p.HotCut = share, pl.hotKey, pl.hotCut
	}
	return p
}

// Balanced is the smallest count in (from, limit] whose predicted Jain
// reaches target; 0 when none does. It reads the sample once and then
// costs O(distinct keys + count) per count tried; a count whose hot key
// alone keeps Jain below target is not tried.
func Balanced(s Sample, rates []float64, a Analysis, from, limit int, target float64) int {
	pl := newPlan(s, rates, a)
	hot := ratio(pl.hotW, pl.total)
	var loads []float64
	for n := max(from+1, 1); n <= limit; n++ {
		if jainBound(hot, n) < target {
			if float64(n) > 1/hot {
				break // the bound only falls from here
			}
			continue
		}
		if cap(loads) < n {
			loads = make([]float64, n, 2*n)
		}
		loads = loads[:n]
		clear(loads)
		pl.place(loads)
		if Jain(loads) >= target {
			return n
		}
	}
	return 0
}

// jainBound is the highest Jain n partitions can reach when one key
// carries share hot of all records: that key's partition at hot, the
// others sharing the rest evenly.
func jainBound(hot float64, n int) float64 {
	if n <= 1 || hot <= 1/float64(n) {
		return 1
	}
	return 1 / (float64(n) * (hot*hot + (1-hot)*(1-hot)/float64(n-1)))
}

// Jain is Jain's fairness index of loads (stats.BalanceOf's), 1 when
// there is no load: a prediction for an idle topic is not uneven.
func Jain(loads []float64) float64 {
	if b := stats.BalanceOf(loads); b.Idle < len(loads) {
		return b.Jain
	}
	return 1
}

// MaxMean is the hottest load over the mean (stats.BalanceOf's), 1 when
// there is no load.
func MaxMean(loads []float64) float64 {
	if b := stats.BalanceOf(loads); b.Idle < len(loads) {
		return b.MaxMean
	}
	return 1
}

// plan is a sample's traffic, ready to be placed at any count.
type plan struct {
	known   bool
	hasher  int
	keyed   []hashLoad        // keyed traffic by key, for a Known placement
	stay    map[int32]float64 // traffic that keeps its partition
	spread  float64           // traffic spread evenly
	keyedW  float64           // all keyed traffic that is placed by its hash
	total   float64
	hotW    float64
	hotKey  string
	hotCut  bool
	current int // the partition count keys are placed under today
}

type hashLoad struct {
	sum uint64
	now int // its partition at the current count
	w   float64
}

func newPlan(s Sample, rates []float64, a Analysis) *plan {
	pl := &plan{hasher: a.Hasher, stay: map[int32]float64{}, current: a.current}
	pl.known = a.Hasher >= 0 && a.Hasher < numHashers
	if c := countsOf(s, nil); pl.current <= 0 && len(c) > 0 {
		pl.current = c[0] // an Analysis made by hand
	}
	w := weigh(s, rates)
	byKey := newTallies(countRecords(s)) // keyed traffic, placed by its hash
	var keyedUnknown bool
	for _, p := range sortedIDs(s) {
		recs := s.Partitions[p].Records
		pl.total += w[p]
		if len(recs) == 0 {
			pl.stay[p] += w[p]
			continue
		}
		rw := w[p] / float64(len(recs))
		for i := range recs {
			r := &recs[i]
			if !r.Keyed() || (r.Len == 0 && a.emptyRandom) {
				pl.spread += rw
				continue
			}
			t := byKey.of(r.ID(), r.Key, r.Len > len(r.Key), p)
			if t.records += rw; t.records > pl.hotW {
				pl.hotW, pl.hotKey, pl.hotCut = t.records, t.key, t.cut
			}
			if !pl.known {
				keyedUnknown = true
				pl.stay[p] += rw
				continue
			}
			t.sum = r.Sums[a.Hasher]
			pl.keyedW += rw
		}
	}
	if !keyedUnknown && !pl.known {
		pl.known = true // nothing keyed to place
	}
	if pl.known && pl.hasher >= 0 {
		pl.keyed = make([]hashLoad, len(byKey.all))
		for i, t := range byKey.all {
			pl.keyed[i] = hashLoad{sum: t.sum, now: Hashers[pl.hasher].Place(t.sum, pl.current), w: t.records}
		}
	}
	return pl
}

// place adds the plan's traffic to loads (one per partition) and returns
// the keyed traffic that changes partition.
func (pl *plan) place(loads []float64) (moved float64) {
	n := len(loads)
	spread := pl.spread
	for p, x := range pl.stay {
		if int(p) < n {
			loads[p] += x
		} else {
			spread += x // fewer partitions than now: its traffic goes elsewhere
		}
	}
	if pl.known && pl.hasher >= 0 {
		place := Hashers[pl.hasher].Place
		for _, k := range pl.keyed {
			to := place(k.sum, n)
			loads[to] += k.w
			if to != k.now {
				moved += k.w
			}
		}
	}
	each := spread / float64(n)
	for i := range loads {
		loads[i] += each
	}
	return moved
}
