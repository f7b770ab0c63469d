package cluster

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// offsetsCluster is an embedded cluster with topic of n partitions.
func offsetsCluster(t *testing.T, topic string, n int) (*Cluster, Topic) {
	t.Helper()
	c := openEmbedded(t)
	top, err := c.EnsureTopic(context.Background(), topic, n, false)
	if err != nil {
		t.Fatal(err)
	}
	return c, top
}

// write writes one record per timestamp to partition p, in order.
func write(t *testing.T, c *Cluster, topic string, p int32, stamps ...time.Time) {
	t.Helper()
	cl, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, ts := range stamps {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Partition: p, Value: []byte("x"), Timestamp: ts}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func offsetsOf(got map[int32]PartitionOffset) map[int32]int64 {
	out := map[int32]int64{}
	for p, o := range got {
		out[p] = o.Offset
	}
	return out
}

func sameOffsets(a, b map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for p, o := range a {
		if bo, ok := b[p]; !ok || bo != o {
			return false
		}
	}
	return true
}

// TestListOffsets: end, start and by-time offsets, to the record, with and
// without the caller's leaders.
func TestListOffsets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, top := offsetsCluster(t, "offs", 3)
	t0 := time.UnixMilli(1_700_000_000_000)
	sec := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	write(t, c, "offs", 0, sec(0), sec(1), sec(2), sec(3), sec(4))
	write(t, c, "offs", 1, sec(10), sec(11), sec(12))
	// partition 2 stays empty; partition 1 loses its first two records.
	var trim kadm.Offsets
	trim.AddOffset("offs", 1, 2, -1)
	if resp, err := kadm.NewClient(c.client).DeleteRecords(ctx, trim); err != nil || resp.Error() != nil {
		t.Fatalf("DeleteRecords: %v %v", err, resp.Error())
	}

	for _, tc := range []struct {
		at    At
		want  map[int32]int64
		stamp map[int32]int64 // the records' times where asked by time
	}{
		{AtEnd, map[int32]int64{0: 5, 1: 3, 2: 0}, nil},
		{AtStart, map[int32]int64{0: 0, 1: 2, 2: 0}, nil},
		// 2.5 s: the record at 3 s on 0; everything on 1 is later (its
		// first kept record, offset 2); nothing on 2: the end.
		{AtMilli(sec(2).UnixMilli() + 500), map[int32]int64{0: 3, 1: 2, 2: 0}, map[int32]int64{0: sec(3).UnixMilli(), 1: sec(12).UnixMilli(), 2: -1}},
		// after every record: the ends, with no record time.
		{AtMilli(sec(60).UnixMilli()), map[int32]int64{0: 5, 1: 3, 2: 0}, map[int32]int64{0: -1, 1: -1, 2: -1}},
	} {
		for name, leaders := range map[string][]int32{"looked up": nil, "caller's": top.Leaders()} {
			got, err := ListOffsets(ctx, c.client, "offs", tc.at, []int32{0, 1, 2}, leaders)
			if err != nil || !sameOffsets(offsetsOf(got), tc.want) {
				t.Fatalf("%s, leaders %s: %v, %v; want %v", tc.at, name, offsetsOf(got), err, tc.want)
			}
			for p, o := range got {
				if o.Leader != top.Partitions[p].Leader {
					t.Errorf("%s: partition %d answered by %d, its leader is %d", tc.at, p, o.Leader, top.Partitions[p].Leader)
				}
				if tc.stamp != nil && o.Timestamp != tc.stamp[p] {
					t.Errorf("%s: partition %d: record time %d, want %d", tc.at, p, o.Timestamp, tc.stamp[p])
				}
			}
		}
	}
	all, err := c.ListOffsets(ctx, "offs", AtEnd, nil) // every partition
	if err != nil || !sameOffsets(offsetsOf(all), map[int32]int64{0: 5, 1: 3, 2: 0}) {
		t.Fatalf("every partition: %v, %v", offsetsOf(all), err)
	}
	if ends, err := c.EndOffsets(ctx, "offs"); err != nil || !sameOffsets(ends, map[int32]int64{0: 5, 1: 3, 2: 0}) {
		t.Fatalf("EndOffsets: %v, %v", ends, err)
	}
	if got, err := ListOffsets(ctx, c.client, "offs", AtEnd, []int32{}, nil); err != nil || len(got) != 0 {
		t.Fatalf("no partitions: %v, %v", got, err)
	}
}

