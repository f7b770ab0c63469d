package stats

import (
	"math"
	"testing"
	"time"
)

// TestInBytes: two partitions with the same records/s, one of records ten
// times the size: even by records, uneven by bytes, and the bytes view
// says so in every figure a view reads.
func TestInBytes(t *testing.T) {
	c := NewCounters(2)
	s := NewSampler(c, Config{NowWindow: time.Second, BalanceWindow: 2 * time.Second, LongWindow: 2 * time.Second})
	s.Sample(t0)
	for i := 1; i <= 2; i++ {
		for range 100 {
			c.Ack(0, 10)
			c.Ack(1, 100)
		}
		s.Sample(t0.Add(time.Duration(i) * time.Second))
	}
	snap := s.Snapshot()
	if !near(snap.Balance.Jain, 1) {
		t.Fatalf("records Jain = %v, want 1", snap.Balance.Jain)
	}
	b := snap.ByBytes()
	// Bytes/s 1,000 and 10,000: Jain = 11,000² / (2 × (1e6 + 1e8)).
	wantJain := 11000.0 * 11000 / (2 * (1e6 + 1e8))
	if !b.InBytes || snap.InBytes {
		t.Errorf("InBytes: view %v, records snapshot %v; want true, false", b.InBytes, snap.InBytes)
	}
	if !near(b.Balance.Jain, wantJain) {
		t.Errorf("bytes Jain = %v, want %v", b.Balance.Jain, wantJain)
	}
	if !near(b.Rate, 11000) || !near(b.RateLong, 11000) {
		t.Errorf("bytes rate now %v, long %v; want 11,000 both", b.Rate, b.RateLong)
	}
	if p := b.Partitions[1]; !near(p.Rate, 10000) || !near(p.Share, 10.0/11) || !near(p.RateBalance, 10000) {
		t.Errorf("partition 1 by bytes: rate %v share %v balance-window rate %v; want 10,000, 10/11, 10,000", p.Rate, p.Share, p.RateBalance)
	}
	if h := b.Partitions[1].History; len(h) != 2 || h[0] != 10000 || h[1] != 10000 {
		t.Errorf("partition 1 bytes history = %v, want [10000 10000]", h)
	}
	if b.HistoryMax != 10000 {
		t.Errorf("HistoryMax = %v, want 10,000", b.HistoryMax)
	}
	if th, bh := b.TotalHistory, b.BalanceHistory; len(th) != 2 || !near(th[1], 11000) || math.Abs(bh[1]-wantJain) > 1e-6 { // a float32 ring
		t.Errorf("bytes chart history: total %v balance %v; want last 11,000 and %v", th, bh, wantJain)
	}
	// The records snapshot is untouched.
	if snap.Partitions[1].Rate != 100 || snap.Partitions[1].History[1] != 100 {
		t.Errorf("ByBytes changed the records snapshot: rate %v history %v", snap.Partitions[1].Rate, snap.Partitions[1].History)
	}
	if snap.Bytes != 2*100*110 {
		t.Errorf("Bytes = %d, want %d", snap.Bytes, 2*100*110)
	}
}

// TestAddCountsEstimatedBytes: observe mode's Add counts bytes at the
// rate SetBytesPerRecord gave, from then on only; nonsense is refused.
func TestAddCountsEstimatedBytes(t *testing.T) {
	c := NewCounters(1)
	c.Add(0, 10, t0) // before any estimate: no bytes
	c.SetBytesPerRecord(0, 12.5)
	c.Add(0, 4, t0)
	c.SetBytesPerRecord(0, math.NaN())
	c.SetBytesPerRecord(0, -1)
	c.SetBytesPerRecord(-1, 3) // no partition -1: ignored, no panic
	c.Add(0, 2, t0)
	if got := c.Read()[0]; got.Acked != 16 || got.Bytes != 75 {
		t.Fatalf("acked %d bytes %d, want 16 and 75 (4×12.5 + 2×12.5)", got.Acked, got.Bytes)
	}
}
