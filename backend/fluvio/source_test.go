package fluvio

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"partop/backend/fluvio/client"
	"partop/producer"
	"partop/rules"
	"partop/source"
	"partop/source/sourcetest"
)

// Partitions Fluvio's own producer (Python fluvio 0.21.0) chose for these
// keys on a 6-partition topic; TestKeyHashMatchesFluvio checks more live.
func TestKeyPartitionMatchesFluvio(t *testing.T) {
	for key, want := range map[string]int{"key-0": 0, "key-1": 1, "key-2": 1, "key-3": 0, "key-4": 3, "key-5": 5, "key-6": 4, "key-8": 2} {
		if got := keyPartition([]byte(key), 6); got != want {
			t.Errorf("%s: partition %d, Fluvio picks %d", key, got, want)
		}
	}
}

// TestPartitionersHashKeysAsFluvio: every partitioner but round-robin
// places a keyed record where Fluvio's own producer does.
func TestPartitionersHashKeysAsFluvio(t *testing.T) {
	for _, name := range rules.FluvioRules.Partitioners {
		var takes atomic.Uint64
		pt := newPartitioner(name, &takes)
		for i := range 50 {
			key := []byte("key-" + strconv.Itoa(i))
			got, want := pt.pick(key, 10, 6), keyPartition(key, 6)
			if name != rules.RoundRobin && got != want {
				t.Errorf("%s: key %s on %d, Fluvio puts it on %d", name, key, got, want)
			}
		}
	}
}

// TestBatchRoundRobinTurnsAtEachTake: the default fills one partition
// until the flush loop takes what is pending, then the next in turn;
// partitions added get a record each at once.
func TestBatchRoundRobinTurnsAtEachTake(t *testing.T) {
	var takes atomic.Uint64
	pt := newPartitioner(rules.BatchRoundRobin, &takes)
	var got []int
	for range 5 { // five flushes of three records each
		for range 3 {
			got = append(got, pt.pick(nil, 100, 4))
		}
		takes.Add(1)
	}
	for range 3 { // grown to 6: one record on each new partition, then the last's turn
		got = append(got, pt.pick(nil, 100, 6))
	}
	takes.Add(1)
	got = append(got, pt.pick(nil, 100, 6))
	want := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0, 0, 0, 4, 5, 5, 0}
	if !slices.Equal(got, want) {
		t.Errorf("partitions %v, want %v", got, want)
	}
}

func TestKeyHashWithoutKeyRoundRobins(t *testing.T) {
	k := newPartitioner(rules.KeyHash, new(atomic.Uint64))
	for i := range 6 {
		if p := k.pick(nil, 10, 3); p != i%3 {
			t.Fatalf("keyless record %d: partition %d, want %d", i, p, i%3)
		}
	}
}

// TestPlacementNamesWhatPlacesKeyedRecords: the header's name for each
// partitioner is what it does with keyed records: where it says SipHash,
// every key lands on Fluvio's SipHash partition; where it names the
// partitioner, the same key lands on more than one partition.
func TestPlacementNamesWhatPlacesKeyedRecords(t *testing.T) {
	const n = 7
	for _, name := range rules.FluvioRules.Partitioners {
		if got := placement(name, false); got != name {
			t.Errorf("%s unkeyed: %q, want the partitioner", name, got)
		}
		pt := newPartitioner(name, new(atomic.Uint64))
		hashed, seen := true, map[int]bool{}
		for i := range 200 {
			key := []byte("key-" + strconv.Itoa(i%10))
			p := pt.pick(key, 1000, n)
			hashed = hashed && p == keyPartition(key, n)
			if i%10 == 0 {
				seen[p] = true
			}
		}
		got := placement(name, true)
		switch {
		case got == "key-hash, SipHash" && !hashed:
			t.Errorf("%s keyed: %q, but a key landed off its SipHash partition", name, got)
		case got != "key-hash, SipHash" && (hashed || len(seen) < 2 || got != name):
			t.Errorf("%s keyed: %q, but keys are hashed (key-0 on %d partitions)", name, got, len(seen))
		}
	}
}

func topicOf(parts ...client.Partition) client.Topic {
	return client.Topic{Name: "t", Partitions: parts}
}

func part(id int32, addr string) client.Partition {
	return client.Partition{ID: id, Leader: 5001, LeaderAddr: addr, LeaderOnline: addr != ""}
}

func TestRouteTableGrowsOnlyOverLedPartitions(t *testing.T) {
	r := newRouteTable(topicOf(part(0, "a"), part(1, "a")))
	if r.count() != 2 {
		t.Fatalf("count %d, want 2", r.count())
	}
	ch := r.changed()
	r.update(topicOf(part(0, "a"), part(1, "a"), part(2, ""), part(3, "a")))
	if r.count() != 2 {
		t.Errorf("partition 2 has no leader address yet: count %d, want 2", r.count())
	}
	r.update(topicOf(part(0, "a"), part(1, "a"), part(2, "a"), part(3, "a")))
	if r.count() != 4 {
		t.Errorf("count %d, want 4", r.count())
	}
	select {
	case <-ch:
	default:
		t.Error("changed() was not closed when the count grew")
	}
	r.update(topicOf(part(0, "a")))
	if r.count() != 4 {
		t.Errorf("a smaller state shrank the routing table to %d", r.count())
	}
}

