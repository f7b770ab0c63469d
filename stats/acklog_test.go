package stats

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestAckLog: only partitions added after NewCounters keep a log; it takes
// an entry at most every AckLogEvery (by the clock it is given), each at
// the time it was taken, ignores offsets that say nothing new, ends after
// AckLogFor, and AckedBy says how many were acknowledged by a time (none
// before the first entry; nothing known after a log that has ended).
func TestAckLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCounters(2)
		base := time.Now()
		c.LogAck(1, 5, base.UnixNano())
		if _, ok := c.AckedBy(1, base.Add(time.Second)); ok {
			t.Fatal("partition 1 existed at NewCounters: it has no log")
		}
		for i := range int64(100) { // an acknowledgement every millisecond
			c.LogAck(2, i, time.Now().UnixNano())
			time.Sleep(time.Millisecond)
		}
		c.LogAck(2, 3, time.Now().UnixNano()) // nothing new: ignored
		for _, tc := range []struct {
			by   time.Duration
			want int64
		}{
			{-time.Millisecond, 0},      // before the first entry: none
			{0, 1},                      // entries at 0, 10, 20 ... ms: offsets 0, 10, 20 ...
			{15 * time.Millisecond, 11}, // the entry at 10 ms
			{time.Second, 91},           // its last entry (offset 90 at 90 ms): 91..99 came within 10 ms of it
		} {
			if got, ok := c.AckedBy(2, base.Add(tc.by)); got != tc.want || !ok {
				t.Errorf("AckedBy(+%v) = %d, %v; want %d, true", tc.by, got, ok, tc.want)
			}
		}
		// A paced clock: the entry takes its own time, not the clock's
		// (a moment old), so it never says a record was acknowledged
		// before it was.
		time.Sleep(time.Second)
		c.LogAck(2, 200, time.Now().Add(-500*time.Millisecond).UnixNano())
		if got, _ := c.AckedBy(2, time.Now().Add(-time.Millisecond)); got != 91 {
			t.Errorf("AckedBy(a moment before offset 200 was logged) = %d, want 91", got)
		}
		// The log ends with its first entry AckLogFor or more after its
		// first: that one is a fact too, those after it are not taken.
		time.Sleep(AckLogFor)
		c.LogAck(2, 1000, time.Now().UnixNano())
		ended := time.Now()
		time.Sleep(time.Second)
		c.LogAck(2, 1001, time.Now().UnixNano())
		if got, ok := c.AckedBy(2, ended); !ok || got != 1001 {
			t.Errorf("AckedBy(the entry that ended the log) = %d, %v; want 1001, true", got, ok)
		}
		if got, ok := c.AckedBy(2, time.Now()); ok {
			t.Errorf("AckedBy(after the log ended) = %d: the log cannot say", got)
		}
	})
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
		if _, ok := c.AckedBy(p, time.Now()); ok {
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
