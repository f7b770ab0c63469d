package stats

import (
	"testing"
	"time"
)

// TestAckLog: only partitions added after NewCounters keep a log; it takes
// an entry at most every AckLogEvery, ignores offsets that go back, ends
// after AckLogFor, and AckedAfter names the first offset heard of after a
// time (none past the log's end).
func TestAckLog(t *testing.T) {
	c := NewCounters(2)
	base := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) int64 { return base.Add(d).UnixNano() }
	c.LogAck(1, 5, at(0))
	if _, ok := c.AckedAfter(1, base.Add(-time.Second)); ok {
		t.Fatal("partition 1 existed at NewCounters: it has no log")
	}
	for i := range int64(100) { // an acknowledgement every millisecond
		c.LogAck(2, i, at(time.Duration(i)*time.Millisecond))
	}
	c.LogAck(2, 3, at(200*time.Millisecond)) // goes back: ignored
	for _, tc := range []struct {
		after time.Duration
		want  int64
		ok    bool
	}{
		{-time.Millisecond, 0, true}, // before the first: the first
		{0, 10, true},                // entries at 0, 10, 20 ... ms
		{15 * time.Millisecond, 20, true},
		{95 * time.Millisecond, 0, false}, // past the last entry (90 ms)
	} {
		got, ok := c.AckedAfter(2, base.Add(tc.after))
		if got != tc.want || ok != tc.ok {
			t.Errorf("AckedAfter(+%v) = %d, %v; want %d, %v", tc.after, got, ok, tc.want, tc.ok)
		}
	}
	// The log ends with its first entry AckLogFor or more after its
	// first: that one is a fact too, those after it are not taken.
	c.LogAck(2, 1000, at(AckLogFor+time.Second))
	c.LogAck(2, 1001, at(AckLogFor+2*time.Second))
	if got, ok := c.AckedAfter(2, base.Add(time.Second)); !ok || got != 1000 {
		t.Errorf("AckedAfter(+1s) = %d, %v; want 1000, the entry that ended the log", got, ok)
	}
	if got, ok := c.AckedAfter(2, base.Add(AckLogFor+time.Second)); ok {
		t.Errorf("AckedAfter(+AckLogFor+1s) = %d: an entry after the log ended", got)
	}
}

// TestAckLogBounded: however many partitions are added, at most
// ackLogPartitions keep a log.
func TestAckLogBounded(t *testing.T) {
	c := NewCounters(0)
	for p := range int32(ackLogPartitions + 10) {
		c.LogAck(p, 0, 1)
	}
	logged := 0
	for p := range int32(ackLogPartitions + 10) {
		if _, ok := c.AckedAfter(p, time.Unix(0, 0)); ok {
			logged++
		}
	}
	if logged != ackLogPartitions {
		t.Errorf("%d partitions logged, want %d", logged, ackLogPartitions)
	}
}

// BenchmarkLogAck: the promise's cost per record, on a partition that
// was there at the start (no log) and on one added since (an entry every
// AckLogEvery; the clock here moves 1 µs a record).
func BenchmarkLogAck(b *testing.B) {
	for _, tc := range []struct {
		name string
		p    int32
	}{{"initial", 0}, {"added", 4}} {
		b.Run(tc.name, func(b *testing.B) {
			c := NewCounters(4)
			now := time.Now().UnixNano()
			for i := range b.N {
				c.LogAck(tc.p, int64(i), now+int64(i)*1000)
			}
		})
	}
}