// TestListOffsetsNewPartitions: partitions added a moment before are
// answered, not left out, whether the caller's leaders predate them, the
// brokers' metadata does not list them yet, or their leader has not
// applied them yet.
func TestListOffsetsNewPartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, top := offsetsCluster(t, "grown", 2)
	stale := top.Leaders()
	old := metadataNow(t, c, "grown") // what a broker that lags says
	if _, _, err := c.Grow(ctx, "grown", func(int) int { return 4 }); err != nil {
		t.Fatal(err)
	}
	write(t, c, "grown", 3, time.Now(), time.Now())
	want := map[int32]int64{0: 0, 1: 0, 2: 0, 3: 2}

	// The caller's leaders are from before the expansion.
	got, err := ListOffsets(ctx, c.client, "grown", AtEnd, []int32{0, 1, 2, 3}, stale)
	if err != nil || !sameOffsets(offsetsOf(got), want) {
		t.Fatalf("with leaders from before: %v, %v; want %v", offsetsOf(got), err, want)
	}

	// The first two looks at the metadata lack the new partitions.
	var lagging atomic.Int32
	c.fake.ControlKey(kmsg.Metadata.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if lagging.Add(1) > 2 {
			return nil, nil, false
		}
		c.fake.KeepControl()
		resp := *old
		resp.SetVersion(kreq.GetVersion())
		return &resp, nil, true
	})
	got, err = ListOffsets(ctx, c.client, "grown", AtEnd, []int32{0, 1, 2, 3}, nil)
	if err != nil || !sameOffsets(offsetsOf(got), want) {
		t.Fatalf("metadata lagging: %v, %v; want %v", offsetsOf(got), err, want)
	}
	if n := lagging.Load(); n < 3 {
		t.Fatalf("%d Metadata requests, want the two lagging ones and a fresh one", n)
	}

	// The leader does not know the new partitions for two requests, as a
	// Kafka broker that has not applied them yet answers.
	h := c.fake.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "grown", Partitions: []int32{2, 3}, Err: kerr.UnknownTopicOrPartition, Count: 2})
	got, err = ListOffsets(ctx, c.client, "grown", AtEnd, nil, nil)
	if err != nil || !sameOffsets(offsetsOf(got), want) {
		t.Fatalf("leader behind: %v, %v; want %v", offsetsOf(got), err, want)
	}
	if h.Hits() != 2 {
		t.Fatalf("the fault answered %d requests, want 2", h.Hits())
	}
}

// metadataNow is a Metadata response for topic as the cluster gives it now.
func metadataNow(t *testing.T, c *Cluster, topic string) *kmsg.MetadataResponse {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), c.client)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestListOffsetsLeaderMoved: a partition whose leader moved since the
// caller looked is asked again where it is now.
func TestListOffsetsLeaderMoved(t *testing.T) {
	t.Parallel()
	c, top := offsetsCluster(t, "moved", 3)
	write(t, c, "moved", 0, time.Now())
	to := (top.Partitions[0].Leader + 1) % 3
	if err := c.fake.MoveTopicPartition("moved", 0, to); err != nil {
		t.Fatal(err)
	}
	got, err := ListOffsets(context.Background(), c.client, "moved", AtEnd, []int32{0, 1, 2}, top.Leaders())
	if err != nil || got[0].Offset != 1 || got[0].Leader != to || len(got) != 3 {
		t.Fatalf("got %+v, %v; want partition 0 at 1 from broker %d", got, err, to)
	}
}

// TestListOffsetsUnknownTopic: a topic that does not exist, or no longer
// does, is said to be unknown.
func TestListOffsetsUnknownTopic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, top := offsetsCluster(t, "doomed", 2)
	_, err := ListOffsets(ctx, c.client, "nope", AtEnd, nil, nil)
	if !errors.Is(err, ErrUnknownTopic) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("every partition of a missing topic: %v", err)
	}
	got, err := ListOffsets(ctx, c.client, "nope", AtStart, []int32{0, 1}, nil)
	var oe *OffsetsError
	if !errors.As(err, &oe) || !oe.AllFailed || len(oe.Failed) != 2 || len(got) != 0 || !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("partitions of a missing topic: %v, %v", got, err)
	}
	if resp, err := kadm.NewClient(c.client).DeleteTopics(ctx, "doomed"); err != nil || resp.Error() != nil {
		t.Fatalf("DeleteTopics: %v %v", err, resp.Error())
	}
	// The caller's leaders are from before the deletion.
	start := time.Now()
	got, err = ListOffsets(ctx, c.client, "doomed", AtEnd, []int32{0, 1}, top.Leaders())
	if !errors.As(err, &oe) || !oe.AllFailed || len(got) != 0 || !errors.Is(err, ErrUnknownTopic) || !strings.Contains(err.Error(), `topic "doomed": unknown topic`) {
		t.Fatalf("a deleted topic: %v, %v", got, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a deleted topic took %s: the look said so, no need to ask again", d)
	}
	t.Log(err)
}

