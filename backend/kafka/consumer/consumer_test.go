package consumer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/internal/waitfor"
	"partop/rules"
	"partop/source"
)

const wait = 20 * time.Second // generous: the race detector on a shared 2-core machine

func group(protocol, reset string) source.ConsumerConfig {
	return source.ConsumerConfig{Group: "partop-test", Protocol: protocol, Reset: reset}
}

// TestSkippedOnNewPartitions grows a topic under a running group, for each
// protocol and each of latest and earliest, with records written to the
// new partitions before the group can look at them (the gate holds its
// ListOffsets meanwhile) and more written all along. On each new
// partition the first fetched offset is exactly the count of records
// before it, read back from offset 0 with a plain client; every one of
// them was written before that first fetch; the group then read every
// record from there on, so skipped + read = written. Latest skips at least
// the records written before the group looked; earliest skips none.
func TestSkippedOnNewPartitions(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{rules.ProtocolClassic, rules.ProtocolConsumer} {
		for _, reset := range []string{rules.ResetLatest, rules.ResetEarliest} {
			t.Run(protocol+"/"+reset, func(t *testing.T) { t.Parallel(); expansion(t, protocol, reset) })
		}
	}
}

func expansion(t *testing.T, protocol, reset string) {
	const (
		topic  = "skips"
		before = 40 // records on each new partition before the group looks
	)
	cl, _ := embeddedtest.Start(t, topic, 2)
	opts := cl.ClientOpts()
	g := &gate{}
	c, rec := running(t, Config{Topic: topic, ClientOpts: append(slices.Clip(opts), kgo.Dialer(g.dial)), ConsumerConfig: group(protocol, reset)})
	w := newWriter(t, opts, topic)
	w.run(2)
	waitAll(t, wait, "first fetches on the first partitions", []int32{0, 1}, func(p int32) bool { _, ok := firstFetch(rec, p); return ok })
	started := factsOf[source.ConsumerStarted](rec)
	if want := (source.ConsumerStarted{Group: "partop-test", Protocol: protocol, Reset: reset}); len(started) != 1 || started[0] != want {
		t.Fatalf("ConsumerStarted: %+v, want one %+v", started, want)
	}

	g.close()
	if _, _, err := cl.Grow(context.Background(), topic, func(int) int { return 4 }); err != nil {
		t.Fatal(err)
	}
	grown := []int32{2, 3}
	w.knows(4)
	for _, p := range grown {
		w.sync(p, before, time.Time{})
	}
	w.width.Store(4)
	g.open()
	waitAll(t, wait, "the new partitions assigned", grown, func(p int32) bool { return assigned(rec, p) })
	waitAll(t, wait, "first fetches on the new partitions", grown, func(p int32) bool { _, ok := firstFetch(rec, p); return ok })
	w.halt()
	ends, err := cl.EndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	waitAll(t, wait, "the group to read every record from its first fetch on", grown, func(p int32) bool {
		ff, _ := firstFetch(rec, p)
		return int64(reads(c, p)) == ends[p]-ff.Offset
	})
	waitAll(t, wait, "first commits on the new partitions", grown, func(p int32) bool { return committed(rec, p) })
	waitAll(t, wait, "end offsets at assignment", grown, func(p int32) bool { _, ok := endAtAssignment(rec, p); return ok })

	for _, p := range grown {
		// Asked for when the assignment came, answered once the gate
		// opened: after the records written before, before the last.
		if end, _ := endAtAssignment(rec, p); end < before || end > ends[p] {
			t.Errorf("partition %d: end offset at assignment %d, want %d to %d", p, end, before, ends[p])
		}
		ff, _ := firstFetch(rec, p)
		var skipped int64
		for i, r := range readBack(t, opts, topic, p, ends[p]) {
			if r.Offset != int64(i) {
				t.Fatalf("partition %d: record %d has offset %d", p, i, r.Offset)
			}
			if r.Offset >= ff.Offset {
				continue
			}
			skipped++
			if r.Timestamp.After(ff.At) {
				t.Errorf("partition %d: skipped record %d was written at %s, after the group's first fetch at %s", p, r.Offset, r.Timestamp.Format(time.StampMicro), ff.At.Format(time.StampMicro))
			}
		}
		if skipped != ff.Offset {
			t.Errorf("partition %d: first fetch at offset %d, but %d records before it", p, ff.Offset, skipped)
		}
		switch reset {
		case rules.ResetEarliest:
			if ff.Offset != 0 {
				t.Errorf("partition %d: earliest skipped %d records", p, ff.Offset)
			}
		case rules.ResetLatest:
			if ff.Offset < before {
				t.Errorf("partition %d: latest skipped %d records, but %d were written before the group looked", p, ff.Offset, before)
			}
		}
		t.Logf("partition %d: %d records written, %d skipped, %d read", p, ends[p], ff.Offset, reads(c, p))
	}
	t.Logf("ListOffsets requests held at the gate: %d", g.held.Load())
}

