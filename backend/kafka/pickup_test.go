package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
)

// TestLatestGroupPickupOnEmbedded: partop produces 1,000 records/s
// round-robin on the embedded cluster beside an outside group that resets
// to latest, classic (refreshing its metadata every second) or KIP-848;
// partop adds 4 partitions. The group's first offsets on them are what it
// skipped; partop, which sees the group only from outside (the groups
// poll, its burst, end offsets dated by the records' own times), says
// what was unread at assignment within 10% of that (at least 50 records
// of slack), with an assignment bracket at most 0.3 s wide.
func TestLatestGroupPickupOnEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 15 s")
	}
	t.Run("classic", func(t *testing.T) { latestGroupPickup(t) })
	t.Run("kip848", func(t *testing.T) { latestGroupPickup(t, kgo.ServerSideBalancer()) })
}

func latestGroupPickup(t *testing.T, groupOpts ...kgo.Opt) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := Open(ctx, Options{Cluster: cluster.Config{Embedded: cluster.EmbeddedConfig{Port: -1}}, GroupsInterval: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Cluster().Close()
	top, err := b.CreateTopic(ctx, "orders", 4)
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := b.Producing(ctx, producer.Config{Topic: "orders", Rate: 1000, Partitioner: rules.RoundRobin}, nil, top)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(srcs.Source, engine.Config{Tick: 100 * time.Millisecond, WholeTopic: srcs.WholeTopic, Groups: srcs.Groups})
	rctx, stop := context.WithCancel(context.Background())
	go func() { _ = eng.Run(rctx) }()
	defer func() { stop(); <-eng.Done() }()

	// the outside group: latest, metadata every second; its first offset
	// on each partition
	var mu sync.Mutex
	first := map[int32]int64{}
	opts := append(b.Cluster().ClientOpts(), kgo.ConsumerGroup("kc-latest"), kgo.ConsumeTopics("orders"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()), kgo.MetadataMinAge(100*time.Millisecond), kgo.MetadataMaxAge(time.Second),
		kgo.AutoCommitInterval(time.Second))
	cl, err := kgo.NewClient(append(opts, groupOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			fs := cl.PollFetches(context.Background())
			if fs.IsClientClosed() {
				return
			}
			fs.EachRecord(func(r *kgo.Record) {
				mu.Lock()
				if _, ok := first[r.Partition]; !ok {
					first[r.Partition] = r.Offset
				}
				mu.Unlock()
			})
		}
	}()
	defer func() { cl.Close(); <-done }()

	waitfor.That(t, time.Minute, "the groups poll lists kc-latest with its 4 partitions", func() bool {
		for _, g := range eng.Snapshot().Groups.List {
			if g.Name == "kc-latest" && len(g.Partitions) == 4 && g.Partitions[3].Assigned {
				return true
			}
		}
		return false
	})
	if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 4}); err != nil {
		t.Fatal(err)
	}
	var skipped int64
	waitfor.That(t, time.Minute, "kc-latest reads every new partition", func() bool {
		mu.Lock()
		defer mu.Unlock()
		skipped = 0
		for p := int32(4); p < 8; p++ {
			off, ok := first[p]
			if !ok {
				return false
			}
			skipped += off
		}
		return true
	})
	var pick engine.GroupPickup
	var ev engine.Event
	waitfor.That(t, time.Minute, "partop's figure for kc-latest", func() bool {
		for _, e := range eng.Snapshot().Events {
			if e.Kind != engine.KindExpansion {
				continue
			}
			for _, g := range e.Groups {
				if g.Group == "kc-latest" && g.UnreadAtAssignment >= 0 && !g.AssignedAt.IsZero() {
					pick, ev = g, e
					return true
				}
			}
		}
		return false
	})
	t.Logf("kc-latest skipped %d; partop: unread at assignment %d (%d..%d, narrow %v), assigned +%s..+%s, likely skipped %v %d",
		skipped, pick.UnreadAtAssignment, pick.UnreadMin, pick.UnreadMax, pick.Narrow,
		pick.AssignedAfter.Sub(ev.Start()), pick.AssignedAt.Sub(ev.Start()), pick.SkippedKnown, pick.Skipped)
	if w := pick.AssignedAt.Sub(pick.AssignedAfter); w > 300*time.Millisecond || !pick.Narrow {
		t.Errorf("assignment bracket %s wide (narrow %v), want at most 300ms", w, pick.Narrow)
	}
	if d := pick.UnreadAtAssignment - skipped; max(d, -d) > max(50, skipped/10) {
		t.Errorf("unread at assignment %d, the group skipped %d: want within 10%% (at least 50)", pick.UnreadAtAssignment, skipped)
	}
}
