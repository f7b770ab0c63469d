package tui

import (
	"fmt"
	"strings"
	"testing"

	"partop/keys"
)

// TestPromptPredicts: with a record sample in which one key carries half
// the records, the prompt predicts the balance for the count typed (in a
// tea.Cmd) and says no partition count balances the topic; without a
// sample it predicts nothing.
func TestPromptPredicts(t *testing.T) {
	eng := fixture(pickedUp, 4)
	s := *eng.snap
	sample := keys.Sample{Partitions: map[int32]keys.PartitionSample{}}
	add := func(k string, n int) {
		p := int32(keys.Murmur2Partition([]byte(k), 4))
		ps := sample.Partitions[p]
		for range n {
			ps.Records = append(ps.Records, keys.NewRecord([]byte(k), 100))
		}
		ps.Seen += int64(n)
		sample.Partitions[p] = ps
	}
	add("tenant-7", 200)
	for i := range 200 {
		add(fmt.Sprintf("tenant-%d", 100+i), 1)
	}
	s.Keys = sample
	rates := make([]float64, len(s.Stats.Partitions))
	for i, p := range s.Stats.Partitions {
		rates[i] = p.RateBalance
	}
	s.KeyAnalysis = keys.Analyze(sample, rates, []int{4}, 10)
	eng.set(&s)
	m := newTestModel(eng, 160, 40)
	press(m, "a")
	typeText(m, "=")
	run(m, press(m, "8"))
	out := screen(m)
	if !strings.Contains(out, "predicted Jain") || !strings.Contains(out, "key tenant-7 carries") || !strings.Contains(out, "no partition count balances this topic") {
		t.Fatalf("the prompt for 8 partitions shows no prediction with the hot key:\n%s", promptArea(out))
	}

	bare := fixture(pickedUp, 4)
	m = newTestModel(bare, 160, 40)
	press(m, "a")
	typeText(m, "=")
	run(m, press(m, "8"))
	if out := screen(m); strings.Contains(out, "predicted") {
		t.Fatalf("a prediction without a sample:\n%s", out)
	}
}

// promptArea is the screen from the prompt's line on.
func promptArea(s string) string {
	if i := strings.Index(s, "add partitions ›"); i >= 0 {
		return s[i:]
	}
	return s
}

// A prediction already even suggests no other count, and the moved share
// is the keyed traffic's.
func TestPromptPredictsEven(t *testing.T) {
	eng := fixture(pickedUp, 4)
	s := *eng.snap
	sample := devices(2000)
	s.Keys = sample
	s.KeyAnalysis = keys.Analyze(sample, nil, []int{4}, 10)
	eng.set(&s)
	m := newTestModel(eng, 200, 40)
	press(m, "a")
	typeText(m, "=")
	run(m, press(m, "8"))
	out := promptArea(screen(m))
	if !strings.Contains(out, "predicted Jain") || strings.Contains(out, "Jain 0.9 from") || !strings.Contains(out, "of keyed traffic changes partition") {
		t.Fatalf("an even prediction:\n%s", out)
	}
}

// A newer sample while the prompt is open is predicted again.
func TestPromptPredictsAgainOnNewSample(t *testing.T) {
	eng := withSample(t) // tenant-7 carries half the records
	m := newTestModel(eng, 200, 40)
	press(m, "a")
	typeText(m, "=")
	run(m, press(m, "8"))
	if out := promptArea(screen(m)); !strings.Contains(out, "key tenant-7 carries") {
		t.Fatalf("the first sample's hot key is not named:\n%s", out)
	}
	s := *eng.snap
	even := devices(2000)
	s.Keys, s.KeyAnalysis, s.KeysVersion = even, keys.Analyze(even, nil, []int{4}, 10), s.KeysVersion+1
	eng.set(&s)
	_, cmd := m.Update(tickMsg{})
	run(m, cmd)
	if out := promptArea(screen(m)); strings.Contains(out, "tenant-7") || !strings.Contains(out, "predicted Jain") {
		t.Fatalf("the newer sample was not predicted again:\n%s", out)
	}
}

// devices is a sample of n keys, device-0 to device-n-1, one record each,
// placed by murmur2 over 4 partitions: traffic that spreads evenly.
func devices(n int) keys.Sample {
	s := keys.Sample{Partitions: map[int32]keys.PartitionSample{}}
	for i := range n {
		k := []byte(fmt.Sprintf("device-%d", i))
		p := int32(keys.Murmur2Partition(k, 4))
		ps := s.Partitions[p]
		ps.Records, ps.Seen = append(ps.Records, keys.NewRecord(k, 100)), ps.Seen+1
		s.Partitions[p] = ps
	}
	return s
}
