package sample

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"partop/backend/kafka/cluster"
	"partop/internal/waitfor"
	"partop/keys"
	"partop/source"
)

// onlySample is the one Sampled a round reported.
func onlySample(t *testing.T, f *facts) source.Sampled {
	t.Helper()
	got := f.sampled()
	if len(got) != 1 {
		t.Fatalf("%d Sampled reported, want 1; problems: %q", len(got), f.problems())
	}
	return got[0]
}

// Every sampled record's key is one written to its partition, with the
// record's bytes; the top keys' shares of the topic (each partition's
// sample weighted by what it holds) are within 2 points of what was
// written; a round with nothing new reads nothing.
func TestSampleKeysMatchWritten(t *testing.T) {
	t.Parallel()
	const topic, valueBytes = "keys", 100
	opts := embedded(t, topic, 4)
	w := produce(t, client(t, opts), zipfKeys(topic, 40000, 50, valueBytes, 7))
	s := sampler(t, Config{Topic: topic, ClientOpts: opts, Budget: 16 << 20, Capacity: 2048})
	f := &facts{}
	st, err := s.round(ctx(t), f)
	if err != nil {
		t.Fatal(err)
	}
	got := onlySample(t, f)
	if got.Denied || len(got.Sample.Partitions) != 4 || st.Sampled != 4 {
		t.Fatalf("sample of %d partitions (denied %v), stats %+v; want 4", len(got.Sample.Partitions), got.Denied, st)
	}
	sampledShare := map[string]float64{}
	for p, ps := range got.Sample.Partitions {
		held := 0
		for _, n := range w.byPartition[p] {
			held += n
		}
		if want := min(held, 2048); len(ps.Records) != want || ps.Seen < int64(want) {
			t.Errorf("partition %d: %d records of %d seen, want %d (it holds %d)", p, len(ps.Records), ps.Seen, want, held)
		}
		for _, r := range ps.Records {
			if w.byPartition[p][r.Key] == 0 {
				t.Fatalf("partition %d: key %q was not written there", p, r.Key)
			}
			if r.Bytes != len(r.Key)+valueBytes || r.Len != len(r.Key) {
				t.Fatalf("partition %d: record %+v: want %d bytes", p, r, len(r.Key)+valueBytes)
			}
			sampledShare[r.Key] += float64(held) / float64(w.total) / float64(len(ps.Records))
		}
	}
	writtenCount := map[string]int{}
	for _, m := range w.byPartition {
		for k, n := range m {
			writtenCount[k] += n
		}
	}
	top := make([]string, 0, len(writtenCount))
	for k := range writtenCount {
		top = append(top, k)
	}
	slices.SortFunc(top, func(a, b string) int { return writtenCount[b] - writtenCount[a] })
	for _, k := range top[:5] {
		want := float64(writtenCount[k]) / float64(w.total)
		if d := math.Abs(sampledShare[k] - want); d > 0.02 {
			t.Errorf("key %s: sampled share %.3f, written %.3f", k, sampledShare[k], want)
		}
	}

	// Nothing new: nothing read, nothing reported.
	st, err = s.round(ctx(t), f)
	if err != nil || st.Planned != 0 || st.Bytes != 0 || len(f.sampled()) != 1 {
		t.Errorf("a round with nothing new: %+v, %v, %d reports", st, err, len(f.sampled()))
	}
}

