package observe

import (
	"math"
	"slices"
	"testing"
	"time"

	"partop/source"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestWritten(t *testing.T) {
	t.Parallel()
	mark := func(epoch int16, seq int32) seqMark { return seqMark{id: 1, epoch: epoch, seq: seq} }
	for _, c := range []struct {
		name  string
		old   seqMark
		known bool
		cur   seqMark
		want  int64
	}{
		{name: "steady", old: mark(0, 99), known: true, cur: mark(0, 1099), want: 1000},
		{name: "nothing new", old: mark(3, 7), known: true, cur: mark(3, 7), want: 0},
		{name: "first records here", known: false, cur: mark(0, 49), want: 50},
		{name: "listed, nothing written yet", old: mark(0, -1), known: true, cur: mark(0, 9), want: 10},
		{name: "no sequence at all", known: true, old: mark(0, 5), cur: mark(0, -1), want: 0},
		{name: "epoch bump restarts at 0", old: mark(4, 5000), known: true, cur: mark(5, 299), want: 300},
		{name: "epoch bump, lower sequence", old: mark(4, 10), known: true, cur: mark(5, 2000), want: 2001},
		{name: "wrap past 2^31-1", old: mark(0, math.MaxInt32-50), known: true, cur: mark(0, 49), want: 100},
		{name: "wrap from the very top", old: mark(0, math.MaxInt32), known: true, cur: mark(0, 0), want: 1},
		{name: "reset without bump", old: mark(0, 5000), known: true, cur: mark(0, 99), want: 100},
	} {
		if got := written(c.old, c.known, c.cur); got != c.want {
			t.Errorf("%s: written(%+v, %v, %+v) = %d, want %d", c.name, c.old, c.known, c.cur, got, c.want)
		}
	}
}

// listed is one partition's DescribeProducers entry.
func listed(id int64, epoch int32, seq int32, stamp time.Time) kmsg.DescribeProducersResponseTopicPartitionActiveProducer {
	ap := kmsg.NewDescribeProducersResponseTopicPartitionActiveProducer()
	ap.ProducerID, ap.ProducerEpoch, ap.LastSequence = id, epoch, seq
	if !stamp.IsZero() {
		ap.LastTimestamp = stamp.UnixMilli()
	}
	return ap
}

type entries = []kmsg.DescribeProducersResponseTopicPartitionActiveProducer

func find(ps []source.Producer, id int64) (source.Producer, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	return source.Producer{}, false
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// TestBookRates: a producer's rate is the change in its last sequence
// numbers over the real time between looks, summed over partitions, through
// an epoch bump and a wrap-around; the first look has no rate.
func TestBookRates(t *testing.T) {
	t.Parallel()
	b := producerBook{window: 30 * time.Second, grace: 10 * time.Second}
	t0 := time.Unix(1_700_000_000, 0)
	look := func(at time.Time, p0, p1 entries) []source.Producer {
		b.observe(0, at, p0)
		b.observe(1, at, p1)
		return b.list(at, nil)
	}
	got := look(t0, entries{listed(7, 0, 99, t0)}, entries{listed(7, 0, math.MaxInt32-50, t0)})
	if p, ok := find(got, 7); !ok || p.Rate != 0 || p.State != source.ProducerActive {
		t.Fatalf("first look: %+v, want id 7 active with no rate yet", got)
	}
	t1 := t0.Add(10 * time.Second)
	got = look(t1, entries{listed(7, 0, 1099, t1)}, entries{listed(7, 0, 49, t1)}) // 1000 + 100 (wrapped)
	if p, _ := find(got, 7); !near(p.Rate, 110) || !slices.Equal(p.Partitions, []int32{0, 1}) {
		t.Fatalf("second look: %+v, want 110/s on partitions 0 and 1", p)
	}
	t2 := t1.Add(20 * time.Second)
	got = look(t2, entries{listed(7, 1, 399, t2)}, entries{listed(7, 0, 49, t1)}) // bumped: 400 on p0, nothing on p1
	if p, _ := find(got, 7); !near(p.Rate, 20) || p.Epoch != 1 || !p.LastWrite.Equal(t2) {
		t.Fatalf("after the epoch bump: %+v, want 20/s, epoch 1, last write %v", p, t2)
	}
}

// TestBookClock: the looks bound a write's time when the producer's clock
// disagrees with partop's: a stamp from the future is now, a stamp from long
// ago on a sequence that moved is no older than the previous look.
func TestBookClock(t *testing.T) {
	t.Parallel()
	b := producerBook{window: 30 * time.Second, grace: 10 * time.Second}
	t0 := time.Unix(1_700_000_000, 0)
	b.observe(0, t0, entries{listed(1, 0, 10, t0.Add(time.Hour)), listed(2, 0, 10, t0.Add(-time.Hour))})
	got := b.list(t0, nil)
	if p, _ := find(got, 1); !p.LastWrite.Equal(t0) {
		t.Errorf("stamp from the future: last write %v, want %v", p.LastWrite, t0)
	}
	if _, ok := find(got, 2); ok {
		t.Errorf("an hour-old stamp on a first look: listed, want dropped (silent for two windows)")
	}
	t1 := t0.Add(10 * time.Second)
	b.observe(0, t1, entries{listed(1, 0, 10, t0.Add(time.Hour)), listed(2, 0, 20, t0.Add(-time.Hour))})
	got = b.list(t1, nil)
	if p, ok := find(got, 2); !ok || !p.LastWrite.Equal(t0) || p.State != source.ProducerActive || !near(p.Rate, 1) {
		t.Errorf("skewed clock, sequence moved: %+v, want active, last write %v (the previous look), 1/s", p, t0)
	}
	if p, _ := find(got, 1); p.Rate != 0 || !p.LastWrite.Equal(t0) {
		t.Errorf("nothing new: %+v, want no rate and the same last write", p)
	}
}

// fleet plays producers against a producerBook: what every partition's
// leader would list, look after look.
type fleet struct {
	t     *testing.T
	b     producerBook
	now   time.Time
	parts int
	seq   map[int64]map[int32]int32
	stamp map[int64]map[int32]time.Time
}

func newFleet(t *testing.T, parts int) *fleet {
	return &fleet{t: t, b: producerBook{window: 30 * time.Second, grace: 10 * time.Second}, now: time.Unix(1_700_000_000, 0),
		parts: parts, seq: map[int64]map[int32]int32{}, stamp: map[int64]map[int32]time.Time{}}
}

// write has id write 100 records to each partition, now.
func (f *fleet) write(id int64, parts ...int32) {
	if f.seq[id] == nil {
		f.seq[id], f.stamp[id] = map[int32]int32{}, map[int32]time.Time{}
	}
	for _, p := range parts {
		s, ok := f.seq[id][p]
		if !ok {
			s = -1
		}
		f.seq[id][p], f.stamp[id][p] = s+100, f.now
	}
}

// look lists every partition's producers as of now.
func (f *fleet) look(exp *latest) []source.Producer {
	for p := int32(0); p < int32(f.parts); p++ {
		var es entries
		for id, seqs := range f.seq {
			if s, ok := seqs[p]; ok {
				es = append(es, listed(id, 0, s, f.stamp[id][p]))
			}
		}
		f.b.observe(p, f.now, es)
	}
	return f.b.list(f.now, exp)
}

func (f *fleet) states(exp *latest) map[int64]string {
	out := map[int64]string{}
	for _, p := range f.look(exp) {
		out[p.ID] = p.State
	}
	return out
}

func (f *fleet) expect(when string, got map[int64]string, want map[int64]string) {
	f.t.Helper()
	if len(got) != len(want) {
		f.t.Errorf("%s: states %v, want %v", when, got, want)
		return
	}
	for id, s := range want {
		if got[id] != s {
			f.t.Errorf("%s: states %v, want %v", when, got, want)
			return
		}
	}
}

var old4 = []int32{0, 1, 2, 3}

// TestStates: before an expansion every writing producer is active; after
// 4 → 8, one that writes to a new partition is adopted at once, one that
// keeps writing to the old four only is active through the grace period
// and stale after it; one that stopped before the expansion is not stale;
// a producer that wrote nothing within the window is idle, and after two
// windows it is gone, so a producer restarted with a new id leaves no
// stale id behind for long.
func TestStates(t *testing.T) {
	t.Parallel()
	const a, b, c, d, a2 = 1, 2, 3, 4, 5
	f := newFleet(t, 4)
	f.now = f.now.Add(-26 * time.Second)
	f.write(c, 2)
	f.now = f.now.Add(26 * time.Second)
	f.write(a, old4...)
	f.write(b, old4...)
	f.write(d, 0)
	f.expect("before the expansion", f.states(nil), map[int64]string{a: "active", b: "active", c: "active", d: "active"})

	f.now = f.now.Add(5 * time.Second)
	exp := &latest{from: 4, to: 8, at: f.now}
	f.parts = 8
	f.write(a, old4...)
	f.write(b, old4...)
	f.expect("at the expansion", f.states(exp), map[int64]string{a: "active", b: "active", c: "idle", d: "active"})

	f.now = f.now.Add(3 * time.Second)
	f.write(a, old4...)
	f.write(b, 5, 6)
	f.expect("within the grace period", f.states(exp), map[int64]string{a: "active", b: "adopted", c: "idle", d: "active"})

	f.now = exp.at.Add(f.b.grace)
	f.write(a, old4...)
	got := f.look(exp)
	f.expect("grace over", states(got), map[int64]string{a: "stale", b: "adopted", c: "idle", d: "active"})
	if got[0].ID != a || !slices.Equal(got[0].Partitions, old4) {
		t.Errorf("grace over: first row %+v, want the stale producer first, on partitions 0-3", got[0])
	}

	// a restarts with a new id that knows all 8 partitions.
	restart := f.now.Add(2 * time.Second)
	f.now = restart
	f.write(a, old4...)
	for f.now.Before(restart.Add(70 * time.Second)) {
		f.now = f.now.Add(5 * time.Second)
		f.write(a2, 0, 1, 2, 3, 4, 5, 6, 7)
		f.write(b, 0, 1, 2, 3, 4, 5, 6, 7)
		got := f.states(exp)
		silent := f.now.Sub(restart)
		switch want := got[a]; {
		case silent <= f.b.window && want != "stale":
			t.Errorf("%s after the restart: old id %q, want still stale (it wrote within the window)", silent, want)
		case silent > f.b.window && silent <= 2*f.b.window && want != "idle":
			t.Errorf("%s after the restart: old id %q, want idle", silent, want)
		case silent > 2*f.b.window && want != "":
			t.Errorf("%s after the restart: old id %q, want gone", silent, want)
		}
		if got[a2] != "adopted" {
			t.Errorf("%s after the restart: new id %q, want adopted", silent, got[a2])
		}
	}
}

func states(ps []source.Producer) map[int64]string {
	out := map[int64]string{}
	for _, p := range ps {
		out[p.ID] = p.State
	}
	return out
}

// TestBookBounded: a partition listing more ids than partop keeps loses
// the ones that wrote longest ago.
func TestBookBounded(t *testing.T) {
	t.Parallel()
	b := producerBook{window: 30 * time.Second, grace: 10 * time.Second}
	now := time.Unix(1_700_000_000, 0)
	var es entries
	for i := range maxIDsPerPartition + 500 {
		es = append(es, listed(int64(i), 0, 1, now.Add(-time.Duration(i)*time.Millisecond)))
	}
	b.observe(0, now, es)
	if n := len(b.marks[0]); n != maxIDsPerPartition {
		t.Fatalf("kept %d ids, want %d", n, maxIDsPerPartition)
	}
	for _, m := range b.marks[0] {
		if m.id >= maxIDsPerPartition {
			t.Fatalf("kept id %d, one of the oldest writers", m.id)
		}
	}
}

// TestNextLook: producers are listed every interval; from an expansion to
// the end of its grace period every fifth of it (at least every second),
// with a look just as it ends.
func TestNextLook(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	pp := &producerPoller{book: producerBook{grace: 10 * time.Second}}
	const wait = 10 * time.Second
	if d := pp.next(t0, wait); d != wait {
		t.Errorf("no expansion: next look in %s, want %s", d, wait)
	}
	pp.exp = &latest{from: 4, to: 8, at: t0}
	for _, c := range []struct {
		after, want time.Duration
	}{
		{0, 2 * time.Second},
		{7 * time.Second, 2 * time.Second},
		{9 * time.Second, time.Second + time.Millisecond},
		{10 * time.Second, time.Millisecond},
		{11 * time.Second, wait},
	} {
		if d := pp.next(t0.Add(c.after), wait); d != c.want {
			t.Errorf("%s after the expansion: next look in %s, want %s", c.after, d, c.want)
		}
	}
	pp.book.grace = time.Second
	if d := pp.next(t0, 200*time.Millisecond); d != 200*time.Millisecond {
		t.Errorf("a look every 200ms stays so during a 1s grace: next in %s", d)
	}
}