// TestListOffsetsPartialFailure: what some partitions or a broker could
// not answer is said per partition, beside the others' answers; a
// partition that keeps failing for a reason a look may change is given up
// on in bounded time.
func TestListOffsetsPartialFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, top := offsetsCluster(t, "partial", 6)
	all := []int32{0, 1, 2, 3, 4, 5}

	h := c.fake.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "partial", Partitions: []int32{1}, Err: kerr.TopicAuthorizationFailed, Count: -1})
	got, err := ListOffsets(ctx, c.client, "partial", AtEnd, all, top.Leaders())
	var oe *OffsetsError
	if !errors.As(err, &oe) || oe.AllFailed || len(oe.Failed) != 1 || !errors.Is(oe.Failed[1], kerr.TopicAuthorizationFailed) || len(got) != 5 {
		t.Fatalf("one partition denied: %v, %v", offsetsOf(got), err)
	}
	if !strings.HasPrefix(err.Error(), "partition 1: TOPIC_AUTHORIZATION_FAILED") || h.Hits() != 1 {
		t.Fatalf("error %q after %d asks; want partition 1 named, asked once (not retriable)", err, h.Hits())
	}
	h.Remove()

	// Not the leader, forever: asked again after each look, a bounded
	// number of times.
	h = c.fake.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "partial", Partitions: []int32{2}, Err: kerr.NotLeaderForPartition, Count: -1})
	start := time.Now()
	got, err = ListOffsets(ctx, c.client, "partial", AtEnd, all, top.Leaders())
	if !errors.As(err, &oe) || len(oe.Failed) != 1 || !errors.Is(oe.Failed[2], kerr.NotLeaderForPartition) || len(got) != 5 {
		t.Fatalf("one partition with no leader answering: %v, %v", offsetsOf(got), err)
	}
	if d := time.Since(start); h.Hits() != offsetsRounds || d > 5*time.Second {
		t.Fatalf("asked %d times in %s, want %d in a bounded time", h.Hits(), d, offsetsRounds)
	}
	t.Logf("gave up on a partition after %d asks in %s", h.Hits(), time.Since(start).Round(time.Millisecond))
	h.Remove()

	// A broker whose requests fail: its partitions fail with the broker
	// named, not asked again while the metadata still names it.
	down := top.Partitions[0].Leader
	var asked atomic.Int32
	c.fake.ControlKey(kmsg.ListOffsets.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.fake.KeepControl()
		if c.fake.CurrentNode() != down {
			return nil, nil, false
		}
		asked.Add(1)
		return nil, errors.New("down"), true // the connection is closed
	})
	got, err = ListOffsets(ctx, c.client, "partial", AtEnd, all, top.Leaders())
	var onDown []int32
	for _, p := range top.Partitions {
		if p.Leader == down {
			onDown = append(onDown, p.ID)
		}
	}
	if !errors.As(err, &oe) || oe.AllFailed || len(oe.Failed) != len(onDown) || len(got) != len(all)-len(onDown) || asked.Load() != 1 {
		t.Fatalf("broker %d down: %v, %v after %d requests to it", down, offsetsOf(got), err, asked.Load())
	}
	for _, p := range onDown {
		if e := oe.Failed[p]; e == nil || !strings.HasPrefix(e.Error(), "broker ") {
			t.Fatalf("partition %d on the broker down: %v", p, e)
		}
	}
	t.Log(err)

	// Every partition failing is AllFailed.
	h = c.fake.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "partial", Err: kerr.UnknownServerError, Count: -1})
	defer h.Remove()
	got, err = ListOffsets(ctx, c.client, "partial", AtEnd, all, top.Leaders())
	if !errors.As(err, &oe) || !oe.AllFailed || len(got) != 0 {
		t.Fatalf("nothing answered: %v, %v", got, err)
	}
}

func TestOffsetsErrorText(t *testing.T) {
	t.Parallel()
	down := errors.New("EOF")
	e := &OffsetsError{Failed: map[int32]error{}}
	for p := range int32(8) {
		e.Failed[p*2] = down
	}
	e.Failed[3] = kerr.NotLeaderForPartition
	want := "partitions 0, 2, 4, 6, 8, … (8 in all): EOF; partition 3: " + kerr.NotLeaderForPartition.Error()
	if e.Error() != want || !errors.Is(e, down) || !errors.Is(e, kerr.NotLeaderForPartition) {
		t.Fatalf("%q\nwant %q", e.Error(), want)
	}
	if AtEnd.String() != "end offsets" || AtMilli(0).String() != "offsets at or after 1970-01-01T00:00:00.000Z" {
		t.Fatal(AtEnd.String(), AtMilli(0).String())
	}
}
