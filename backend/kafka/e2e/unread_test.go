//go:build kafka

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka"
	"partop/backend/kafka/cluster"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
	"partop/source"
)

// firsts is each partition's first offset a group read, and when its
// client said it was assigned the partition (where it says: kgo's
// callback).
type firsts struct {
	mu       sync.Mutex
	at       map[int32]int64
	assigned map[int32]time.Time
}

// assignedBy is when the client said it had every partition from..to-1;
// zero where it has not said so for one.
func (f *firsts) assignedBy(from, to int) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last time.Time
	for p := from; p < to; p++ {
		at, ok := f.assigned[int32(p)]
		if !ok {
			return time.Time{}
		}
		last = maxTime(last, at)
	}
	return last
}

func (f *firsts) saw(p int32, off int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.at[p]; !ok {
		f.at[p] = off
	}
}

// skipped is the sum of the first offsets on partitions from..to-1, and
// whether the group read every one of them.
func (f *firsts) skipped(from, to int) (int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for p := from; p < to; p++ {
		off, ok := f.at[int32(p)]
		if !ok {
			return 0, false
		}
		n += off // a new partition starts at 0: what is before the first record read was skipped
	}
	return n, true
}

// kcatLatest runs kcat as a member of group, resetting to latest and
// refreshing its metadata every refresh, and notes the first offset it
// prints on each partition, and what its debug log says.
func kcatLatest(t *testing.T, brokers []string, topic, group string, refresh time.Duration) (*firsts, *kcatLog) {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat not found: %v", err)
	}
	cmd := exec.Command(path, "-b", joinComma(brokers), "-G", group, "-X", "auto.offset.reset=latest",
		"-X", fmt.Sprintf("topic.metadata.refresh.interval.ms=%d", refresh.Milliseconds()), "-d", "cgrp,topic", "-f", "%p %o\n", "-q", topic)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &firsts{at: map[int32]int64{}}
	log := &kcatLog{resets: map[int32]reset{}}
	logged := make(chan struct{})
	go func() { defer close(logged); log.read(errs) }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) != 2 {
				continue
			}
			p, err1 := strconv.Atoi(fs[0])
			o, err2 := strconv.ParseInt(fs[1], 10, 64)
			if err1 == nil && err2 == nil {
				f.saw(int32(p), o)
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		<-logged
		_ = cmd.Wait()
	})
	return f, log
}

// kgoLatest runs a KIP-848 kgo group member resetting to latest.
func kgoLatest(t *testing.T, brokers []string, topic, group string) *firsts {
	t.Helper()
	f := &firsts{at: map[int32]int64{}, assigned: map[int32]time.Time{}}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ServerSideBalancer(), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			now := time.Now()
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, p := range m[topic] {
				if _, ok := f.assigned[p]; !ok {
					f.assigned[p] = now
				}
			}
		}))
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
			fs.EachRecord(func(r *kgo.Record) { f.saw(r.Partition, r.Offset) })
		}
	}()
	t.Cleanup(func() { cl.Close(); <-done })
	return f
}

// TestUnreadAtAssignmentOnKafka (issue 20): partop produces 1,000
// records/s round-robin and adds 4 partitions, 10 times, beside three
// outside groups resetting to latest: kcat with 1 s and 3 s metadata
// refresh, and a KIP-848 kgo group. Each time:
//
//   - the assignment bracket is at most 0.3 s wide and, for the kcat
//     groups, overlaps the SyncGroup exchange their own debug log shows;
//     kgo's own callback (the KIP-848 group) never says it was assigned
//     before the bracket began;
//   - what partop says was unread at a kcat group's assignment (a value,
//     or a range where it knows no better) is within 10% (at least 50
//     records) of what was readable on the new partitions during that
//     exchange: the high watermarks, sampled every 10 ms beside;
//   - against what each group skipped (its first offsets on the new
//     partitions: the number), a value within 10% (at least 50),
//     a range holding it. Saying more than a group skipped fails where
//     the group was assigned a second or more after the expansion;
//     saying less is reported: librdkafka asks for the end 100 ms or more
//     after its assignment and skips what arrives meanwhile too, which no
//     one outside the client can see (its log says how long it took).
func TestUnreadAtAssignmentOnKafka(t *testing.T) {
	topic := topicName("unread")
	createTopic(t, topic, 4, 3, nil)
	unreadAtAssignment(t, cluster.Config{Brokers: env.brokers}, topic, func(ctx context.Context, b *kafka.Backend) (source.Topic, error) {
		return b.Topic(ctx, topic)
	})
}

