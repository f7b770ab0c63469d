package stats

import (
	"math"
	"sync"
	"time"
)

// Config sets how much history a Sampler keeps and the windows its rates
// are computed over. Windows longer than the history kept use all of it.
type Config struct {
	History       int           // samples kept per partition (default 240)
	TotalHistory  int           // samples of the total rate kept for the chart (default 1200)
	NowWindow     time.Duration // "rate now" window (default 1s)
	BalanceWindow time.Duration // window for shares and balance figures (default 5s)
	LongWindow    time.Duration // "rate over a longer window" (default 30s)
}

// DefaultNowWindow is the window of "rate now".
const DefaultNowWindow = time.Second

func (c Config) withDefaults() Config {
	if c.History <= 1 {
		c.History = 240
	}
	if c.TotalHistory <= 1 {
		c.TotalHistory = 1200
	}
	if c.NowWindow <= 0 {
		c.NowWindow = DefaultNowWindow
	}
	if c.BalanceWindow <= 0 {
		c.BalanceWindow = 5 * time.Second
	}
	if c.LongWindow <= 0 {
		c.LongWindow = 30 * time.Second
	}
	return c
}

// Sampler turns Counters into rates. Each Sample call reads every counter
// and stores cumulative counts in fixed-size rings, so memory depends on the
// partition count and Config, never on uptime. Rates divide by the real time
// between samples, so a late or early tick does not skew them.
type Sampler struct {
	cfg Config
	c   *Counters

	mu       sync.Mutex
	n        int     // samples taken so far
	times    []int64 // ring of sample times (unix ns), len History
	parts    []partRing
	totals   []Totals // counters as of the latest sample
	unrouted Totals   // failures on no partition, as of the latest sample
	// Rings of len TotalHistory, one entry per sample, for the chart.
	total     []float64 // total rate
	jain      []float32 // Jain's index over the balance window; NaN: no traffic
	totalAt   []int64   // sample time, unix ns
	bytesRate []float64 // total bytes/s
	bytesJain []float32 // Jain's index over the balance window's bytes/s; NaN: no bytes
	// The balance-window rates and their balance as of the latest sample,
	// kept for Snapshot: both depend only on what Sample changes; the
	// same by bytes.
	rates        []float64
	balance      Balance
	byteRates    []float64
	bytesBalance Balance
}

type partRing struct {
	cum   []uint64  // acknowledged records, cumulative, per sample
	bytes []uint64  // their key and value bytes, cumulative, per sample
	rate  []float32 // records/s between the sample and the one before (float32 halves what Snapshot copies)
}

// NewSampler returns a sampler reading c.
func NewSampler(c *Counters, cfg Config) *Sampler {
	cfg = cfg.withDefaults()
	return &Sampler{
		cfg:     cfg,
		c:       c,
		times:   make([]int64, cfg.History),
		total:   make([]float64, cfg.TotalHistory),
		jain:    make([]float32, cfg.TotalHistory),
		totalAt: make([]int64, cfg.TotalHistory),
		// By bytes too: the dashboard's bytes view charts them.
		bytesRate: make([]float64, cfg.TotalHistory),
		bytesJain: make([]float32, cfg.TotalHistory),
	}
}

// Sample records the counters as of now. Calls must come with increasing
// times; a call not after the previous one is ignored.
func (s *Sampler) Sample(now time.Time) {
	totals, unrouted := s.c.Read(), s.c.Unrouted()
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.cfg.History
	ns := now.UnixNano()
	if s.n > 0 && ns <= s.times[(s.n-1)%h] {
		return
	}
	for len(s.parts) < len(totals) {
		s.parts = append(s.parts, partRing{cum: make([]uint64, h), bytes: make([]uint64, h), rate: make([]float32, h)})
	}
	i, prev := s.n%h, (s.n-1+h)%h
	var dt float64
	if s.n > 0 {
		dt = float64(ns-s.times[prev]) / 1e9
	}
	s.times[i] = ns
	var sum, sumBytes float64
	for p := range s.parts {
		r := &s.parts[p]
		r.cum[i], r.bytes[i] = totals[p].Acked, totals[p].Bytes
		r.rate[i] = 0
		if dt > 0 {
			rate := float64(r.cum[i]-r.cum[prev]) / dt
			r.rate[i] = float32(rate)
			sum += rate
			sumBytes += float64(r.bytes[i]-r.bytes[prev]) / dt
		}
	}
	t := s.n % s.cfg.TotalHistory
	s.total[t], s.totalAt[t], s.bytesRate[t] = sum, ns, sumBytes
	s.totals, s.unrouted = totals, unrouted
	s.n++
	s.jain[t], s.bytesJain[t] = s.balanceNow()
}

// balanceNow computes the balance-window rates and balance as of the
// latest sample into s.rates and s.balance, the same by bytes into
// s.byteRates and s.bytesBalance, and returns both Jain's indexes, NaN
// when nothing was sent in the window. Called with mu held.
func (s *Sampler) balanceNow() (records, bytes float32) {
	k := s.back(s.cfg.BalanceWindow)
	s.rates, s.byteRates = s.rates[:0], s.byteRates[:0]
	for p := range s.parts {
		s.rates = append(s.rates, s.rateOver(p, k))
		s.byteRates = append(s.byteRates, s.bytesOver(p, k))
	}
	s.balance, s.bytesBalance = BalanceOf(s.rates), BalanceOf(s.byteRates)
	return jainOrNaN(s.balance), jainOrNaN(s.bytesBalance)
}

// jainOrNaN is b's Jain's index for the chart's rings: NaN, a gap, when
// nothing was sent.
func jainOrNaN(b Balance) float32 {
	if b.Jain == 0 {
		return float32(math.NaN())
	}
	return float32(b.Jain)
}

// back returns how many samples before the latest one a window of w reaches:
// the newest sample at least w older than the latest, or the oldest kept.
func (s *Sampler) back(w time.Duration) int {
	h := s.cfg.History
	kept := min(s.n, h)
	latest := s.times[(s.n-1)%h]
	for k := 1; k < kept; k++ {
		if latest-s.times[(s.n-1-k)%h] >= int64(w) {
			return k
		}
	}
	return kept - 1
}

// rateOver is partition p's rate over the k samples before the latest.
func (s *Sampler) rateOver(p, k int) float64 { return s.perSecond(s.parts[p].cum, k) }

// bytesOver is partition p's bytes/s over the k samples before the
// latest.
func (s *Sampler) bytesOver(p, k int) float64 { return s.perSecond(s.parts[p].bytes, k) }

// perSecond is how fast a cumulative ring grew over the k samples before
// the latest.
func (s *Sampler) perSecond(ring []uint64, k int) float64 {
	if k <= 0 {
		return 0
	}
	h := s.cfg.History
	i, j := (s.n-1)%h, (s.n-1-k)%h
	dt := float64(s.times[i]-s.times[j]) / 1e9
	return float64(ring[i]-ring[j]) / dt
}

// Rate is the total rate over the now window as of the latest sample, 0
// before two samples: what Snapshot().Rate says, without the copy.
func (s *Sampler) Rate() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n < 2 {
		return 0
	}
	k := s.back(s.cfg.NowWindow)
	var sum float64
	for p := range s.parts {
		sum += s.rateOver(p, k)
	}
	return sum
}

// Samples is how many samples were taken.
func (s *Sampler) Samples() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}