// Keys partop must not mistake: none (null), empty, binary, and one far
// longer than a Record keeps.
func TestSampleOddKeys(t *testing.T) {
	t.Parallel()
	const topic = "odd"
	opts := embedded(t, topic, 1)
	long := bytes.Repeat([]byte("k"), 512<<10)
	recs := []*kgo.Record{
		{Topic: topic, Key: nil, Value: []byte("none")},
		{Topic: topic, Key: []byte{}, Value: []byte("empty")},
		{Topic: topic, Key: []byte{0xff, 0x00, 0x1b, '\n'}, Value: []byte("binary")},
		{Topic: topic, Key: long, Value: []byte("long key")},
	}
	produce(t, client(t, opts, kgo.ProducerBatchMaxBytes(1<<20), kgo.MaxBufferedBytes(8<<20)), recs)
	s := sampler(t, Config{Topic: topic, ClientOpts: opts})
	f := &facts{}
	if _, err := s.round(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	ps := onlySample(t, f).Sample.Partitions[0]
	if len(ps.Records) != 4 {
		t.Fatalf("%d records, want 4: %+v", len(ps.Records), ps)
	}
	byValue := map[int]keys.Record{}
	for _, r := range ps.Records {
		byValue[r.Bytes-max(r.Len, 0)] = r
	}
	if r := byValue[len("none")]; r.Keyed() || r.Key != "" {
		t.Errorf("null key: %+v", r)
	}
	if r := byValue[len("empty")]; !r.Keyed() || r.Len != 0 {
		t.Errorf("empty key: %+v", r)
	}
	if r := byValue[len("binary")]; r.Key != "\xff\x00\x1b\n" || r.Len != 4 {
		t.Errorf("binary key: %+v", r)
	}
	if r := byValue[len("long key")]; r.Len != len(long) || r.Key != string(long[:keys.MaxKey]) || r.Bytes != len(long)+8 {
		t.Errorf("long key: len %d, kept %d bytes, %d bytes", r.Len, len(r.Key), r.Bytes)
	}
	if r := byValue[len("long key")]; r.Sums != keys.NewRecord(long, 8).Sums {
		t.Errorf("long key: hashed %v, want the whole key's %v", r.Sums, keys.NewRecord(long, 8).Sums)
	}
}

// Compressed batches (zstd, snappy, lz4, gzip) and transactional ones
// decode, and the transactions' control records (one commit marker per
// transaction) are not sampled or counted.
func TestSampleCompressedAndTransactional(t *testing.T) {
	t.Parallel()
	const topic, perTxn, txns = "mixed", 50, 10
	opts := embedded(t, topic, 5)
	all := &written{}
	for p, codec := range []kgo.CompressionCodec{kgo.ZstdCompression(), kgo.SnappyCompression(), kgo.Lz4Compression(), kgo.GzipCompression()} {
		recs := zipfKeys(topic, 1000, 20, 300, uint64(p))
		for _, r := range recs {
			r.Partition = int32(p)
		}
		w := produce(t, client(t, opts, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(codec)), recs)
		for k, n := range w.byPartition[int32(p)] {
			all.addN(int32(p), k, n)
		}
	}
	tx := client(t, opts, kgo.TransactionalID("partop-sample-test"), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	for i := range txns {
		if err := tx.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		recs := zipfKeys(topic, perTxn, 20, 300, uint64(100+i))
		for _, r := range recs {
			r.Partition = 4
		}
		w := produce(t, tx, recs)
		for k, n := range w.byPartition[4] {
			all.addN(4, k, n)
		}
		if err := tx.EndTransaction(ctx(t), kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
	s := sampler(t, Config{Topic: topic, ClientOpts: opts, Budget: 16 << 20, Capacity: 4096})
	f := &facts{}
	if _, err := s.round(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	got := onlySample(t, f).Sample.Partitions
	for p := range int32(5) {
		want := 0
		for _, n := range all.byPartition[p] {
			want += n
		}
		ps := got[p]
		if ps.Seen != int64(want) || len(ps.Records) != want {
			t.Errorf("partition %d: %d records of %d seen, want all %d written (no control records)", p, len(ps.Records), ps.Seen, want)
		}
		counts := map[string]int{}
		for _, r := range ps.Records {
			counts[r.Key]++
		}
		for k, n := range counts {
			if all.byPartition[p][k] != n {
				t.Errorf("partition %d: key %q sampled %d times, written %d", p, k, n, all.byPartition[p][k])
			}
		}
	}
	if ends, err := endOffsets(t, opts, topic); err != nil || ends[4] != txns*(perTxn+1) {
		t.Errorf("partition 4 ends at %d (%v), want %d: records and one marker per transaction", ends[4], err, txns*(perTxn+1))
	}
}

func (w *written) addN(p int32, k string, n int) {
	if w.byPartition == nil {
		w.byPartition = map[int32]map[string]int{}
	}
	if w.byPartition[p] == nil {
		w.byPartition[p] = map[string]int{}
	}
	w.byPartition[p][k] += n
	w.total += n
}

func endOffsets(t *testing.T, opts []kgo.Opt, topic string) (map[int32]int64, error) {
	got, err := cluster.ListOffsets(ctx(t), client(t, opts), topic, cluster.AtEnd, nil, nil)
	out := map[int32]int64{}
	for p, o := range got {
		out[p] = o.Offset
	}
	return out, err
}

// A round fetches at most its budget (and the whole batch a leader sends
// beyond its share, here none, as batches are smaller than a share),
// hottest partitions first: the most growth since each was last sampled.
func TestSampleBudgetHottestFirst(t *testing.T) {
	t.Parallel()
	const topic, partitions, budget, batch = "budget", 16, 64 << 10, 8 << 10
	opts := embedded(t, topic, partitions)
	cl := client(t, opts, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(batch), kgo.ProducerBatchCompression(kgo.NoCompression()))
	var recs []*kgo.Record
	for p := range partitions {
		for _, r := range zipfKeys(topic, 200*(p+1), 30, 200, uint64(p)) {
			r.Partition = int32(p)
			recs = append(recs, r)
		}
	}
	produce(t, cl, recs)
	s := sampler(t, Config{Topic: topic, ClientOpts: opts, Budget: budget})
	f := &facts{}
	round := func(want ...int32) {
		t.Helper()
		n := len(f.sampled())
		st, err := s.round(ctx(t), f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Bytes > budget || st.LeaderOver != 0 {
			t.Errorf("fetched %d bytes (%d beyond a leader's share), budget %d", st.Bytes, st.LeaderOver, budget)
		}
		got := f.sampled()[n].Sample.Partitions
		var ids []int32
		for p, ps := range got {
			ids = append(ids, p)
			if len(ps.Records) < DefaultCapacity/2 {
				t.Errorf("partition %d: %d records, want about %d", p, len(ps.Records), DefaultCapacity)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			t.Errorf("sampled partitions %v (%+v), want %v; problems %q", ids, st, want, f.problems())
		}
	}
	// About 128 records of about 270 bytes fit twice in 64 KiB.
	round(14, 15)
	round(12, 13)
	// Partition 15 grows more than 11 holds: it comes first again.
	produce(t, cl, withPartition(zipfKeys(topic, 5000, 30, 200, 99), 15))
	round(11, 15)
}

func withPartition(recs []*kgo.Record, p int32) []*kgo.Record {
	for _, r := range recs {
		r.Partition = p
	}
	return recs
}

// Without Read on the topic (kfake's ACLs: the user may only describe
// it), the sampler says so once, reports Denied, and leaves the topic
// alone for DeniedRetry; the same user given Read samples it.
func TestSampleDeniedRead(t *testing.T) {
	t.Parallel()
	const topic = "secret"
	describe := kfake.ACL{Resource: kmsg.ACLResourceTypeTopic, Name: topic, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: kmsg.ACLOperationDescribe, Allow: true}
	read := describe
	read.Operation = kmsg.ACLOperationRead
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(2, topic), kfake.EnableACLs(), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "admin", "adminpass"),
		kfake.User("PLAIN", "watcher", "watcherpass", describe),
		kfake.User("PLAIN", "reader", "readerpass", describe, read))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	as := func(user string) []kgo.Opt {
		return []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...), kgo.SASL(plain.Auth{User: user, Pass: user + "pass"}.AsMechanism())}
	}
	produce(t, client(t, as("admin")), zipfKeys(topic, 100, 5, 10, 1))

	s := sampler(t, Config{Topic: topic, ClientOpts: as("watcher")})
	f := &facts{}
	if _, err := s.round(ctx(t), f); err != nil {
		t.Fatalf("a denied read is no failure to back off from: %v", err)
	}
	want := []string{"sampling records needs Read on topic secret: keys and bytes are not shown"}
	if got := onlySample(t, f); !got.Denied || len(got.Sample.Partitions) != 0 || !slices.Equal(f.problems(), want) {
		t.Fatalf("denied: %+v, problems %q; want Denied and %q", got, f.problems(), want)
	}
	if st, _ := s.round(ctx(t), f); st.Planned != 0 || len(f.sampled()) != 1 {
		t.Errorf("a round within DeniedRetry read %+v", st)
	}
	s.retryAt = time.Now() // DeniedRetry later: still denied, not said again
	if _, err := s.round(ctx(t), f); err != nil || len(f.sampled()) != 2 || !f.sampled()[1].Denied || len(f.problems()) != 1 {
		t.Errorf("denied again: %v, %d Sampled, problems %q", err, len(f.sampled()), f.problems())
	}

	r := sampler(t, Config{Topic: topic, ClientOpts: as("reader")})
	g := &facts{}
	if _, err := r.round(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	if got := onlySample(t, g); got.Denied || len(got.Sample.Partitions) == 0 || len(g.problems()) != 0 {
		t.Errorf("with Read: %+v, problems %q", got, g.problems())
	}
}

// A partition that fails within a round is skipped; the others are
// sampled, and the failure is one Problem however many rounds it lasts
// within ProblemEvery. A denial the cluster answers per partition
// (TOPIC_AUTHORIZATION_FAILED from a fault) is a denial.
func TestSamplePartitionFails(t *testing.T) {
	t.Parallel()
	const topic = "flaky"
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(4, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	opts := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
	cl := client(t, opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	fill := func() {
		for p := range int32(4) {
			produce(t, cl, withPartition(zipfKeys(topic, 100, 5, 10, uint64(p)), p))
		}
	}
	fill()
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: topic, Partitions: []int32{2}, Err: kerr.CorruptMessage, Count: -1})
	s := sampler(t, Config{Topic: topic, ClientOpts: opts})
	f := &facts{}
	for i := range 2 {
		if _, err := s.round(ctx(t), f); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		got := f.sampled()[i].Sample.Partitions
		if _, ok := got[2]; ok || len(got) != 3 {
			t.Errorf("round %d sampled %d partitions (2 in it: %v), want 0, 1, 3", i, len(got), ok)
		}
		fill()
	}
	if p := f.problems(); len(p) != 1 || !strings.Contains(p[0], "partition 2") || !strings.Contains(p[0], "CORRUPT_MESSAGE") {
		t.Errorf("problems %q: want one, about partition 2", p)
	}
	h.Remove()

	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: topic, Err: kerr.TopicAuthorizationFailed, Count: -1})
	g := &facts{}
	fill()
	if _, err := s.round(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	if got := onlySample(t, g); !got.Denied || len(g.problems()) != 1 || !strings.Contains(g.problems()[0], "needs Read on topic flaky") {
		t.Errorf("denied per partition: %+v, problems %q", got, g.problems())
	}
}

// Run samples at once and then every interval, and returns when its
// context ends.
func TestRunSamplesUntilStopped(t *testing.T) {
	t.Parallel()
	const topic = "run"
	opts := embedded(t, topic, 2)
	cl := client(t, opts)
	produce(t, cl, zipfKeys(topic, 500, 10, 50, 3))
	s := sampler(t, Config{Topic: topic, ClientOpts: opts, Interval: 100 * time.Millisecond})
	f := &facts{}
	runCtx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(runCtx, f) })
	waitfor.That(t, settle, "a first sample", func() bool { return len(f.sampled()) == 1 })
	produce(t, cl, zipfKeys(topic, 500, 10, 50, 4))
	waitfor.That(t, settle, "a second sample", func() bool { return len(f.sampled()) >= 2 })
	cancel()
	wg.Wait()
	if p := f.problems(); len(p) != 0 {
		t.Errorf("problems: %q", p)
	}
}

// With the end offsets handed over (Config.EndOffsets), a round before
// the observer's first poll reads nothing and says nothing; once they
// are known it samples from them.
func TestSampleFromHandedEnds(t *testing.T) {
	t.Parallel()
	const topic = "handed"
	opts := embedded(t, topic, 2)
	w := produce(t, client(t, opts), zipfKeys(topic, 300, 10, 20, 5))
	var ends []int64
	s := sampler(t, Config{Topic: topic, ClientOpts: opts, EndOffsets: func() []int64 { return ends }})
	f := &facts{}
	if st, err := s.round(ctx(t), f); err != nil || st.Planned != 0 || len(f.fs) != 0 {
		t.Fatalf("before the first poll: %+v, %v, %d facts", st, err, len(f.fs))
	}
	got, err := endOffsets(t, opts, topic)
	if err != nil {
		t.Fatal(err)
	}
	ends = []int64{got[0], got[1]}
	if _, err := s.round(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	sample := onlySample(t, f).Sample
	for p := range int32(2) {
		held := 0
		for _, n := range w.byPartition[p] {
			held += n
		}
		if n := len(sample.Partitions[p].Records); n != min(held, DefaultCapacity) {
			t.Errorf("partition %d: %d records sampled of %d written", p, n, held)
		}
	}
}
