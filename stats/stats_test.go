package stats

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ack(c *Counters, p int32, n int) {
	for range n {
		c.Ack(p, 10)
	}
}

func TestRatesUseRealElapsedTime(t *testing.T) {
	c := NewCounters(2)
	s := NewSampler(c, Config{NowWindow: time.Second, LongWindow: 10 * time.Second, BalanceWindow: time.Second})
	s.Sample(t0)
	ack(c, 0, 300)
	ack(c, 1, 100)
	// A late tick: 1.5 s instead of 1 s. Rates must divide by 1.5.
	s.Sample(t0.Add(1500 * time.Millisecond))
	snap := s.Snapshot()
	if got := snap.Partitions[0].Rate; !near(got, 200) {
		t.Fatalf("partition 0 rate = %v, want 200 (300 records over 1.5s)", got)
	}
	if got := snap.Partitions[1].Rate; !near(got, 100.0/1.5) {
		t.Fatalf("partition 1 rate = %v, want %v", got, 100.0/1.5)
	}
	if !near(snap.Rate, 400/1.5) {
		t.Fatalf("total rate = %v, want %v", snap.Rate, 400/1.5)
	}
	if !near(snap.Partitions[0].Share, 0.75) || !near(snap.Partitions[1].Share, 0.25) {
		t.Fatalf("shares = %v, %v; want 0.75, 0.25", snap.Partitions[0].Share, snap.Partitions[1].Share)
	}
	if snap.Acked != 400 || snap.Partitions[0].Acked != 300 {
		t.Fatalf("acked = %d (p0 %d), want 400 (300)", snap.Acked, snap.Partitions[0].Acked)
	}
	// Each record was 10 bytes: bytes/s over the same window.
	if got := snap.Partitions[0].BytesRate; !near(got, 2000) {
		t.Fatalf("partition 0 bytes rate = %v, want 2000 (3,000 bytes over 1.5s)", got)
	}
}

func TestWindowsPickTheRightSamples(t *testing.T) {
	c := NewCounters(1)
	s := NewSampler(c, Config{NowWindow: time.Second, BalanceWindow: 2 * time.Second, LongWindow: 4 * time.Second})
	// 10 records/s for 4 s, then 50 records/s for 1 s.
	s.Sample(t0)
	for i := 1; i <= 4; i++ {
		ack(c, 0, 10)
		s.Sample(t0.Add(time.Duration(i) * time.Second))
	}
	ack(c, 0, 50)
	s.Sample(t0.Add(5 * time.Second))
	p := s.Snapshot().Partitions[0]
	if !near(p.Rate, 50) {
		t.Errorf("now rate = %v, want 50", p.Rate)
	}
	if !near(p.RateBalance, 30) { // (10+50)/2
		t.Errorf("balance-window rate = %v, want 30", p.RateBalance)
	}
	if !near(p.RateLong, 20) { // (3*10+50)/4
		t.Errorf("long rate = %v, want 20", p.RateLong)
	}
	want := []float64{10, 10, 10, 10, 50}
	if len(p.History) != len(want) {
		t.Fatalf("history = %v, want %v", p.History, want)
	}
	for i := range want {
		if !near(float64(p.History[i]), want[i]) {
			t.Fatalf("history = %v, want %v", p.History, want)
		}
	}
}

func TestHistoryIsBoundedAndOrdered(t *testing.T) {
	c := NewCounters(1)
	s := NewSampler(c, Config{History: 8, TotalHistory: 5})
	s.Sample(t0)
	for i := 1; i <= 100; i++ {
		ack(c, 0, i) // rate i per second
		s.Sample(t0.Add(time.Duration(i) * time.Second))
	}
	snap := s.Snapshot()
	h := snap.Partitions[0].History
	if len(h) != 8 {
		t.Fatalf("history length = %d, want 8 (the ring size)", len(h))
	}
	for i, v := range h {
		if want := float64(93 + i); !near(float64(v), want) {
			t.Fatalf("history = %v, want 93..100 oldest first", h)
		}
	}
	// The sparklines' scale covers what is kept, not what was dropped.
	if snap.HistoryMax != float64(h[7]) {
		t.Fatalf("history max = %v, want %v (the newest, highest rate kept)", snap.HistoryMax, h[7])
	}
	if len(snap.TotalHistory) != 5 || !near(snap.TotalHistory[4], 100) || !near(snap.TotalHistory[0], 96) {
		t.Fatalf("total history = %v, want 96..100", snap.TotalHistory)
	}
	// The long window (30 s) is longer than the history: it uses all of it.
	if !near(snap.Partitions[0].RateLong, float64(94+100)/2) {
		t.Fatalf("long rate = %v, want mean of 94..100 = 97", snap.Partitions[0].RateLong)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	c := NewCounters(1)
	s := NewSampler(c, Config{})
	s.Sample(t0)
	ack(c, 0, 5)
	s.Sample(t0.Add(time.Second))
	a := s.Snapshot()
	a.Partitions[0].History[0] = -1
	a.TotalHistory[0] = -1
	b := s.Snapshot()
	if b.Partitions[0].History[0] != 5 || b.TotalHistory[0] != 5 {
		t.Fatalf("changing a snapshot changed the sampler: %v %v", b.Partitions[0].History, b.TotalHistory)
	}
}

func TestOutOfOrderSampleIgnored(t *testing.T) {
	c := NewCounters(1)
	s := NewSampler(c, Config{})
	s.Sample(t0)
	s.Sample(t0) // same instant: would divide by zero
	s.Sample(t0.Add(-time.Second))
	if n := s.Snapshot().Samples; n != 1 {
		t.Fatalf("samples = %d, want 1", n)
	}
}

func TestNewPartitionsAppearIdle(t *testing.T) {
	c := NewCounters(2)
	s := NewSampler(c, Config{})
	s.Sample(t0)
	ack(c, 0, 10)
	ack(c, 1, 10)
	c.Extend(4)
	s.Sample(t0.Add(time.Second))
	snap := s.Snapshot()
	if len(snap.Partitions) != 4 {
		t.Fatalf("partitions = %d, want 4", len(snap.Partitions))
	}
	if snap.Balance.Idle != 2 || !near(snap.Balance.Jain, 0.5) {
		t.Fatalf("balance = %+v, want 2 idle and Jain 0.5", snap.Balance)
	}
}

func TestCountersConcurrentAcksAcrossGrowth(t *testing.T) {
	c := NewCounters(1)
	var wg sync.WaitGroup
	const per = 5000
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				c.Ack(int32((g+i)%16), 1)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 2; n <= 64; n++ {
			c.Extend(n)
		}
	}()
	wg.Wait()
	var total uint64
	for _, tt := range c.Read() {
		total += tt.Acked
	}
	if total != 4*per {
		t.Fatalf("acked total = %d, want %d: a count was lost or doubled across growth", total, 4*per)
	}
	if c.Len() != 64 {
		t.Fatalf("len = %d, want 64", c.Len())
	}
}

