//go:build kafka

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/observe"
	"partop/engine"
	"partop/internal/waitfor"
)

// TestObserveFirstWrite: observe mode dates the fleet's pickup of an
// expansion by the first records' own timestamps. Over several expansions
// by someone else, with a producer that finds new partitions within a
// second, the expansion's first write equals the latest of the new
// partitions' first records' timestamps as a consumer reads them back (goal:
// within 10 ms; it should be exact), where the poll-based first record is
// up to an interval later. On a topic with message.timestamp.type=
// LogAppendTime the date is the broker's and says so. The partop command
// prints the same instant as first_write_at.
func TestObserveFirstWrite(t *testing.T) {
	for _, tc := range []struct {
		name       string
		configs    map[string]*string
		expansions int
	}{
		{"CreateTime", nil, 7},
		{"LogAppendTime", map[string]*string{"message.timestamp.type": kmsg.StringPtr("LogAppendTime")}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := topicName("first-" + strings.ToLower(tc.name))
			createTopic(t, topic, 2, 1, tc.configs)
			w := startWriter(t, 2000, kgo.SeedBrokers(env.brokers...), kgo.DefaultProduceTopic(topic),
				kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.MetadataMaxAge(time.Second), kgo.MetadataMinAge(500*time.Millisecond))
			waitfor.That(t, 30*time.Second, "the producer acknowledged records", func() bool { return w.total() > 0 })
			obs := observeInProcess(t, openCluster(t, env.brokers, cluster.Security{}), topic, observe.Config{})
			bin := startBinary(t, "--observe", "--headless", "--brokers", joinComma(env.brokers), "--topic", topic)
			waitfor.That(t, 20*time.Second, "the observer's first polls", func() bool { return obs.eng.Snapshot().Stats.Samples > 2 })

			var worst, pollWorst, pollSum time.Duration
			var dated []engine.Event
			from := 2
			for range tc.expansions {
				to := from + 2
				grow(t, topic, to)
				var ev engine.Event
				waitfor.That(t, 30*time.Second, "the expansion dated and picked up", func() bool {
					for _, e := range obs.eng.Snapshot().Events {
						if e.Kind == engine.KindExpansion && e.To == to && e.Done && !e.FirstWrite.IsZero() {
							ev = e
							return true
						}
					}
					return false
				})
				truth, lat := firstRecordTimes(t, topic, from, to)
				diff := ev.FirstWrite.Sub(truth)
				poll := ev.FirstRecord.Sub(truth)
				report(t, "%d→%d: first write %s, records' own %s: diff %s | poll saw it %s later | seen→first write %s | log_append_time %v",
					from, to, ev.FirstWrite.Format("15:04:05.000"), truth.Format("15:04:05.000"), ms(diff), ms(poll), ms(ev.FirstWrite.Sub(ev.Seen)), ev.LogAppendTime)
				if diff < -10*time.Millisecond || diff > 10*time.Millisecond {
					t.Errorf("%d→%d: first write %s, the records say %s (%s off)", from, to, ev.FirstWrite.Format(time.RFC3339Nano), truth.Format(time.RFC3339Nano), ms(diff))
				}
				if ev.LogAppendTime != lat || lat != (tc.configs != nil) {
					t.Errorf("%d→%d: event says LogAppendTime=%v, the records %v, the topic %v", from, to, ev.LogAppendTime, lat, tc.configs != nil)
				}
				worst, pollWorst, pollSum = max(worst, diff.Abs()), max(pollWorst, poll), pollSum+poll
				dated = append(dated, ev)
				// The command watches on its own clock (1 s, ±10%): the
				// next expansion waits until it has seen this one, or two
				// within one of its polls would be one 2-partition step.
				waitfor.That(t, 30*time.Second, "partop --observe saw the expansion", func() bool {
					lines := bin.snapshot()
					return len(lines) > 0 && intOf(lines[len(lines)-1]["cluster_partitions"]) >= to
				})
				from = to
			}
			report(t, "over %d expansions: first write vs the records' own timestamps worst %s | the poll's first record: mean %s, worst %s later",
				tc.expansions, ms(worst), ms(pollSum/time.Duration(tc.expansions)), ms(pollWorst))
			// The command polls on its own clock: its watch sees the last
			// expansion within an interval (1 s, ±10%), and its next poll of
			// end offsets reads the first records. Only its summary carries
			// the event log.
			time.Sleep(3 * time.Second)
			checkBinaryFirstWrites(t, bin.stop(t), dated)
		})
	}
}