// TestEndsAtAssignment: the end offsets reported when partitions are
// assigned are what was on them then, to the record: the group's first
// partitions with 30 records, and one added later that got 25 before the
// group could ask (the gate holds its ListOffsets) and nothing after.
// earliest reads them all, so what it skipped is 0 of those 25.
func TestEndsAtAssignment(t *testing.T) {
	t.Parallel()
	const topic = "ends"
	cl, _ := embeddedtest.Start(t, topic, 1)
	opts := cl.ClientOpts()
	w := newWriter(t, opts, topic)
	w.sync(0, 30, time.Time{})
	g := &gate{}
	_, rec := running(t, Config{Topic: topic, ClientOpts: append(slices.Clip(opts), kgo.Dialer(g.dial)), ConsumerConfig: group(rules.ProtocolConsumer, rules.ResetEarliest)})
	waitfor.That(t, wait, "the end offset of partition 0 at assignment", func() bool { _, ok := endAtAssignment(rec, 0); return ok })
	if end, _ := endAtAssignment(rec, 0); end != 30 {
		t.Fatalf("partition 0: end offset at assignment %d, want 30", end)
	}

	g.close()
	if _, _, err := cl.Grow(context.Background(), topic, func(int) int { return 2 }); err != nil {
		t.Fatal(err)
	}
	w.knows(2)
	w.sync(1, 25, time.Time{})
	g.open()
	waitfor.That(t, wait, "the end offset of partition 1 at assignment", func() bool { _, ok := endAtAssignment(rec, 1); return ok })
	if end, _ := endAtAssignment(rec, 1); end != 25 {
		t.Fatalf("partition 1: end offset at assignment %d, want the 25 records written before", end)
	}
	waitfor.That(t, wait, "the first fetch on partition 1", func() bool { _, ok := firstFetch(rec, 1); return ok })
	if ff, _ := firstFetch(rec, 1); ff.Offset != 0 {
		t.Fatalf("earliest started partition 1 at %d", ff.Offset)
	}
}

// TestByDuration: by-duration:1h skips what was stamped over an hour ago,
// on the partition the group starts with and on one added later, where
// the hour is counted back from the new assignment, not from when the
// consumer was made (KIP-1106's "now minus D", at each reset).
func TestByDuration(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{rules.ProtocolClassic, rules.ProtocolConsumer} {
		t.Run(protocol, func(t *testing.T) {
			const (
				topic       = "recent"
				old, recent = 30, 20
			)
			cl, _ := embeddedtest.Start(t, topic, 1)
			opts := cl.ClientOpts()
			w := newWriter(t, opts, topic)
			w.sync(0, old, time.Now().Add(-2*time.Hour))
			w.sync(0, recent, time.Now())
			g := &gate{}
			c, rec := running(t, Config{Topic: topic, ClientOpts: append(slices.Clip(opts), kgo.Dialer(g.dial)), ConsumerConfig: group(protocol, "by-duration:1h")})
			made := time.Now()
			waitfor.That(t, wait, "the recent records read", func() bool { return reads(c, 0) == recent })
			if ff, _ := firstFetch(rec, 0); ff.Offset != old {
				t.Errorf("partition 0: first fetch at %d, want %d (the records stamped 2h ago skipped)", ff.Offset, old)
			}

			// Records stamped just under an hour before the expansion,
			// but over an hour after the consumer was made minus an hour:
			// measured from the consumer's making they would be read.
			waitfor.That(t, wait, "a few milliseconds since the consumer was made", func() bool { return time.Since(made) > 5*time.Millisecond })
			g.close()
			grewAt := time.Now()
			if _, _, err := cl.Grow(context.Background(), topic, func(int) int { return 2 }); err != nil {
				t.Fatal(err)
			}
			w.knows(2)
			w.sync(1, old, grewAt.Add(-time.Hour-time.Millisecond))
			w.sync(1, recent, time.Now())
			g.open()
			waitfor.That(t, wait, "the new partition's recent records read", func() bool { return reads(c, 1) == recent })
			if ff, _ := firstFetch(rec, 1); ff.Offset != old {
				t.Errorf("partition 1: first fetch at %d, want %d (records stamped over an hour before the assignment skipped)", ff.Offset, old)
			}
		})
	}
}