func TestFirstAckAndFailures(t *testing.T) {
	c := NewCounters(1)
	if first, _ := c.Ack(0, 1); !first {
		t.Fatal("first ack not reported")
	}
	if first, _ := c.Ack(0, 1); first {
		t.Fatal("second ack reported as first")
	}
	if c.FirstAck(0).IsZero() || !c.FirstAck(3).IsZero() {
		t.Fatal("FirstAck wrong")
	}
	if _, off := c.FirstRecord(0); off != -1 {
		t.Fatalf("first record's offset %d before the producer said it, want -1 (not known)", off)
	}
	c.SetFirstOffset(0, 0)
	c.SetFirstOffset(0, 9) // only the first record's offset is kept
	if at, off := c.FirstRecord(0); !at.Equal(c.FirstAck(0)) || off != 0 {
		t.Fatalf("first record at offset %d, acknowledged %v; want offset 0 at %v", off, at, c.FirstAck(0))
	}
	if at, off := c.FirstRecord(7); !at.IsZero() || off != -1 {
		t.Fatalf("a partition with no slot: %v, offset %d", at, off)
	}
	c.Fail(0, errors.New("boom"))
	c.Fail(-1, errors.New("no partition"))
	s := NewSampler(c, Config{})
	s.Sample(t0)
	snap := s.Snapshot()
	if snap.Partitions[0].Errors != 1 || snap.Partitions[0].LastError != "boom" {
		t.Fatalf("partition errors = %d %q", snap.Partitions[0].Errors, snap.Partitions[0].LastError)
	}
	if snap.Unrouted != 1 || snap.Errors != 2 || snap.UnroutedError != "no partition" {
		t.Fatalf("unrouted = %d, errors = %d, %q", snap.Unrouted, snap.Errors, snap.UnroutedError)
	}
}

func TestBalanceOf(t *testing.T) {
	cases := []struct {
		name              string
		rates             []float64
		jain, maxMean, cv float64
		idle              int
	}{
		{"even", []float64{5, 5, 5, 5}, 1, 1, 0, 0},
		{"one does all", []float64{8, 0, 0, 0}, 0.25, 4, math.Sqrt(3), 3},
		{"half idle", []float64{1, 1, 0, 0}, 0.5, 2, 1, 2},
		{"nothing sent", []float64{0, 0}, 0, 0, 0, 2},
		{"skewed", []float64{3, 1}, 16.0 / 20, 1.5, 0.5, 0},
	}
	for _, tc := range cases {
		b := BalanceOf(tc.rates)
		if !near(b.Jain, tc.jain) || !near(b.MaxMean, tc.maxMean) || !near(b.CV, tc.cv) || b.Idle != tc.idle {
			t.Errorf("%s: got %+v, want jain %v max/mean %v cv %v idle %d", tc.name, b, tc.jain, tc.maxMean, tc.cv, tc.idle)
		}
		if b.Partitions != len(tc.rates) || !near(b.FairShare, 1/float64(len(tc.rates))) {
			t.Errorf("%s: partitions %d fair share %v", tc.name, b.Partitions, b.FairShare)
		}
	}
	if b := BalanceOf(nil); b.Partitions != 0 || b.Jain != 0 {
		t.Errorf("empty: %+v", b)
	}
}

// TestCountersFoldExactly: whatever the sizes, no count spills from the
// records field of a slot's pending word into its bytes field or back.
func TestCountersFoldExactly(t *testing.T) {
	c := NewCounters(1)
	c.Ack(0, 1<<33)             // too large for the pending word: straight to the totals
	c.Add(0, foldRecords+5, t0) // likewise
	for range 600 {             // 600 × 2^31 bytes would pass 2^40: Ack folds on the way
		c.Ack(0, 1<<31)
	}
	for range 1<<24 + 10 { // more than the records field holds: Ack folds on the way
		c.Ack(0, 0)
	}
	got := c.Read()[0]
	if want := uint64(1 + foldRecords + 5 + 600 + 1<<24 + 10); got.Acked != want {
		t.Errorf("acked %d, want %d", got.Acked, want)
	}
	if want := uint64(1<<33 + 600<<31); got.Bytes != want {
		t.Errorf("bytes %d, want %d", got.Bytes, want)
	}
}
