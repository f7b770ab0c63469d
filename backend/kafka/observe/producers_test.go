package observe_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/backend/kafka/observe"
	"partop/internal/waitfor"
	"partop/source"
	"partop/source/sourcetest"
)

// fast are settings that make the producers list quick enough for tests.
func fast(topic string, opts []kgo.Opt) observe.Config {
	return observe.Config{Topic: topic, Interval: 100 * time.Millisecond, DiscoveryInterval: 100 * time.Millisecond,
		ProducersInterval: 200 * time.Millisecond, ProducersGrace: time.Second, ClientOpts: opts}
}

// run starts an observer with cfg until the test ends; its facts go to
// the returned recorder.
func run(t *testing.T, cfg observe.Config, admin cluster.Grower) (*observe.Observer, *sourcetest.Recorder) {
	t.Helper()
	cl, err := kgo.NewClient(cfg.ClientOpts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	top, err := cluster.Describe(ctx, cl, cfg.Topic)
	cl.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := observe.New(cfg, admin, top)
	if err != nil {
		t.Fatal(err)
	}
	rec := sourcetest.NewRecorder()
	rctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(rctx, rec) }()
	t.Cleanup(func() { stop(); <-done; _ = s.Close() })
	return s, rec
}

// writing runs a client that produces a record every millisecond until the
// test ends, in one open transaction when it is transactional (kfake lists
// only producers inside a transaction).
func writing(t *testing.T, txn bool, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	if txn {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			<-tick.C
			cl.Produce(ctx, kgo.StringRecord("x"), nil)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait(); cl.Close() })
	return cl
}

func producerID(t *testing.T, cl *kgo.Client) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, _, err := cl.ProducerID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func stateOf(ps source.Producers, id int64) (source.Producer, bool) {
	for _, p := range ps.List {
		if p.ID == id {
			return p, true
		}
	}
	return source.Producer{}, false
}

// TestProducersEmbedded: two transactional producers write round-robin to
// 4 partitions of the embedded cluster, one with kgo's default 5-minute
// metadata age, one refreshing every 200ms; the topic grows to 8 from
// outside. The first is reported stale once the grace period is over, the
// second adopted, both with a rate.
func TestProducersEmbedded(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "txn", 4)
	opts := append(c.ClientOpts(), kgo.DefaultProduceTopic("txn"))
	old := writing(t, true, append(opts, kgo.TransactionalID("old"))...)
	quick := writing(t, true, append(opts, kgo.TransactionalID("quick"), kgo.MetadataMaxAge(200*time.Millisecond), kgo.MetadataMinAge(100*time.Millisecond))...)
	oldID, quickID := producerID(t, old), producerID(t, quick)
	_, rec := run(t, fast("txn", c.ClientOpts()), c)
	waitfor.That(t, 10*time.Second, "both producers listed as active", func() bool {
		ps := rec.Producers()
		a, okA := stateOf(ps, oldID)
		b, okB := stateOf(ps, quickID)
		return okA && okB && a.State == source.ProducerActive && b.State == source.ProducerActive && len(a.Partitions) == 4
	})

	adm := kadm.NewClient(old)
	resp, err := adm.UpdatePartitions(context.Background(), 8, "txn")
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	grown := time.Now()
	waitfor.That(t, 10*time.Second, "the quick producer adopted, the old one stale", func() bool {
		ps := rec.Producers()
		a, _ := stateOf(ps, oldID)
		b, _ := stateOf(ps, quickID)
		return a.State == source.ProducerStale && b.State == source.ProducerAdopted
	})
	took := time.Since(grown)
	ps := rec.Producers()
	a, _ := stateOf(ps, oldID)
	b, _ := stateOf(ps, quickID)
	t.Logf("after %s: %+v", took, ps.List)
	if took < time.Second {
		t.Errorf("stale %s after the expansion, before the 1s grace period was over", took)
	}
	if a.Rate <= 0 || b.Rate <= 0 || time.Since(a.LastWrite) > time.Second {
		t.Errorf("rates %.0f and %.0f, last write %s ago: want both writing", a.Rate, b.Rate, time.Since(a.LastWrite))
	}
	if len(b.Partitions) <= 4 || b.Partitions[len(b.Partitions)-1] < 4 {
		t.Errorf("adopted producer on partitions %v, want some of 4-7", b.Partitions)
	}
}