func TestAccumulatorBounded(t *testing.T) {
	a := newAccumulator()
	stop := make(chan struct{})
	for range maxBuffered {
		a.add(0, client.Record{Value: []byte("v")}, stop)
	}
	added := make(chan bool)
	go func() { added <- a.add(1, client.Record{Value: []byte("v")}, stop) }()
	select {
	case <-added:
		t.Fatal("add did not wait with the buffer full")
	case <-time.After(20 * time.Millisecond):
	}
	batch, n := a.take()
	if n != maxBuffered || len(batch[0]) != maxBuffered {
		t.Fatalf("take: %d records", n)
	}
	a.finish(n)
	select {
	case ok := <-added:
		if !ok {
			t.Fatal("add gave up")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("add still waiting after the buffer emptied")
	}
	if a.buffered() != 1 {
		t.Errorf("buffered %d, want 1", a.buffered())
	}
	for a.buffered() < maxBuffered {
		a.add(2, client.Record{}, stop)
	}
	close(stop)
	if a.add(2, client.Record{}, stop) {
		t.Error("add on a full buffer after stop queued a record")
	}
}

func TestNotWritten(t *testing.T) {
	notLeader := &client.Error{Code: client.CodeNotLeaderForPartition}
	for _, c := range []struct {
		err     error
		callErr bool
		want    bool
	}{
		{notLeader, false, true},
		{client.ErrUnknownPartition, false, true},
		{client.ErrSPUOffline, false, false}, // the connection may have died after the write
		{errors.New("SC unreachable"), true, true},
		{client.ErrUnknownTopic, true, false},
	} {
		if got := notWritten(c.err, c.callErr); got != c.want {
			t.Errorf("notWritten(%v, %v) = %v", c.err, c.callErr, got)
		}
	}
}

func TestNewProducerRefusesLeastBackup(t *testing.T) {
	_, err := NewProducer(producer.Config{Topic: "t", Partitioner: rules.LeastBackup, Rate: 1}, nil, client.Topic{})
	if err == nil || !strings.Contains(err.Error(), "not available on Fluvio") {
		t.Errorf("least-backup: %v", err)
	}
}

func TestHealthLogsLeaderChangesOnce(t *testing.T) {
	rec := sourcetest.NewRecorder()
	var tr source.Reports
	tr.Set(rec)
	var h health
	up := topicOf(part(0, "a"), part(1, "a"))
	down := topicOf(part(0, "a"), part(1, "a"))
	for i := range down.Partitions {
		down.Partitions[i].LeaderOnline = false
		down.Partitions[i].Status = client.StatusLeaderOffline
	}
	h.report(&tr, up)
	h.report(&tr, down)
	h.report(&tr, down)
	h.report(&tr, up)
	var msgs []string
	for _, f := range rec.Facts() {
		n := f.(source.Notice)
		kind := "info"
		if n.Error {
			kind = "error"
		}
		msgs = append(msgs, kind+": "+n.Message)
	}
	want := []string{
		"error: leader SPU 5001 offline: partitions 0, 1 cannot take records (the SC reports LeaderOffline)",
		"info: leader SPU 5001 online again: partitions 0, 1",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

// TestObserverSaysItListsNoProducers: Fluvio has no DescribeProducers; the
// observer says so before it runs, so the panel says why at once.
func TestObserverSaysItListsNoProducers(t *testing.T) {
	o, err := NewObserver(ObserverConfig{Topic: "t"}, nil, topicOf(part(0, "a")))
	if err != nil {
		t.Fatal(err)
	}
	if a := o.About(); a.NoProducers != NoProducers || !a.Stepped {
		t.Errorf("About %+v: want stepped, NoProducers %q", a, NoProducers)
	}
}

// TestProducerSaysItGivesUp: Fluvio's producer fails records the cluster
// does not take within retryFor (no idempotent retries): the header must
// not call them waiting.
func TestProducerSaysItGivesUp(t *testing.T) {
	p, err := NewProducer(producer.Config{Topic: "t"}, nil, topicOf(part(0, "a")))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if a := p.About(); a.GivesUpAfter != retryFor {
		t.Errorf("gives up after %s, want %s", a.GivesUpAfter, retryFor)
	}
	if p.Held() != 0 {
		t.Errorf("holds %d before sending", p.Held())
	}
}

// TestNoBalancedPlacement: Fluvio's SC places the partitions it adds;
// neither source is a source.Placer, and both say why before they run,
// so the prompt refuses tab at once with Fluvio's reason.
func TestNoBalancedPlacement(t *testing.T) {
	o, err := NewObserver(ObserverConfig{Topic: "t"}, nil, topicOf(part(0, "a")))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProducer(producer.Config{Topic: "t"}, nil, topicOf(part(0, "a")))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, src := range []source.Source{o, p} {
		if _, ok := src.(source.Placer); ok {
			t.Errorf("%T is a source.Placer", src)
		}
		if why := src.About().NoPlacement; !strings.HasPrefix(why, "balanced placement is not available on Fluvio: Fluvio's SC places") {
			t.Errorf("%T: NoPlacement %q", src, why)
		}
	}
}
