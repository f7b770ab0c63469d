package engine_test

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"partop/rules"
	"partop/source"
)

// TestUnreadBoundedByLateAcks: records stamped before a time but
// acknowledged to partop's producer only after it (followers lagging)
// were not readable then. Where the records' times count more than was
// acknowledged by a bracket's end (plus engine.LandingSlack), the count is
// what partop's producer had heard of: nothing from the first record it
// heard of later was there.
func TestUnreadBoundedByLateAcks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, polls, eng, _ := expandedBesideDating(t)
		start := time.Now()
		ack := func(offset int64) {
			for _, p := range []int32{4, 5} {
				src.Ack(p, 1)
				src.Counters().SetFirstOffset(p, offset)
				src.Counters().LogAck(p, offset, time.Now().UnixNano())
			}
		}
		ack(0)
		go func() { // offset k acknowledged at start + 10k ms
			for k := int64(1); k <= 40; k++ {
				time.Sleep(10 * time.Millisecond)
				ack(k)
			}
		}()
		time.Sleep(100 * time.Millisecond)
		notYet := time.Now() // start + 100 ms: offsets up to 10 acknowledged
		polls.Report(source.AssignmentsSeen{Groups: source.Groups{Asked: notYet, At: notYet.Add(5 * time.Millisecond),
			List: []source.Group{{Name: "billing", Protocol: rules.ProtocolClassic}}}})
		time.Sleep(100 * time.Millisecond)
		g := group("billing", 6, true, nil, nil)
		g.Partitions = g.Partitions[4:]
		seen := time.Now().Add(5 * time.Millisecond) // start + 205 ms: up to 20
		polls.Report(source.AssignmentsSeen{Groups: source.Groups{Asked: time.Now(), At: seen, List: []source.Group{g}}})
		time.Sleep(3 * time.Second)
		polls.mu.Lock()
		asked := slices.Clone(polls.asked)
		polls.mu.Unlock()
		for _, at := range asked {
			ends := map[int32]int64{4: 0, 5: 0}
			switch {
			case at.Equal(notYet):
				ends = map[int32]int64{4: 18, 5: 18} // stamped by then
			case at.Equal(seen):
				ends = map[int32]int64{4: 40, 5: 40}
			}
			polls.Report(source.EndsAt{At: at, Ends: ends})
		}
		time.Sleep(time.Second)
		b := pickup(t, eng, "billing")
		// First heard of after notYet + 25 ms: offset 13 (at +130 ms);
		// after seen + 25 ms: offset 24 (at +240 ms). 13..24 on each
		// partition, narrow: the middle, 19 each.
		if !b.Narrow || b.UnreadMin != 26 || b.UnreadMax != 48 || b.UnreadAtAssignment != 38 {
			t.Fatalf("billing unread %d (%d..%d, narrow %v), want 38 (26..48): records acknowledged after a look were not readable at it, whatever their times (started %v)",
				b.UnreadAtAssignment, b.UnreadMin, b.UnreadMax, b.Narrow, start)
		}
	})
}
