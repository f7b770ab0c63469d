package engine_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"partop/engine"
	"partop/keys"
	"partop/source"
	"partop/source/sourcetest"
)

// TestKeysSampled: a sampler's round replaces the samples of the
// partitions in it and keeps the others; a denied read is published; a
// snapshot already taken does not change.
func TestKeysSampled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		sampler := sourcetest.NewSource(4, source.About{})
		eng, _ := running(t, src, engine.Config{Keys: sampler})
		<-sampler.Started()
		part := func(ks ...string) keys.PartitionSample {
			var s keys.PartitionSample
			for _, k := range ks {
				s.Records = append(s.Records, keys.NewRecord([]byte(k), 10))
			}
			s.Seen = int64(len(ks))
			return s
		}
		sampler.Report(source.Sampled{Sample: keys.Sample{Partitions: map[int32]keys.PartitionSample{0: part("a", "b"), 1: part("c")}}})
		time.Sleep(time.Second)
		first := eng.Snapshot()
		if got := first.Keys.Partitions; len(got) != 2 || got[0].Seen != 2 || got[1].Records[0].Key != "c" {
			t.Fatalf("after one round: %+v", got)
		}
		sampler.Report(source.Sampled{Sample: keys.Sample{Partitions: map[int32]keys.PartitionSample{1: part("d", "e", "f")}}})
		sampler.Report(source.Sampled{Denied: true})
		time.Sleep(time.Second)
		got := eng.Snapshot()
		if p := got.Keys.Partitions; len(p) != 2 || p[0].Seen != 2 || p[1].Seen != 3 || !got.KeysDenied {
			t.Fatalf("after a round of partition 1 and a denied one: %+v, denied %v", p, got.KeysDenied)
		}
		if first.Keys.Partitions[1].Seen != 1 {
			t.Fatalf("an earlier snapshot changed: %+v", first.Keys.Partitions)
		}
		// The sampler's problems are logged, at most one every 5 s.
		sampler.Report(source.Problem{Message: "sampling records needs Read on topic orders"})
		sampler.Report(source.Problem{Message: "again"})
		time.Sleep(time.Second)
		var logged []string
		for _, e := range eng.Snapshot().Events {
			if e.Kind == engine.KindError {
				logged = append(logged, e.Message)
			}
		}
		if len(logged) != 1 || logged[0] != "sampling records needs Read on topic orders" {
			t.Fatalf("the sampler's problems logged as %q, want the first one only", logged)
		}
	})
}

// TestExpansionPredictionChecked: with a sample of keyed records placed
// by murmur2, an expansion carries the sample's prediction for the new
// count; once a whole balance window has passed since the new partitions'
// first records, it carries the balance measured then too.
func TestExpansionPredictionChecked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(4, 1000, source.About{})
		sampler := sourcetest.NewSource(4, source.About{})
		eng, _ := running(t, src, engine.Config{Keys: sampler})
		<-sampler.Started()
		parts := map[int32]keys.PartitionSample{}
		for i := range 400 {
			k := []byte(fmt.Sprintf("customer-%d", i))
			p := int32(keys.Murmur2Partition(k, 4))
			s := parts[p]
			s.Records, s.Seen = append(s.Records, keys.NewRecord(k, 100)), s.Seen+1
			parts[p] = s
		}
		for range 60 { // 6 s at an even 1,000 records/s
			src.AckEach(4, 25)
			time.Sleep(100 * time.Millisecond)
		}
		sampler.Report(source.Sampled{Sample: keys.Sample{Partitions: parts}})
		time.Sleep(time.Second)
		if a := eng.Snapshot().KeyAnalysis; a.Partitioner != keys.Murmur2 || a.Explained != 1 {
			t.Fatalf("analysis: %s explaining %.2f, want murmur2 explaining all", a.Partitioner, a.Explained)
		}
		if err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 4}); err != nil {
			t.Fatal(err)
		}
		ev := expansion(t, eng)
		if ev.Prediction == nil || ev.Prediction.Partitions != 8 || ev.Prediction.Partitioner != keys.Murmur2 || ev.Prediction.Jain < 0.9 || ev.Prediction.Measured {
			t.Fatalf("prediction %+v: want one for 8 partitions under murmur2, Jain at least 0.9, not measured yet", ev.Prediction)
		}
		for range 80 { // 8 s, even over 8
			src.AckEach(8, 13)
			time.Sleep(100 * time.Millisecond)
		}
		s := eng.Snapshot()
		ev = expansion(t, eng)
		if ev.Prediction == nil || !ev.Prediction.Measured || ev.Prediction.MeasuredJain < 0.999 || s.Stats.Balance.Jain < 0.999 {
			t.Fatalf("prediction %+v, balance now %.3f: want measured Jain 1 once settled", ev.Prediction, s.Stats.Balance.Jain)
		}
	})
}

func expansion(t *testing.T, eng *engine.Engine) engine.Event {
	t.Helper()
	for _, e := range eng.Snapshot().Events {
		if e.Kind == engine.KindExpansion {
			return e
		}
	}
	t.Fatal("no expansion logged")
	return engine.Event{}
}

// TestObservedBytesEstimated: in observe mode the counters learn each
// partition's bytes per record from the sample (a partition not sampled
// takes the topic's mean), so records seen from end offsets count bytes
// from then on; a producing engine's counted bytes are left alone.
func TestObservedBytesEstimated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSource(3, source.About{})
		sampler := sourcetest.NewSource(3, source.About{})
		running(t, src, engine.Config{Keys: sampler})
		<-sampler.Started()
		sized := func(n, size int) keys.PartitionSample {
			var s keys.PartitionSample
			for range n {
				s.Records = append(s.Records, keys.NewRecord([]byte("k"), size-1))
			}
			s.Seen = int64(n)
			return s
		}
		// Partition 0: 10 records of 10 bytes; 1: 30 of 50; 2: none.
		sampler.Report(source.Sampled{Sample: keys.Sample{Partitions: map[int32]keys.PartitionSample{0: sized(10, 10), 1: sized(30, 50)}}})
		time.Sleep(time.Second)
		c := src.Counters()
		for p := range int32(3) {
			c.Add(p, 100, time.Now())
		}
		got := c.Read()
		// Partition 2 takes the mean over the 40 sampled records: 40 bytes.
		if got[0].Bytes != 1000 || got[1].Bytes != 5000 || got[2].Bytes != 4000 {
			t.Fatalf("estimated bytes %d, %d, %d; want 1,000, 5,000 and 4,000", got[0].Bytes, got[1].Bytes, got[2].Bytes)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		src := sourcetest.NewSender(1, 1000, source.About{})
		sampler := sourcetest.NewSource(1, source.About{})
		running(t, src, engine.Config{Keys: sampler})
		<-sampler.Started()
		sampler.Report(source.Sampled{Sample: keys.Sample{Partitions: map[int32]keys.PartitionSample{0: {Records: []keys.Record{keys.NewRecord([]byte("k"), 9)}, Seen: 1}}}})
		time.Sleep(time.Second)
		c := src.Counters()
		c.Add(0, 100, time.Now())
		if got := c.Read()[0].Bytes; got != 0 {
			t.Fatalf("a producing engine set an estimate: %d bytes counted from Add", got)
		}
	})
}
