package tui

import (
	"fmt"
	"strings"
	"testing"

	"partop/stats"
)

// bytesFixture: two partitions at 100 records/s each, partition 0's
// records 10 bytes, partition 1's 1,000: even by records, skewed by bytes.
func bytesFixture() *fakeEngine {
	c := stats.NewCounters(2)
	smp := stats.NewSampler(c, stats.Config{})
	for at := testStart; !at.After(testNow); at = at.Add(testTick) {
		for range 25 {
			c.Ack(0, 10)
			c.Ack(1, 1000)
		}
		smp.Sample(at)
	}
	return &fakeEngine{snap: snapshotAt(pickedUp, 2, testNow, smp.Snapshot())}
}

// TestBytesToggle: b switches the table, chart and balance line to bytes
// and back; the header's rate stays records, as the target is.
func TestBytesToggle(t *testing.T) {
	m := newTestModel(bytesFixture(), 120, 40)
	out := screen(m)
	if !strings.Contains(out, "RATE/s") || !strings.Contains(out, "balance even") {
		t.Fatalf("the records view is not the default:\n%s", out)
	}
	press(m, "b")
	out = screen(m)
	for _, want := range []string{"B/s", "BYTES/s, LAST", "BALANCE BY BYTES", "balance by bytes skewed", "total 101kB/s", "rate 200/s", "100k"} {
		if !strings.Contains(out, want) {
			t.Errorf("the bytes view lacks %q", want)
		}
	}
	if strings.Contains(out, "RATE/s") {
		t.Errorf("the bytes view still labels a column RATE/s")
	}
	// Jain over 1,000 and 100,000 bytes/s.
	if want := fmt.Sprintf("Jain %.3f", 101000.0*101000/(2*(1e6+1e10))); !strings.Contains(out, want) {
		t.Errorf("the balance line lacks %q", want)
	}
	if t.Failed() {
		t.Fatalf("screen:\n%s", out)
	}
	press(m, "b")
	if out := screen(m); !strings.Contains(out, "RATE/s") || !strings.Contains(out, "balance even") {
		t.Fatalf("b again did not go back to records:\n%s", out)
	}
}

// TestBytesUnknown: in observe mode before the sampler's first round
// partop knows no bytes: b says why and the view stays on records.
func TestBytesUnknown(t *testing.T) {
	eng := fixture(pickedUp, 4)
	s := *eng.snap
	s.Sending = false
	s.Stats.Bytes = 0
	eng.set(&s)
	m := newTestModel(eng, 120, 40)
	press(m, "b")
	out := screen(m)
	if !strings.Contains(out, "no bytes known yet") || !strings.Contains(out, "RATE/s") {
		t.Fatalf("b with no bytes known did not say so, or left the records view:\n%s", out)
	}
}