// TestNoKIP848: a cluster without KIP-848 (no ConsumerGroupHeartbeat at
// all, or only Kafka 3.9's early-access v0) asked for the consumer
// protocol fails naming the flag to fall back with; with no protocol asked
// for, the group runs classic.
func TestNoKIP848(t *testing.T) {
	t.Parallel()
	none := kversion.Stable()
	none.SetMaxKeyVersion(68, -1)
	for name, v := range map[string]*kversion.Versions{"no ConsumerGroupHeartbeat": none, "Kafka 3.9": kversion.V3_9_0()} {
		t.Run(name, func(t *testing.T) {
			fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.MaxVersions(v), kfake.SeedTopics(2, "old"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(fake.Close)
			opts := []kgo.Opt{kgo.SeedBrokers(fake.ListenAddrs()...)}
			_, err = New(context.Background(), Config{Topic: "old", ClientOpts: opts, ConsumerConfig: group(rules.ProtocolConsumer, "")})
			if !errors.Is(err, ErrNoKIP848) || !strings.Contains(err.Error(), "--consumer-protocol classic") {
				t.Fatalf("asked for consumer: %v; want an error naming --consumer-protocol classic", err)
			}
			t.Log(err)

			c, rec := running(t, Config{Topic: "old", ClientOpts: opts, ConsumerConfig: group("", "")})
			if c.Protocol() != rules.ProtocolClassic {
				t.Fatalf("protocol %q, want classic", c.Protocol())
			}
			waitfor.That(t, wait, "the group up", func() bool { return len(factsOf[source.ConsumerStarted](rec)) > 0 })
			if s := factsOf[source.ConsumerStarted](rec)[0]; s.Protocol != rules.ProtocolClassic || s.Reset != rules.ResetLatest {
				t.Errorf("ConsumerStarted %+v, want classic and latest", s)
			}
		})
	}
}

// TestDefaultProtocol: the embedded cluster supports KIP-848, so no
// protocol asked for means consumer.
func TestDefaultProtocol(t *testing.T) {
	t.Parallel()
	cl, _ := embeddedtest.Start(t, "t", 1)
	c, rec := running(t, Config{Topic: "t", ClientOpts: cl.ClientOpts(), ConsumerConfig: group("", "")})
	if c.Protocol() != rules.ProtocolConsumer {
		t.Fatalf("protocol %q, want consumer", c.Protocol())
	}
	waitfor.That(t, wait, "the group up", func() bool { return len(factsOf[source.ConsumerStarted](rec)) > 0 })
	if s := factsOf[source.ConsumerStarted](rec)[0]; s.Protocol != rules.ProtocolConsumer {
		t.Errorf("ConsumerStarted %+v, want the consumer protocol", s)
	}
}

// TestCloseCommits: Close commits everything read, so the group's next
// run starts where this one stopped, and leaves the group.
func TestCloseCommits(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{rules.ProtocolClassic, rules.ProtocolConsumer} {
		t.Run(protocol, func(t *testing.T) {
			cl, _ := embeddedtest.Start(t, "closing", 1)
			opts := cl.ClientOpts()
			newWriter(t, opts, "closing").sync(0, 100, time.Time{})
			c, err := New(context.Background(), Config{Topic: "closing", ClientOpts: opts, ConsumerConfig: group(protocol, rules.ResetEarliest)})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { defer close(done); c.Run(context.Background(), discard{}) }()
			waitfor.That(t, wait, "100 records read", func() bool { return reads(c, 0) == 100 })
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			<-done
			adm, err := kgo.NewClient(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer adm.Close()
			offs, err := kadm.NewClient(adm).FetchOffsets(context.Background(), "partop-test")
			if err != nil {
				t.Fatal(err)
			}
			if o, ok := offs.Lookup("closing", 0); !ok || o.At != 100 {
				t.Errorf("committed %+v (found %v), want 100", o, ok)
			}
		})
	}
}

// TestCloseBeforeRun: Close without Run releases the client; a later Run
// returns at once.
func TestCloseBeforeRun(t *testing.T) {
	t.Parallel()
	cl, _ := embeddedtest.Start(t, "t", 1)
	c, err := New(context.Background(), Config{Topic: "t", ClientOpts: cl.ClientOpts(), ConsumerConfig: group(rules.ProtocolClassic, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c.Run(context.Background(), discard{})
}

type discard struct{}

func (discard) Report(source.Fact) {}

func TestCheckConfig(t *testing.T) {
	t.Parallel()
	ok := Config{Topic: "t", ConsumerConfig: group("", "")}
	if err := CheckConfig(ok); err != nil {
		t.Fatalf("a good config: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"empty group", func(c *Config) { c.Group = "" }, "group name is empty"},
		{"long group", func(c *Config) { c.Group = strings.Repeat("g", rules.MaxGroupName+1) }, "at most 255"},
		{"protocol", func(c *Config) { c.Protocol = "eager" }, `unknown consumer protocol "eager"`},
		{"reset", func(c *Config) { c.Reset = "none" }, `unknown reset policy "none"`},
		{"by-duration", func(c *Config) { c.Reset = "by-duration:soon" }, "by-duration:D with D a positive duration"},
		{"negative by-duration", func(c *Config) { c.Reset = "by-duration:-1h" }, "by-duration:D with D a positive duration"},
		{"topic", func(c *Config) { c.Topic = "" }, "topic name is empty"},
		{"interval", func(c *Config) { c.DiscoveryInterval = time.Millisecond }, "discovery interval 1ms"},
	} {
		c := ok
		tc.edit(&c)
		err := CheckConfig(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if _, nerr := New(context.Background(), c); nerr == nil || nerr.Error() != err.Error() {
			t.Errorf("%s: New says %v, CheckConfig %v", tc.name, nerr, err)
		}
	}
}
