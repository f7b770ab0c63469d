package engine_test

import (
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
	})
}