// TestUnreadAtAssignmentOnEmbedded is the same on the embedded cluster
// (kfake: one node, so a record is readable once appended and the high
// watermarks never lag the records' stamps). There kgo's KIP-848 member
// starts reading 2-3 s after its own callback said it was assigned (the
// callback inside partop's bracket), so it skips far more than was
// unread then: reported, as the kcat groups' 100 ms are.
func TestUnreadAtAssignmentOnEmbedded(t *testing.T) {
	unreadAtAssignment(t, cluster.Config{Embedded: cluster.EmbeddedConfig{Port: -1}}, "orders", func(ctx context.Context, b *kafka.Backend) (source.Topic, error) {
		return b.CreateTopic(ctx, "orders", 4)
	})
}

func unreadAtAssignment(t *testing.T, cc cluster.Config, topic string, open func(context.Context, *kafka.Backend) (source.Topic, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b, err := kafka.Open(ctx, kafka.Options{Cluster: cc, GroupsInterval: 5 * time.Second,
		DiscoveryInterval: time.Second, PollInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Cluster().Close()
	top, err := open(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	brokers := b.Cluster().Seeds()
	srcs, err := b.Producing(ctx, producer.Config{Topic: topic, Rate: 1000, Partitioner: rules.RoundRobin}, nil, top)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(srcs.Source, engine.Config{Tick: 100 * time.Millisecond, WholeTopic: srcs.WholeTopic, Groups: srcs.Groups})
	rctx, stop := context.WithCancel(context.Background())
	go func() { _ = eng.Run(rctx) }()
	defer func() { stop(); <-eng.Done() }()

	kc1, log1 := kcatLatest(t, brokers, topic, "kc-1s-"+env.suffix, time.Second)
	kc3, log3 := kcatLatest(t, brokers, topic, "kc-3s-"+env.suffix, 3*time.Second)
	groups := map[string]*firsts{"kc-1s": kc1, "kc-3s": kc3, "kgo848": kgoLatest(t, brokers, topic, "kgo848-"+env.suffix)}
	logs := map[string]*kcatLog{"kc-1s": log1, "kc-3s": log3}
	hw := sampleWatermarks(t, brokers, topic)
	name := func(g string) string { return g + "-" + env.suffix }
	waitfor.That(t, time.Minute, "the groups poll lists the three groups with the topic's 4 partitions", func() bool {
		n := 0
		for _, g := range eng.Snapshot().Groups.List {
			if _, ok := groups[strings.TrimSuffix(g.Name, "-"+env.suffix)]; ok && len(g.Partitions) >= 4 && g.Partitions[3].Assigned {
				n++
			}
		}
		return n == 3
	})
	failures, literal, ranges, kcats, ownMisses := 0, 0, 0, 0, 0
	outsideBy := map[string]int{}
	for round := range 10 {
		from := 4 * (round + 1)
		if err := eng.Apply(ctx, engine.Action{Kind: engine.ActAdd, N: 4}); err != nil {
			t.Fatal(err)
		}
		to := from + 4
		for g, f := range groups {
			var skipped int64
			waitfor.That(t, time.Minute, g+" reads every new partition", func() bool {
				var ok bool
				skipped, ok = f.skipped(from, to)
				return ok
			})
			var pick engine.GroupPickup
			var ev engine.Event
			waitfor.That(t, time.Minute, "partop's figure for "+g, func() bool {
				for _, e := range eng.Snapshot().Events {
					if e.Kind != engine.KindExpansion || e.From != from || e.To != to {
						continue
					}
					for _, p := range e.Groups {
						if p.Group == name(g) && p.UnreadAtAssignment >= 0 && !p.AssignedAt.IsZero() {
							pick, ev = p, e
							return true
						}
					}
				}
				return false
			})
			own := checkOwnLog(t, logs[g], hw, round, g, from, to, pick, ev)
			// kgo's own word: its callback runs once the assignment was
			// made, so never before the bracket's start.
			called := f.assignedBy(from, to)
			if !called.IsZero() {
				report(t, "round %d %d→%d, %s, its own callback: assigned +%s", round+1, from, to, g, secs(called.Sub(ev.Start())))
				if called.Before(pick.AssignedAfter) {
					t.Errorf("round %d, %s: its callback said assigned at +%s, before partop's bracket +%s..+%s",
						round+1, g, secs(called.Sub(ev.Start())), secs(pick.AssignedAfter.Sub(ev.Start())), secs(pick.AssignedAt.Sub(ev.Start())))
				}
			}
			if pick.AssignedAfter.IsZero() || pick.AssignedAt.Sub(pick.AssignedAfter) > 300*time.Millisecond {
				t.Errorf("round %d, %s: assigned +%s..+%s: want a bracket at most 0.3 s wide",
					round+1, g, secs(pick.AssignedAfter.Sub(ev.Start())), secs(pick.AssignedAt.Sub(ev.Start())))
			}
			// The figure, a value or a range, against the truth where the
			// group's own log dates its assignment: what was readable then
			// (high watermarks sampled beside). Either way is wrong.
			if own.ok {
				kcats++
				if off := outside(pick, own.lo, own.hi); max(off, -off) > max(50, own.hi/10) {
					ownMisses++
					t.Errorf("round %d, %s: partop unread at assignment %d (%d..%d, narrow %v) against %d..%d readable at the group's own assignment (its SyncGroup exchange; high watermarks): not within 10%% (at least 50)",
						round+1, g, pick.UnreadAtAssignment, pick.UnreadMin, pick.UnreadMax, pick.Narrow, own.lo, own.hi)
				}
			}
			// Against what the group skipped (the number): a value
			// within 10% (at least 50), a range holding it; and the value
			// alone (a range's top), counted.
			tol := max(50, skipped/10)
			d := outside(pick, skipped, skipped)
			if !pick.Narrow {
				ranges++
			}
			if lit := pick.UnreadAtAssignment - skipped; max(lit, -lit) > tol {
				literal++
			}
			if max(d, -d) > tol {
				failures++
				outsideBy[g]++
				msg := fmt.Sprintf("round %d, %s: skipped %d; partop: unread at assignment %d (%d..%d), assigned +%s..+%s: not within 10%% (at least 50)",
					round+1, g, skipped, pick.UnreadAtAssignment, pick.UnreadMin, pick.UnreadMax,
					secs(pick.AssignedAfter.Sub(ev.Start())), secs(pick.AssignedAt.Sub(ev.Start())))
				switch {
				case d < 0 && own.ok:
					// librdkafka asks for the end 100 ms after its
					// assignment when the group has no commit there
					// (rdkafka_offset.c: the reset's offset query backs
					// off 100 ms on "no offset stored"), more when that
					// query fails, and skips what arrives meanwhile too:
					// its own log says when.
					t.Logf("%s (fewer: the group asked for the end %d ms after its assignment, by its own log: reported)", msg, own.delay.Milliseconds())
				case d < 0 && !called.IsZero():
					t.Logf("%s (fewer: its own callback said assigned at +%s; it started reading later: reported)", msg, secs(called.Sub(ev.Start())))
				case d < 0:
					t.Log(msg + " (fewer: the group skipped more than was unread at its assignment: reported)")
				case pick.AssignedAfter.Sub(ev.Start()) >= time.Second:
					t.Error(msg) // overstating a loss is what the issue forbids
				default:
					// Within the first second a new partition's high
					// watermark lags the records' stamps; the check
					// against the high watermarks above holds the figure
					// to what was readable. Reported.
					t.Log(msg + " (assigned within a second of the expansion: reported)")
				}
			}
			{ // by partition: the group's first offset, and when partop's first record there was acknowledged
				snap := eng.Snapshot()
				f.mu.Lock()
				line := ""
				for p := from; p < to; p++ {
					fa := "-"
					if p < len(snap.Stats.Partitions) && !snap.Stats.Partitions[p].FirstAck.IsZero() {
						fa = secs(snap.Stats.Partitions[p].FirstAck.Sub(ev.Start()))
					}
					line += fmt.Sprintf(" p%d read from %d, partop's first ack +%s;", p, f.at[int32(p)], fa)
				}
				f.mu.Unlock()
				t.Logf("round %d, %s by partition:%s", round+1, g, line)
			}
			report(t, "round %d %d→%d, %s: skipped %d, partop unread at assignment %d (%d..%d), assigned +%s..+%s",
				round+1, from, to, g, skipped, pick.UnreadAtAssignment, pick.UnreadMin, pick.UnreadMax,
				secs(pick.AssignedAfter.Sub(ev.Start())), secs(pick.AssignedAt.Sub(ev.Start())))
		}
	}
	report(t, "unread at assignment vs skipped: %d of 30 outside 10%% (at least 50 records) (kc-1s %d, kc-3s %d, kgo848 %d of 10); %d of 30 ranges; the value alone (a range's top): %d of 30 outside",
		failures, outsideBy["kc-1s"], outsideBy["kc-3s"], outsideBy["kgo848"], ranges, literal)
	report(t, "unread at assignment vs readable at each kcat group's own SyncGroup exchange (its debug log, high watermarks every 10 ms): %d of %d outside 10%% (at least 50 records)", ownMisses, kcats)
}

// outside is how far partop's figure is from lo..hi: 0 where a value is
// in it or a range overlaps it, else the signed distance (positive: more).
func outside(pick engine.GroupPickup, lo, hi int64) int64 {
	least, most := pick.UnreadAtAssignment, pick.UnreadAtAssignment
	if !pick.Narrow {
		least, most = pick.UnreadMin, pick.UnreadMax
	}
	switch {
	case least > hi:
		return least - hi
	case most < lo:
		return most - lo
	}
	return 0
}
