package fluvio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"partop/backend/fluvio/client"
	"partop/source"
)

// fakeTails is a topic whose partition p holds records key-(offset%7)
// with 10-byte values, 10 to a batch of 200 bytes, up to its end offset;
// a partition in fail fails.
type fakeTails struct {
	ends  []int64
	fail  map[int32]bool
	calls []map[int32]int64
	max   []int32
}

func (f *fakeTails) TailRecords(_ context.Context, _ string, from map[int32]int64, maxBytes int32) (map[int32]client.Tail, error) {
	f.calls, f.max = append(f.calls, from), append(f.max, maxBytes)
	out := map[int32]client.Tail{}
	var failed []string
	for p, at := range from {
		if f.fail[p] {
			failed = append(failed, fmt.Sprint(p))
			continue
		}
		batchStart := at - at%10
		batches := min(int64(maxBytes)/200, (f.ends[p]-batchStart+9)/10)
		t := client.Tail{From: at, Batches: int(batches), Bytes: int(batches) * 200}
		for o := batchStart; o < min(batchStart+batches*10, f.ends[p]); o++ {
			t.BatchRecords++
			if o >= at {
				t.Records = append(t.Records, client.TailRecord{Offset: o, Key: fmt.Appendf(nil, "key-%d", o%7), ValueBytes: 10})
			}
		}
		out[p] = t
	}
	if failed != nil {
		return out, errors.New("partitions " + strings.Join(failed, ","))
	}
	return out, nil
}

type reports []source.Fact

func (r *reports) Report(f source.Fact) { *r = append(*r, f) }

func (r reports) sampled() []source.Sampled {
	var out []source.Sampled
	for _, f := range r {
		if s, ok := f.(source.Sampled); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r reports) problems() int {
	n := 0
	for _, f := range r {
		if _, ok := f.(source.Problem); ok {
			n++
		}
	}
	return n
}

// TestSamplerRound: the hottest partitions first under the budget, each
// read from about Capacity records before its end, sampled into a
// reservoir of Capacity; a partition with nothing new is not read again;
// failures are one Problem, not a stop.
func TestSamplerRound(t *testing.T) {
	f := &fakeTails{ends: []int64{1000, 50, 0, 5000}, fail: map[int32]bool{}}
	var ends []int64
	s, err := newSampler(SamplerConfig{Topic: "t", Capacity: 100, Budget: 40 << 10, EndOffsets: func() []int64 { return ends }}, f)
	if err != nil {
		t.Fatal(err)
	}
	var r reports
	if st, err := s.round(context.Background(), &r); err != nil || st.Planned != 0 || len(r) != 0 {
		t.Fatalf("before the first poll: %+v %v %v", st, err, r)
	}
	ends = f.ends
	// 100 records at the guessed 256 bytes and a 16 KiB batch: 41,984
	// bytes, more than the budget; the hottest alone, at the budget.
	st, err := s.round(context.Background(), &r)
	if err != nil || st.Planned != 1 || st.Sampled != 1 {
		t.Fatalf("first round: %+v %v", st, err)
	}
	if from := f.calls[0]; len(from) != 1 || from[3] < 4800 || from[3] > 4900 {
		t.Errorf("first round read %v, want partition 3 from about 4,900", from)
	}
	got := r.sampled()
	if len(got) != 1 {
		t.Fatalf("reports %v", r)
	}
	ps := got[0].Sample.Partitions[3]
	if ps.Seen < 100 || len(ps.Records) != 100 {
		t.Errorf("partition 3: %d records kept of %d seen, want 100 of at least 100", len(ps.Records), ps.Seen)
	}
	if k := ps.Records[0]; !k.Keyed() || k.Bytes != len(k.Key)+10 {
		t.Errorf("a record %+v", k)
	}
	// Measured now at 20 bytes a record and 200 a batch: 2,200 bytes a
	// partition; partitions 0 and 1 (3 not moved, 2 empty).
	r = nil
	st, err = s.round(context.Background(), &r)
	if err != nil || st.Planned != 2 || st.Sampled != 2 {
		t.Fatalf("second round: %+v %v", st, err)
	}
	if from := f.calls[1]; from[0] != 900 || from[1] != 0 || f.max[1] != 2200 {
		t.Errorf("second round read %v at %d bytes", from, f.max[1])
	}
	if p1 := r.sampled()[0].Sample.Partitions[1]; p1.Seen != 50 {
		t.Errorf("partition 1: %d seen, want its 50", p1.Seen)
	}
	// Nothing new: nothing read. Then partition 0 moves and fails.
	r = nil
	if st, _ := s.round(context.Background(), &r); st.Planned != 0 || len(r) != 0 {
		t.Errorf("nothing new: %+v %v", st, r)
	}
	f.ends[0], f.ends[1], f.fail[0] = 1100, 60, true
	st, err = s.round(context.Background(), &r)
	if err != nil || st.Sampled != 1 || r.problems() != 1 || len(r.sampled()) != 1 {
		t.Errorf("one failed: %+v %v %v", st, err, r)
	}
	f.ends[1] = 70
	f.fail[1] = true
	r = nil
	if _, err := s.round(context.Background(), &r); err == nil || r.problems() != 0 {
		t.Errorf("all failed within 10 s of the last problem: %v, %d problems (want an error to back off, no problem)", err, r.problems())
	}
}

func TestNewSamplerRefuses(t *testing.T) {
	ends := func() []int64 { return nil }
	for _, cfg := range []SamplerConfig{
		{Topic: "t", Budget: -1, EndOffsets: ends},
		{Topic: "t", Budget: MaxSampleBudget + 1, EndOffsets: ends},
		{Topic: "t", Capacity: -1, EndOffsets: ends},
		{Topic: "t"},
	} {
		if _, err := newSampler(cfg, &fakeTails{}); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
