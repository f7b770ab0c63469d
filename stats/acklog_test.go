package stats

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestAckLog: only partitions added after NewCounters keep a log; the
// sampler notes the highest offset heard every AckLogEvery, with a time
// after it was heard (so a batch's last record counts from the first
// note after it, not only its first), ends a log AckLogFor after its first
// entry, and AckedBy says how many were heard acknowledged by a time (none
// before the first entry; nothing known after a log that has ended).
func TestAckLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCounters(2)
		c.LogAck(1, 5)
		if _, ok := c.AckedBy(1, time.Now().Add(time.Second)); ok {
			t.Fatal("partition 1 existed at NewCounters: it has no log")
		}
		base := time.Now()
		for batch := range int64(5) { // a batch of 10 at 0, 85, 165, 245 and 325 ms, its promises together
			for i := range int64(10) {
				c.LogAck(2, batch*10+i)
			}
			// Off the sampler's 10 ms grid after the first: a note and
			// a batch at one instant run in either order.
			time.Sleep(80*time.Millisecond + 5*time.Millisecond*time.Duration(max(1-batch, 0)))
		}
		for _, tc := range []struct {
			by   time.Duration
			want int64
		}{
			{-time.Millisecond, 0},      // before anything was heard
			{5 * time.Millisecond, 0},   // heard at 0, first noted at 10 ms
			{10 * time.Millisecond, 10}, // the whole first batch, not its first record
			{89 * time.Millisecond, 10}, // the second batch, heard at 85 ms, noted at 90
			{90 * time.Millisecond, 20},
			{time.Second, 50}, // the log goes on: its last entry
		} {
			if got, ok := c.AckedBy(2, base.Add(tc.by)); got != tc.want || !ok {
				t.Errorf("AckedBy(+%v) = %d, %v; want %d, true", tc.by, got, ok, tc.want)
			}
		}
		c.LogAck(2, 3) // goes back: nothing new
		time.Sleep(20 * time.Millisecond)
		if got, _ := c.AckedBy(2, time.Now()); got != 50 {
			t.Errorf("AckedBy(now) = %d after an older offset, want 50", got)
		}
		// The log ends AckLogFor after its first entry; what it noted
		// stays, and past its end it says nothing.
		time.Sleep(AckLogFor)
		c.LogAck(2, 1000)
		time.Sleep(time.Second)
		if got, ok := c.AckedBy(2, base.Add(time.Second)); !ok || got != 50 {
			t.Errorf("AckedBy(+1s) = %d, %v after the log ended; want 50, true", got, ok)
		}
		if got, ok := c.AckedBy(2, time.Now()); ok {
			t.Errorf("AckedBy(after the log ended) = %d: the log cannot say", got)
		}
	})
}

// TestAckLogBounded: however many partitions are added, at most
// ackLogPartitions keep a log, and the sampler stops once every log has
// ended.
func TestAckLogBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCounters(0)
		for p := range int32(ackLogPartitions + 10) {
			c.LogAck(p, 0)
		}
		time.Sleep(AckLogEvery)
		logged := 0
		for p := range int32(ackLogPartitions + 10) {
			if _, ok := c.AckedBy(p, time.Now()); ok {
				logged++
			}
		}
		if logged != ackLogPartitions {
			t.Errorf("%d partitions logged, want %d", logged, ackLogPartitions)
		}
		// The sampler stops once every log has ended: synctest.Test
		// fails on a goroutine left blocked.
		time.Sleep(AckLogFor + AckLogEvery)
	})
}

// BenchmarkLogAck: the promise's cost per record, on a partition that
// was there at the start (no log) and on one added since.
func BenchmarkLogAck(b *testing.B) {
	for _, tc := range []struct {
		name string
		p    int32
	}{{"initial", 0}, {"added", 4}} {
		b.Run(tc.name, func(b *testing.B) {
			c := NewCounters(4)
			for i := range b.N {
				c.LogAck(tc.p, int64(i))
			}
		})
	}
}
