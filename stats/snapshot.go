package stats

import "time"

// Snapshot is a value copy of the sampler's state as of its latest sample:
// nothing in it is shared with the sampler, so readers need no lock.
type Snapshot struct {
	At         time.Time // time of the latest sample; zero before the first
	Samples    int       // samples taken so far
	Partitions []Partition

	Acked, Errors uint64 // totals over all partitions (Errors includes Unrouted)
	// Unrouted counts records that failed before a partition was chosen;
	// UnroutedError is the last such error.
	Unrouted      uint64
	UnroutedError string
	Rate          float64 // records/s over the now window
	RateLong      float64 // records/s over the long window
	// TotalHistory is the total rate per sample, oldest first;
	// BalanceHistory is Jain's index over the balance window at each of
	// those samples (NaN where nothing was sent), and HistoryTimes their
	// times (unix ns).
	TotalHistory   []float64
	BalanceHistory []float64
	HistoryTimes   []int64
	// Balance is computed from the rates over the balance window.
	Balance Balance
	// HistoryMax is the highest rate in any partition's History, 0 when
	// none is positive (NaN never counts): the sparklines' common scale,
	// found once here rather than on every frame of every dashboard.
	HistoryMax float64
	Config     Config

	// By bytes (key and value bytes): the same figures, where the source
	// counts bytes (partop's own producer, exactly; observe mode from
	// Counters.SetBytesPerRecord, an estimate); all 0 where it does not.
	// ByBytes makes a Snapshot of them that every view reads as it reads
	// this one.
	Bytes               uint64
	BytesRate           float64
	BytesRateLong       float64
	BytesTotalHistory   []float64
	BytesBalanceHistory []float64
	BytesBalance        Balance
	// InBytes is true in the Snapshot InBytes made: its rates and shares
	// are bytes, and views label them so.
	InBytes bool
}

// Partition is one partition's figures in a Snapshot.
type Partition struct {
	ID                   int32
	Acked, Bytes, Errors uint64
	LastError            string
	FirstAck             time.Time // zero until the first acknowledged record
	Rate                 float64   // records/s over the now window
	BytesRate            float64   // key and value bytes/s over the now window, where the source counts bytes (partop's own producer); else 0
	RateLong             float64   // records/s over the long window
	RateBalance          float64   // records/s over the balance window
	Share                float64   // fraction of the total over the balance window
	BytesRateLong        float64   // bytes/s over the long window
	BytesRateBalance     float64   // bytes/s over the balance window
	BytesShare           float64   // fraction of the total bytes over the balance window
	History              []float32 // rate per sample, oldest first (float32: at 1,024 partitions the copy is most of Snapshot's cost)
}

// Snapshot returns a copy of the latest sample. It is cheap: per-partition
// history shares one freshly allocated backing array.
func (s *Sampler) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{Samples: s.n, Config: s.cfg}
	if s.n == 0 {
		return snap
	}
	h := s.cfg.History
	snap.At = time.Unix(0, s.times[(s.n-1)%h])
	kNow, kLong := s.back(s.cfg.NowWindow), s.back(s.cfg.LongWindow)
	kept := min(s.n, h)
	// The newest sample's rate covers the interval before it, so history
	// starts at the second sample ever taken.
	hist := kept
	if s.n <= h {
		hist = kept - 1
	}
	backing := make([]float32, len(s.parts)*hist)
	snap.Partitions = make([]Partition, len(s.parts))
	var balSum, bytesSum float64
	for p := range s.parts {
		t := s.totals[p]
		part := Partition{
			ID: int32(p), Acked: t.Acked, Bytes: t.Bytes, Errors: t.Errors,
			LastError: t.LastError, FirstAck: t.FirstAck,
			Rate:      s.rateOver(p, kNow),
			BytesRate: s.bytesOver(p, kNow),
			RateLong:  s.rateOver(p, kLong),
			// Sample computed it already, from the same state: only
			// Sample changes what rateOver reads.
			RateBalance:      s.rates[p],
			BytesRateLong:    s.bytesOver(p, kLong),
			BytesRateBalance: s.byteRates[p],
		}
		part.History = backing[p*hist : (p+1)*hist : (p+1)*hist]
		copyRing(part.History, s.parts[p].rate, (s.n-hist)%h)
		snap.Acked += t.Acked
		snap.Errors += t.Errors
		snap.Rate += part.Rate
		snap.RateLong += part.RateLong
		balSum += part.RateBalance
		snap.Bytes += t.Bytes
		snap.BytesRate += part.BytesRate
		snap.BytesRateLong += part.BytesRateLong
		bytesSum += part.BytesRateBalance
		snap.Partitions[p] = part
	}
	for p := range snap.Partitions {
		if balSum > 0 {
			snap.Partitions[p].Share = s.rates[p] / balSum
		}
		if bytesSum > 0 {
			snap.Partitions[p].BytesShare = s.byteRates[p] / bytesSum
		}
	}
	snap.Balance, snap.BytesBalance = s.balance, s.bytesBalance
	snap.HistoryMax = highest(backing)
	snap.Unrouted, snap.UnroutedError = s.unrouted.Errors, s.unrouted.LastError
	snap.Errors += s.unrouted.Errors
	s.totalHistory(&snap)
	return snap
}

// highest is the largest value in every partition's history end to end,
// one flat scan; a bare compare from 0 skips NaN and anything not
// positive.
func highest(histories []float32) float64 {
	var top float32
	for _, v := range histories {
		if v > top {
			top = v
		}
	}
	return float64(top)
}

// totalHistory copies the chart's rings, oldest first, into snap. Called
// with mu held.
func (s *Sampler) totalHistory(snap *Snapshot) {
	th := s.cfg.TotalHistory
	tk := min(s.n-1, th)
	snap.TotalHistory = make([]float64, tk)
	snap.BalanceHistory = make([]float64, tk)
	snap.HistoryTimes = make([]int64, tk)
	snap.BytesTotalHistory = make([]float64, tk)
	snap.BytesBalanceHistory = make([]float64, tk)
	for k := range tk {
		i := (s.n - tk + k) % th
		snap.TotalHistory[k], snap.BalanceHistory[k], snap.HistoryTimes[k] = s.total[i], float64(s.jain[i]), s.totalAt[i]
		snap.BytesTotalHistory[k], snap.BytesBalanceHistory[k] = s.bytesRate[i], float64(s.bytesJain[i])
	}
}

// copyRing copies len(dst) ring entries starting at index from, oldest
// first, as two memmoves: element-wise copying made Snapshot of 1,024
// partitions miss its 1 ms goal.
func copyRing(dst, ring []float32, from int) {
	n := copy(dst, ring[from:])
	copy(dst[n:], ring)
}