// bare is a one-broker kfake cluster with a 2-partition topic, for tests
// that control its answers.
func bare(t *testing.T, topic string, opts ...kfake.Opt) (*kfake.Cluster, []kgo.Opt) {
	t.Helper()
	c, err := kfake.NewCluster(append(opts, kfake.NumBrokers(1), kfake.SeedTopics(2, topic))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
}

// TestProducersDenied: a cluster that refuses DescribeProducers
// (TOPIC_AUTHORIZATION_FAILED: it needs Read on the topic) leaves the list
// empty with a plain message, and end offsets keep being counted.
func TestProducersDenied(t *testing.T) {
	t.Parallel()
	c, opts := bare(t, "denied")
	var asked atomic.Int64
	c.ControlKey(kmsg.DescribeProducers.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		asked.Add(1)
		req := kreq.(*kmsg.DescribeProducersRequest)
		resp := req.ResponseKind().(*kmsg.DescribeProducersResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewDescribeProducersResponseTopic()
			st.Topic = rt.Topic
			for _, p := range rt.Partitions {
				sp := kmsg.NewDescribeProducersResponseTopicPartition()
				sp.Partition, sp.ErrorCode = p, kerr.TopicAuthorizationFailed.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	o, rec := run(t, fast("denied", opts), nil)
	writing(t, false, append(opts, kgo.DefaultProduceTopic("denied"))...)
	waitfor.That(t, 10*time.Second, "the denial to be reported and records counted", func() bool {
		ps := rec.Producers()
		return ps.Err == observe.ProducersDenied && len(ps.List) == 0 && sum(o.Counters().Read()) > 100
	})
	if asked.Load() == 0 {
		t.Fatal("DescribeProducers never asked")
	}
}

// TestProducersUnsupported: on a cluster without DescribeProducers (it
// advertises Kafka 2.7's requests) the list says so, partop stops asking,
// and end offsets keep being counted.
func TestProducersUnsupported(t *testing.T) {
	t.Parallel()
	_, opts := bare(t, "old", kfake.MaxVersions(kversion.V2_7_0()))
	var versionsAsked atomic.Int64
	hook := writeHook(func(key int16) {
		if key == kmsg.ApiVersions.Int16() {
			versionsAsked.Add(1)
		}
	})
	o, rec := run(t, fast("old", append(opts, kgo.WithHooks(hook))), nil)
	writing(t, false, append(opts, kgo.DefaultProduceTopic("old"))...)
	waitfor.That(t, 10*time.Second, "the missing API to be reported and records counted", func() bool {
		ps := rec.Producers()
		return ps.Err == observe.ProducersUnsupported && sum(o.Counters().Read()) > 100
	})
	asked := versionsAsked.Load()
	before := sum(o.Counters().Read())
	waitfor.That(t, 10*time.Second, "more records counted", func() bool { return sum(o.Counters().Read()) > before+500 })
	if n := versionsAsked.Load(); n != asked {
		t.Errorf("ApiVersions asked %d times after the list was turned off, want no more asking", n-asked)
	}
}

// writeHook calls a func with the key of every request written.
type writeHook func(key int16)

func (h writeHook) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err == nil {
		h(key)
	}
}

// TestProducersOff: a negative interval sends no DescribeProducers.
func TestProducersOff(t *testing.T) {
	t.Parallel()
	_, opts := bare(t, "off")
	var asked atomic.Int64
	hook := writeHook(func(key int16) {
		if key == kmsg.DescribeProducers.Int16() {
			asked.Add(1)
		}
	})
	cfg := fast("off", append(opts, kgo.WithHooks(hook)))
	cfg.ProducersInterval = -1
	_, rec := run(t, cfg, nil)
	for range 5 {
		<-rec.Steps()
	}
	if n := asked.Load(); n != 0 || !rec.Producers().At.IsZero() {
		t.Fatalf("producers asked %d times, list %+v: want never", n, rec.Producers())
	}
}

// TestProducersNoteEmbedded: a plain kgo producer (idempotent: it has a
// producer id) writes to partop's embedded cluster, which lists only
// transactional producers: the empty list's note names the embedded
// cluster rather than blaming idempotence.
func TestProducersNoteEmbedded(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "plain", 4)
	_, rec := run(t, fast("plain", c.ClientOpts()), c)
	cl := writing(t, false, append(c.ClientOpts(), kgo.DefaultProduceTopic("plain"))...)
	if id := producerID(t, cl); id < 0 {
		t.Fatalf("the writer has producer id %d: want an idempotent one", id)
	}
	waitfor.That(t, 10*time.Second, "the note on the embedded cluster", func() bool {
		ps := rec.Producers()
		return ps.Note == observe.ProducersNoIDsEmbedded && len(ps.List) == 0 && ps.Err == ""
	})
}

// TestProducersNote: on a cluster that is not partop's (kfake under its
// own id) the empty list has no note while nothing is written, the
// generic one once records come from a producer without idempotence, and
// none again a window after the last of them.
func TestProducersNote(t *testing.T) {
	t.Parallel()
	_, opts := bare(t, "plain")
	_, rec := run(t, fast("plain", opts), nil)
	looks := func() (n int, notes []string) {
		for _, f := range rec.Facts() {
			if p, ok := f.(source.ProducersSeen); ok {
				n++
				if p.Producers.Note != "" {
					notes = append(notes, p.Producers.Note)
				}
			}
		}
		return n, notes
	}
	waitfor.That(t, 10*time.Second, "5 looks", func() bool { n, _ := looks(); return n >= 5 })
	if _, notes := looks(); len(notes) > 0 {
		t.Fatalf("notes while nothing was written: %q", notes)
	}

	cl, err := kgo.NewClient(append(opts, kgo.DefaultProduceTopic("plain"), kgo.DisableIdempotentWrite())...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 100 {
		if err := cl.ProduceSync(ctx, kgo.StringRecord("x")).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	waitfor.That(t, 10*time.Second, "the generic note", func() bool {
		ps := rec.Producers()
		return ps.Note == observe.ProducersNoIDs && len(ps.List) == 0
	})
	waitfor.That(t, 10*time.Second, "no note a window after the last record", func() bool {
		return rec.Producers().Note == ""
	})
}

// TestAboutSaysWhenProducersAreOff: with the producers list turned off the
// observer says so before it runs (the panel says why at once); with it on
// it says nothing and lists them.
func TestAboutSaysWhenProducersAreOff(t *testing.T) {
	top := cluster.Topic{Name: "t", Partitions: []cluster.Partition{{ID: 0, Leader: 0}}}
	for _, tc := range []struct {
		interval time.Duration
		want     string
	}{{-1, observe.ProducersOff}, {0, ""}, {time.Second, ""}} {
		s, err := observe.New(observe.Config{Topic: "t", ClientOpts: []kgo.Opt{kgo.SeedBrokers("127.0.0.1:1")}, ProducersInterval: tc.interval}, nil, top)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.About().NoProducers; got != tc.want {
			t.Errorf("producers interval %s: NoProducers %q, want %q", tc.interval, got, tc.want)
		}
		if !s.About().Stepped {
			t.Errorf("About lost Stepped")
		}
		_ = s.Close()
	}
}