// firstRecordTimes reads back the first record of partitions from..to-1
// with a consumer: the latest of their timestamps, and whether the broker
// stamped them (LogAppendTime).
func firstRecordTimes(t *testing.T, topic string, from, to int) (time.Time, bool) {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := from; p < to; p++ {
		offsets[int32(p)] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	firsts := map[int32]*kgo.Record{}
	for len(firsts) < to-from {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading the first records of %s back: %v (have %d of %d)", topic, ctx.Err(), len(firsts), to-from)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if f, ok := firsts[r.Partition]; !ok || r.Offset < f.Offset {
				firsts[r.Partition] = r
			}
		})
	}
	var latest time.Time
	lat := false
	for _, r := range firsts {
		if r.Offset != 0 {
			t.Fatalf("partition %d's first record read back is at offset %d", r.Partition, r.Offset)
		}
		latest, lat = maxTime(latest, r.Timestamp), lat || r.Attrs.TimestampType() == 1
	}
	return latest, lat
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkBinaryFirstWrites holds the partop command's summary to the first
// writes the in-process observer found.
func checkBinaryFirstWrites(t *testing.T, lines []map[string]any, want []engine.Event) {
	t.Helper()
	var sum map[string]any
	for _, l := range lines {
		if l["summary"] == true {
			sum = l
		}
	}
	got := map[int]map[string]any{}
	for _, m := range expansions(sum) {
		got[intOf(m["to"])] = m
	}
	for _, ev := range want {
		m := got[ev.To]
		if m == nil {
			t.Errorf("partop's summary has no expansion to %d; its expansions: %v", ev.To, expansions(sum))
			continue
		}
		stamp := ev.FirstWrite.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
		lat, _ := m["log_append_time"].(bool)
		if m["first_write_at"] != stamp || lat != ev.LogAppendTime {
			t.Errorf("partop's summary, expansion to %d: first_write_at %v log_append_time %v; in-process %s %v", ev.To, m["first_write_at"], m["log_append_time"], stamp, ev.LogAppendTime)
		}
	}
}

func intOf(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case interface{ Int64() (int64, error) }:
		i, _ := n.Int64()
		return int(i)
	}
	return -1
}

// TestObserveFirstWriteDenied: bob, denied Read on the topic, observes an
// expansion: reading the first records is refused, which the log says once;
// the pickup is the polls', and nothing is read again.
func TestObserveFirstWriteDenied(t *testing.T) {
	topic := topicName("first-denied")
	createTopic(t, topic, 2, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	deny := kadm.NewACLs().Deny("User:bob").Topics(topic).Operations(kadm.OpRead).ResourcePatternType(kadm.ACLPatternLiteral)
	adm := admin(t)
	if _, err := adm.CreateACLs(ctx, deny); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = adm.DeleteACLs(context.Background(), deny) })
	startWriter(t, 1000, kgo.SeedBrokers(env.brokers...), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.MetadataMaxAge(time.Second), kgo.MetadataMinAge(500*time.Millisecond))
	o := observeInProcess(t, openCluster(t, env.saslBrokers, scram("bob", "bob-secret")), topic, observe.Config{})
	waitfor.That(t, 20*time.Second, "records counted", func() bool { return o.eng.Snapshot().Stats.Acked > 1000 })
	grow(t, topic, 4)
	var ev engine.Event
	waitfor.That(t, 30*time.Second, "the expansion picked up and the refusal logged", func() bool {
		notices := 0
		for _, e := range o.eng.Snapshot().Events {
			switch {
			case e.Kind == engine.KindExpansion && e.To == 4:
				ev = e
			case strings.Contains(e.Message, "first records not read (Read on the topic denied)"):
				notices++
			}
		}
		if notices > 1 {
			t.Fatalf("the refusal logged %d times", notices)
		}
		return ev.Done && notices == 1
	})
	time.Sleep(3 * time.Second) // polls that must not read again
	for _, e := range o.eng.Snapshot().Events {
		if e.Kind == engine.KindError && e.Message != "" && !strings.Contains(e.Message, "denied") {
			t.Errorf("unexpected error event: %s", e.Message)
		}
	}
	if !ev.FirstWrite.IsZero() {
		t.Errorf("first write %v without Read on the topic", ev.FirstWrite)
	}
	report(t, "denied Read: the pickup from the polls, %s after seen; the refusal logged once", ms(ev.Pickup))
}
