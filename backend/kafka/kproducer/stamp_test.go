package kproducer

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/internal/waitfor"
	"partop/producer"
)

// TestRecordsStampedWhenSent: partop stamps its records itself (a clock
// reading shared by up to stampEvery records, not kgo's per record). Read
// back from the cluster, paced and at full speed, every record's
// timestamp lies between the run's start and its end, and a partition's
// timestamps never go back.
func TestRecordsStampedWhenSent(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{20000, 0} {
		c, _ := embeddedtest.Start(t, "ts", 3)
		before := time.Now().Truncate(time.Millisecond)
		p, _ := running(t, c, Config{Config: producer.Config{Topic: "ts", Rate: rate}})
		waitfor.That(t, 10*time.Second, "records to flow", func() bool { return total(p) > 5000 })
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		ends, err := c.EndOffsets(context.Background(), "ts")
		if err != nil {
			t.Fatal(err)
		}
		offsets := map[string]map[int32]kgo.Offset{"ts": {}}
		want := int64(0)
		for part, end := range ends {
			offsets["ts"][part] = kgo.NewOffset().AtStart()
			want += end
		}
		cl, err := kgo.NewClient(append(c.ClientOpts(), kgo.ConsumePartitions(offsets))...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		last := map[int32]time.Time{}
		var read int64
		for read < want && ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				read++
				if r.Timestamp.Before(before) || r.Timestamp.After(after) {
					t.Fatalf("rate %v: partition %d offset %d stamped %v, outside the run %v to %v", rate, r.Partition, r.Offset, r.Timestamp, before, after)
				}
				if r.Timestamp.Before(last[r.Partition]) {
					t.Fatalf("rate %v: partition %d offset %d stamped %v, before the record ahead of it (%v)", rate, r.Partition, r.Offset, r.Timestamp, last[r.Partition])
				}
				last[r.Partition] = r.Timestamp
			})
		}
		cancel()
		cl.Close()
		if read < want {
			t.Fatalf("rate %v: read %d of %d records", rate, read, want)
		}
	}
}
