package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"partop/engine"
	"partop/keys"
)

// withSample gives a 4-partition fixture a record sample placed by
// murmur2: tenant-7 carries 200 of the records, 200 other keys one each,
// and 40 records on partition 0 have no key.
func withSample(t *testing.T) *fakeEngine {
	t.Helper()
	eng := fixture(pickedUp, 4)
	s := *eng.snap
	sample := keys.Sample{Partitions: map[int32]keys.PartitionSample{}}
	add := func(p int32, r keys.Record) {
		ps := sample.Partitions[p]
		ps.Records, ps.Seen = append(ps.Records, r), ps.Seen+1
		sample.Partitions[p] = ps
	}
	for i := range 400 {
		k := fmt.Sprintf("tenant-%d", 100+i%200)
		if i%2 == 0 {
			k = "tenant-7"
		}
		add(int32(keys.Murmur2Partition([]byte(k), 4)), keys.NewRecord([]byte(k), 100))
	}
	for range 40 {
		add(0, keys.NewRecord(nil, 100))
	}
	s.Keys = sample
	s.KeyAnalysis = keys.Analyze(sample, nil, []int{4}, 5)
	eng.set(&s)
	return eng
}

// TestKeysPanel: the panel names the placement and the topic's hottest
// keys; Enter shows the keys of the partition on the table's top row, Enter
// again the next row's, Esc the topic's again; a denied read says so.
func TestKeysPanel(t *testing.T) {
	eng := withSample(t)
	m := newTestModel(eng, 140, 50)
	out := screen(m)
	if !strings.Contains(out, "KEYS sampled · murmur2 (Java") || !strings.Contains(out, "explains 100% of 400 keyed records") || !strings.Contains(out, "tenant-7") {
		t.Fatalf("the keys panel does not name murmur2 and tenant-7:\n%s", out)
	}
	press(m, "enter")
	top := m.snap.Partitions[m.table.order[m.table.offset]].ID
	if out := screen(m); !strings.Contains(out, fmt.Sprintf("KEYS on partition %d", top)) {
		t.Fatalf("Enter did not show partition %d's keys:\n%s", top, out)
	}
	press(m, "enter")
	next := m.snap.Partitions[m.table.order[m.table.offset+1]].ID
	if out := screen(m); !strings.Contains(out, fmt.Sprintf("KEYS on partition %d", next)) {
		t.Fatalf("Enter again did not show the next row's partition %d:\n%s", next, out)
	}
	press(m, "esc")
	if out := screen(m); !strings.Contains(out, "KEYS sampled") {
		t.Fatalf("Esc did not go back to the topic's keys:\n%s", out)
	}

	denied := fixture(pickedUp, 4)
	s := *denied.snap
	s.KeysDenied = true
	denied.set(&s)
	m = newTestModel(denied, 140, 50)
	if out := screen(m); !strings.Contains(out, "sampling records needs Read on the topic") {
		t.Fatalf("a denied read is not said:\n%s", out)
	}
	bare := newTestModel(fixture(pickedUp, 4), 140, 50)
	if out := screen(bare); strings.Contains(out, "KEYS") {
		t.Fatalf("a keys panel without a sample:\n%s", out)
	}
	press(bare, "enter")
	if out := screen(bare); !strings.Contains(out, "no record sample yet") {
		t.Fatalf("Enter without a sample says nothing:\n%s", out)
	}
}

// The event log tells an expansion's prediction, then what was measured.
func TestEventLogPrediction(t *testing.T) {
	p := &engine.Prediction{}
	p.Jain = 0.78
	ev := engine.Event{Kind: engine.KindExpansion, From: 4, To: 8, By: engine.ByPartop, Done: true, Prediction: p}
	if got := describe(&ev, detailAll, time.UTC); !strings.Contains(got, "Jain predicted 0.78") || strings.Contains(got, "measured") {
		t.Fatalf("before it settled: %q", got)
	}
	m := *p
	m.Measured, m.MeasuredJain = true, 0.77
	ev.Prediction = &m
	if got := describe(&ev, detailAll, time.UTC); !strings.Contains(got, "Jain predicted 0.78, measured 0.77") {
		t.Fatalf("once measured: %q", got)
	}
}

// Records without keys leave the panel out: the default run's screen.
func TestKeysPanelUnkeyed(t *testing.T) {
	eng := fixture(pickedUp, 4)
	s := *eng.snap
	sample := keys.Sample{Partitions: map[int32]keys.PartitionSample{0: {Records: []keys.Record{keys.NewRecord(nil, 100)}, Seen: 1}}}
	s.Keys, s.KeyAnalysis = sample, keys.Analyze(sample, nil, []int{4}, 5)
	eng.set(&s)
	if out := screen(newTestModel(eng, 140, 50)); strings.Contains(out, "KEYS") || s.KeyAnalysis.Partitioner != keys.Unkeyed {
		t.Fatalf("a keys panel for records without keys (%s):\n%s", s.KeyAnalysis.Partitioner, out)
	}
}
