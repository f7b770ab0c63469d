package groups

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/internal/waitfor"
	"partop/rules"
	"partop/source"
)

// settle bounds every wait: generous, so that a loaded machine never
// fails a test that would pass.
const settle = 45 * time.Second

// heartbeat is the KIP-848 heartbeat the test clusters ask of members
// (Kafka's 5 s default would make each assignment step take seconds).
var heartbeat = map[string]string{"group.consumer.heartbeat.interval.ms": "100"}

// embedded starts partop's embedded cluster with topic and returns the
// options that reach it. KIP-848 members heartbeat every 100 ms.
func embedded(t *testing.T, topic string, partitions int) []kgo.Opt {
	opts, _ := embeddedSeeds(t, topic, partitions)
	return opts
}

// embeddedSeeds is embedded, and its seed brokers.
func embeddedSeeds(t testing.TB, topic string, partitions int) ([]kgo.Opt, []string) {
	t.Helper()
	c, _ := embeddedtest.Start(t, topic, partitions)
	opts := c.ClientOpts()
	adm := kadm.NewClient(client(t, opts))
	var cfgs []kadm.AlterConfig
	for k, v := range heartbeat {
		cfgs = append(cfgs, kadm.AlterConfig{Name: k, Value: kmsg.StringPtr(v)})
	}
	resps, err := adm.AlterBrokerConfigs(ctx(t), cfgs)
	for _, r := range resps {
		err = cmp.Or(err, r.Err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return opts, c.Seeds()
}

// fake starts kfake itself, for what partop's embedded cluster does not
// expose: faults, and the protocol versions of an older Kafka.
func fake(t *testing.T, topic string, partitions int32, opts ...kfake.Opt) (*kfake.Cluster, []kgo.Opt) {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3), kfake.BrokerConfigs(heartbeat),
		kfake.SeedTopics(partitions, topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), settle)
	t.Cleanup(cancel)
	return c
}

func client(t testing.TB, opts []kgo.Opt, more ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append(slices.Clone(opts), more...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produce writes n records to each of partitions.
func produce(t *testing.T, opts []kgo.Opt, topic string, n int, partitions ...int32) {
	t.Helper()
	cl := client(t, opts, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var rs []*kgo.Record
	for _, p := range partitions {
		for range n {
			rs = append(rs, &kgo.Record{Partition: p, Value: []byte("x")})
		}
	}
	if err := cl.ProduceSync(ctx(t), rs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// consume runs a group member reading topic from the log start until the
// test ends (or stop is called), committing every 100 ms unless told not to.
func consume(t *testing.T, opts []kgo.Opt, group, topic string, more ...kgo.Opt) (stop func()) {
	t.Helper()
	cl, err := kgo.NewClient(append(slices.Clone(opts), append([]kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AutoCommitInterval(100 * time.Millisecond),
		// the classic group's leader sees new partitions at its metadata refresh
		kgo.MetadataMinAge(100 * time.Millisecond), kgo.MetadataMaxAge(500 * time.Millisecond)}, more...)...)...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !cl.PollFetches(context.Background()).IsClientClosed() {
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cl.Close(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func poller(t testing.TB, cfg Config) *Poller {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// lookUntil polls until cond holds of a look, and returns that look; on
// failure the test logs the last look.
func lookUntil(t *testing.T, p *Poller, what string, cond func(source.Groups) bool) source.Groups {
	t.Helper()
	var last source.Groups
	var lastErr error
	defer func() {
		if t.Failed() {
			t.Logf("last look (err %v): %s", lastErr, show(last))
		}
	}()
	waitfor.That(t, settle, what, func() bool {
		gs, err := p.look(ctx(t))
		last, lastErr = gs, err
		return err == nil && cond(gs)
	})
	return last
}

func show(gs source.Groups) string {
	var b strings.Builder
	fmt.Fprintf(&b, "err %q", gs.Err)
	for _, g := range gs.List {
		fmt.Fprintf(&b, "\n  %s %s %s members=%d note=%q err=%q", g.Name, g.Protocol, g.State, g.Members, g.Note, g.Err)
		for _, p := range g.Partitions {
			fmt.Fprintf(&b, "\n    %+v", p)
		}
	}
	return b.String()
}

func find(gs source.Groups, name string) (source.Group, bool) {
	for _, g := range gs.List {
		if g.Name == name {
			return g, true
		}
	}
	return source.Group{}, false
}

func names(gs source.Groups) []string {
	var out []string
	for _, g := range gs.List {
		out = append(out, g.Name)
	}
	return out
}

// caughtUp says g has exactly partitions 0..n-1, each assigned, in the
// target, committed at its end offset ends[p].
func caughtUp(g source.Group, ends []int64) bool {
	if len(g.Partitions) != len(ends) {
		return false
	}
	for i, p := range g.Partitions {
		if p.Partition != int32(i) || !p.Assigned || !p.Target || p.Committed != ends[i] || p.End != ends[i] || p.Lag != 0 || p.NoCommit {
			return false
		}
	}
	return true
}

func TestClassicAndKIP848GroupsFollowAnExpansion(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "orders", 4)
	produce(t, opts, "orders", 5, 0, 1, 2, 3)
	consume(t, opts, "billing", "orders")
	consume(t, opts, "audit", "orders", kgo.ServerSideBalancer())
	p := poller(t, Config{Topic: "orders", ClientOpts: opts})

	ends := []int64{5, 5, 5, 5}
	gs := lookUntil(t, p, "both groups assigned every partition and caught up", func(gs source.Groups) bool {
		a, okA := find(gs, "audit")
		b, okB := find(gs, "billing")
		return okA && okB && caughtUp(a, ends) && caughtUp(b, ends) && a.State == "Stable" && b.State == "Stable"
	})
	if got := names(gs); !slices.Equal(got, []string{"audit", "billing"}) {
		t.Fatalf("groups %v, want audit and billing", got)
	}
	a, _ := find(gs, "audit")
	b, _ := find(gs, "billing")
	if a.Protocol != rules.ProtocolConsumer || b.Protocol != rules.ProtocolClassic || a.Members != 1 || b.Members != 1 ||
		a.Note != "" || b.Note != "" || a.Err != "" || b.Err != "" || gs.Err != "" || gs.At.IsZero() || a.Lag() != 0 {
		t.Fatalf("looked:\n%s", show(gs))
	}

	adm := kadm.NewClient(client(t, opts))
	if _, err := adm.CreatePartitions(ctx(t), 2, "orders"); err != nil {
		t.Fatal(err)
	}
	produce(t, opts, "orders", 3, 4, 5)
	ends = []int64{5, 5, 5, 5, 3, 3}
	lookUntil(t, p, "both groups assigned the new partitions and caught up on them", func(gs source.Groups) bool {
		a, okA := find(gs, "audit")
		b, okB := find(gs, "billing")
		return okA && okB && caughtUp(a, ends) && caughtUp(b, ends)
	})
}

func TestNotesAndLagSayWhatGroupsAre(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "events", 3)
	produce(t, opts, "events", 6, 0, 1, 2)
	adm := kadm.NewClient(client(t, opts))
	var logStart kadm.Offsets
	logStart.AddOffset("events", 0, 2, -1)
	if resps, err := adm.DeleteRecords(ctx(t), logStart); err != nil || resps.Error() != nil {
		t.Fatalf("deleting records: %v %v", err, resps.Error())
	}
	if _, err := adm.CreateTopic(ctx(t), 1, -1, nil, "elsewhere"); err != nil {
		t.Fatal(err)
	}
	// A manually assigned consumer commits with no membership (generation -1).
	commit := func(group, topic string, at int64, partitions ...int32) {
		var os kadm.Offsets
		for _, p := range partitions {
			os.AddOffset(topic, p, at, -1)
		}
		if err := adm.CommitAllOffsets(ctx(t), group, os); err != nil {
			t.Fatal(err)
		}
	}
	commit("manual", "events", 4, 0, 1, 2)
	commit("other", "elsewhere", 0, 0) // no stake in the topic
	consume(t, opts, "idle", "events", kgo.DisableAutoCommit())
	left := consume(t, opts, "left", "events")
	p := poller(t, Config{Topic: "events", ClientOpts: opts})

	lookUntil(t, p, "left caught up", func(gs source.Groups) bool {
		g, ok := find(gs, "left")
		return ok && caughtUp(g, []int64{6, 6, 6})
	})
	left() // leaves the group: empty, its commits stay until they expire
	gs := lookUntil(t, p, "idle assigned everything, left empty", func(gs source.Groups) bool {
		idle, ok := find(gs, "idle")
		left, ok2 := find(gs, "left")
		return ok && ok2 && len(idle.Partitions) == 3 && idle.Partitions[2].Assigned && left.State == "Empty"
	})
	if got := names(gs); !slices.Equal(got, []string{"idle", "left", "manual"}) {
		t.Fatalf("groups %v, want idle, left and manual (not other: it has nothing on the topic)", got)
	}

	idle, _ := find(gs, "idle")
	if idle.Note != NoteNoCommits || idle.Protocol != rules.ProtocolClassic || idle.Members != 1 || idle.Lag() != 4+6+6 {
		t.Fatalf("idle:\n%s", show(gs))
	}
	for i, want := range []int64{4, 6, 6} { // partition 0 starts at 2: its lag is what is there, not its end offset
		if p := idle.Partitions[i]; !p.NoCommit || p.Committed != -1 || p.Lag != want || p.End != 6 {
			t.Fatalf("idle partition %d: %+v, want no commit yet and lag %d", i, p, want)
		}
	}

	manual, _ := find(gs, "manual")
	if manual.Note != NoteManual || manual.Protocol != "" || manual.Members != 0 || manual.State != "Empty" || manual.Lag() != 3*2 {
		t.Fatalf("manual:\n%s", show(gs))
	}
	for _, p := range manual.Partitions {
		if p.Assigned || p.Target || p.Committed != 4 || p.Lag != 2 || p.NoCommit {
			t.Fatalf("manual partition %+v", p)
		}
	}

	left2, _ := find(gs, "left")
	if left2.Note != NoteEmpty || left2.Protocol != rules.ProtocolClassic || left2.Members != 0 || left2.Lag() != 0 {
		t.Fatalf("left:\n%s", show(gs))
	}
	for _, p := range left2.Partitions {
		if p.Assigned || p.Committed != 6 || p.Lag != 0 {
			t.Fatalf("left partition %+v", p)
		}
	}
}

// A KIP-848 group that has not committed: every partition it is assigned
// (or targeted) lags by everything on it.
func TestKIP848GroupWithoutCommits(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "clicks", 2)
	produce(t, opts, "clicks", 7, 0, 1)
	consume(t, opts, "fresh", "clicks", kgo.ServerSideBalancer(), kgo.DisableAutoCommit())
	p := poller(t, Config{Topic: "clicks", ClientOpts: opts})
	gs := lookUntil(t, p, "fresh assigned both partitions", func(gs source.Groups) bool {
		g, ok := find(gs, "fresh")
		return ok && len(g.Partitions) == 2 && g.Partitions[0].Assigned && g.Partitions[1].Assigned
	})
	g, _ := find(gs, "fresh")
	if g.Protocol != rules.ProtocolConsumer || g.Note != NoteNoCommits || g.Lag() != 14 {
		t.Fatalf("fresh:\n%s", show(gs))
	}
	for _, p := range g.Partitions {
		if !p.NoCommit || !p.Target || p.Lag != 7 {
			t.Fatalf("fresh partition %+v", p)
		}
	}
}

// recorder is a source.Reporter that keeps what it is told.
type recorder struct {
	mu    sync.Mutex
	facts []source.Fact
}

func (r *recorder) Report(f source.Fact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.facts = append(r.facts, f)
}

func (r *recorder) seen() (gs []source.Groups, problems []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.facts {
		switch f := f.(type) {
		case source.GroupsSeen:
			gs = append(gs, f.Groups)
		case source.Problem:
			problems = append(problems, f.Message)
		}
	}
	return gs, problems
}

// Run polls at once, then every interval, reporting every poll; the end
// offsets come from Config.EndOffsets when it is set.
func TestRunReportsEveryPoll(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "metrics", 2)
	var os kadm.Offsets
	os.AddOffset("metrics", 0, 40, -1)
	if err := kadm.NewClient(client(t, opts)).CommitAllOffsets(ctx(t), "manual", os); err != nil {
		t.Fatal(err)
	}
	p := poller(t, Config{Topic: "metrics", ClientOpts: opts, Interval: time.Second,
		EndOffsets: func() []int64 { return []int64{100, 100} }})
	var r recorder
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(runCtx, &r) }()
	start := time.Now()
	waitfor.That(t, settle, "three polls", func() bool { gs, _ := r.seen(); return len(gs) >= 3 })
	cancel()
	<-done
	gs, problems := r.seen()
	if len(problems) > 0 || time.Since(start) < 1800*time.Millisecond {
		t.Fatalf("problems %v; three polls in %s (want one at once, then one a second)", problems, time.Since(start))
	}
	for i, g := range gs {
		m, ok := find(g, "manual")
		if !ok || len(m.Partitions) != 1 || m.Partitions[0].End != 100 || m.Partitions[0].Lag != 60 || g.Err != "" {
			t.Fatalf("poll %d:\n%s", i, show(g))
		}
		if i > 0 && !g.At.After(gs[i-1].At) {
			t.Fatalf("poll %d at %s, not after poll %d at %s", i, g.At, i-1, gs[i-1].At)
		}
	}
}

// TestWakePollsAtOnce: Wake brings the next poll forward from a minute
// away to now; wakes asked together make at most one poll each, and then
// the poller waits its interval again.
func TestWakePollsAtOnce(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "woken", 2)
	p := poller(t, Config{Topic: "woken", ClientOpts: opts, Interval: time.Minute,
		EndOffsets: func() []int64 { return []int64{0, 0} }})
	var r recorder
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(runCtx, &r) }()
	defer func() { cancel(); <-done }()
	waitfor.That(t, settle, "the first poll", func() bool { gs, _ := r.seen(); return len(gs) == 1 })
	for range 3 {
		p.Wake()
	}
	waitfor.That(t, settle, "a poll after Wake, not a minute later", func() bool { gs, _ := r.seen(); return len(gs) >= 2 })
	time.Sleep(300 * time.Millisecond)
	gs, problems := r.seen()
	time.Sleep(300 * time.Millisecond)
	if later, _ := r.seen(); len(gs) > 4 || len(later) != len(gs) || len(problems) > 0 {
		t.Fatalf("%d polls, then %d (problems %v) after three wakes: want at most one poll each, then none for a minute", len(gs), len(later), problems)
	}
}

// A poll that fails reports the last list with the error, and a problem.
func TestRunReportsFailure(t *testing.T) {
	t.Parallel()
	c, opts := fake(t, "t", 1)
	var os kadm.Offsets
	os.AddOffset("t", 0, 1, -1)
	if err := kadm.NewClient(client(t, opts)).CommitAllOffsets(ctx(t), "manual", os); err != nil {
		t.Fatal(err)
	}
	p := poller(t, Config{Topic: "t", ClientOpts: append(opts, kgo.RetryTimeout(time.Second)), Interval: time.Second})
	var r recorder
	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(runCtx, &r)
	waitfor.That(t, settle, "a first poll", func() bool { gs, _ := r.seen(); return len(gs) >= 1 })
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListGroups}, TopLevel: true, Err: kerr.ClusterAuthorizationFailed, Count: -1})
	waitfor.That(t, settle, "a failed poll", func() bool {
		gs, problems := r.seen()
		return len(gs) >= 2 && gs[len(gs)-1].Err != "" && len(problems) > 0
	})
	gs, problems := r.seen()
	last := gs[len(gs)-1]
	if _, ok := find(last, "manual"); !ok || !strings.Contains(last.Err, "CLUSTER_AUTHORIZATION_FAILED") ||
		!last.At.Equal(gs[0].At) || !strings.Contains(problems[0], "CLUSTER_AUTHORIZATION_FAILED") {
		t.Fatalf("after the failure: %s; problems %q", show(last), problems)
	}
}

// A group the poller may not describe is shown with its error and what
// it could see; one it could see nothing of is counted in the list's error.
func TestDeniedGroups(t *testing.T) {
	t.Parallel()
	c, opts := fake(t, "t", 2)
	produce(t, opts, "t", 3, 0, 1)
	consume(t, opts, "secret", "t")
	p := poller(t, Config{Topic: "t", ClientOpts: opts})
	lookUntil(t, p, "secret caught up", func(gs source.Groups) bool {
		g, ok := find(gs, "secret")
		return ok && caughtUp(g, []int64{3, 3})
	})
	var os kadm.Offsets
	os.AddOffset("other-topic", 0, 1, -1)
	adm := kadm.NewClient(client(t, opts))
	if _, err := adm.CreateTopic(ctx(t), 1, -1, nil, "other-topic"); err != nil {
		t.Fatal(err)
	}
	if err := adm.CommitAllOffsets(ctx(t), "unseen", os); err != nil {
		t.Fatal(err)
	}
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Group: "secret", Err: kerr.GroupAuthorizationFailed, Count: -1},
		kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: "unseen", Err: kerr.GroupAuthorizationFailed, Count: -1})
	gs := lookUntil(t, p, "secret denied", func(gs source.Groups) bool {
		g, ok := find(gs, "secret")
		return ok && g.Err != ""
	})
	g, _ := find(gs, "secret")
	if !strings.Contains(g.Err, "GROUP_AUTHORIZATION_FAILED") || len(g.Partitions) != 2 || g.Partitions[0].Committed != 3 ||
		!strings.HasPrefix(gs.Err, "could not look at group unseen: fetching commits: denied") {
		t.Fatalf("looked:\n%s", show(gs))
	}
}

// Before Kafka 3.8, ListGroups does not say a group's type: a KIP-848
// group is found by describing it as classic first (kfake: a group without
// members that is not empty; Kafka: GROUP_ID_NOT_FOUND).
func TestGroupTypesNotListed(t *testing.T) {
	t.Parallel()
	v := kversion.Stable()
	v.SetMaxKeyVersion(int16(kmsg.ListGroups), 4)
	_, opts := fake(t, "t", 2, kfake.MaxVersions(v))
	produce(t, opts, "t", 2, 0, 1)
	consume(t, opts, "audit", "t", kgo.ServerSideBalancer())
	consume(t, opts, "billing", "t")
	p := poller(t, Config{Topic: "t", ClientOpts: opts})
	gs := lookUntil(t, p, "both groups caught up", func(gs source.Groups) bool {
		a, okA := find(gs, "audit")
		b, okB := find(gs, "billing")
		return okA && okB && caughtUp(a, []int64{2, 2}) && caughtUp(b, []int64{2, 2})
	})
	a, _ := find(gs, "audit")
	b, _ := find(gs, "billing")
	if a.Protocol != rules.ProtocolConsumer || b.Protocol != rules.ProtocolClassic || a.Members != 1 {
		t.Fatalf("looked:\n%s", show(gs))
	}
}

// A cluster without ConsumerGroupDescribe: the KIP-848 group says so.
func TestConsumerGroupDescribeNotSupported(t *testing.T) {
	t.Parallel()
	v := kversion.Stable()
	v.SetMaxKeyVersion(int16(kmsg.ListGroups), 4)
	v.SetMaxKeyVersion(int16(kmsg.ConsumerGroupDescribe), -1)
	_, opts := fake(t, "t", 1, kfake.MaxVersions(v))
	produce(t, opts, "t", 2, 0)
	consume(t, opts, "audit", "t", kgo.ServerSideBalancer())
	p := poller(t, Config{Topic: "t", ClientOpts: opts})
	gs := lookUntil(t, p, "audit's commit, and its error", func(gs source.Groups) bool {
		g, ok := find(gs, "audit")
		return ok && len(g.Partitions) == 1 && g.Partitions[0].Committed == 2 && g.Err != ""
	})
	if g, _ := find(gs, "audit"); g.Err != "describing (ConsumerGroupDescribe): not supported by this cluster" {
		t.Fatalf("looked:\n%s", show(gs))
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{Topic: "t", Interval: 500 * time.Millisecond}); err == nil {
		t.Fatal("a 500ms interval was accepted")
	}
	if _, err := New(Config{Topic: "bad topic"}); err == nil {
		t.Fatal("a bad topic name was accepted")
	}
	p, err := New(Config{Topic: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.cfg.Interval != 5*time.Second {
		t.Fatalf("default interval %s", p.cfg.Interval)
	}
}

// A slot reports its partitions in order, with lag, and is left cleared
// for the next poll.
func TestSlotFillsAndClears(t *testing.T) {
	t.Parallel()
	var p Poller
	var g seen
	s := p.slotOf(&g)
	s.mark(3, committed, 7)
	s.mark(1, assigned|target, 0)
	s.mark(4, assigned, 0)
	s.mark(3, assigned|target, 0)
	s.mark(6, target, 0)
	s.mark(-1, committed, 1)
	s.mark(maxPartitions, committed, 1)
	if s.n != 4 || s.committed != 1 {
		t.Fatalf("n %d, committed %d", s.n, s.committed)
	}
	out := make([]source.GroupPartition, s.n)
	ends := []int64{10, 10, 10, 5, 10, 10}   // 6: not known
	starts := []int64{-1, 2, -1, -1, -1, -1} // 4: not known
	c := s.fill(out, ends, starts)
	want := []source.GroupPartition{
		{Partition: 1, Assigned: true, Target: true, Committed: -1, End: 10, Lag: 8, NoCommit: true},
		{Partition: 3, Assigned: true, Target: true, Committed: 7, End: 5, Lag: 0}, // past a stale end offset: caught up
		{Partition: 4, Assigned: true, Committed: -1, End: -1, Lag: -1, NoCommit: true},
		{Partition: 6, Target: true, Committed: -1, End: -1, Lag: -1, NoCommit: true},
	}
	if !slices.Equal(out, want) || c != (counts{committed: 1, assigned: 3, open: 3}) {
		t.Fatalf("filled %+v, %+v", out, c)
	}
	if s.n != 0 || s.committed != 0 || slices.ContainsFunc(s.flags, func(f uint8) bool { return f != 0 }) {
		t.Fatalf("slot not cleared: %+v", s)
	}
}

// requests counts the requests a client sends, by key.
type requests struct {
	mu sync.Mutex
	n  map[int16]int
}

// OnBrokerWrite implements kgo.HookBrokerWrite.
func (r *requests) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, _ error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[int16]int{}
	}
	r.n[key]++
}

// take returns the counts so far and starts again.
func (r *requests) take() map[int16]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.n
	r.n = nil
	return n
}

// bursts are the burst looks recorded.
func (r *recorder) bursts() []source.Groups {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []source.Groups
	for _, f := range r.facts {
		if a, ok := f.(source.AssignmentsSeen); ok {
			out = append(out, a.Groups)
		}
	}
	return out
}

// TestBurstFollowsTheAssignments: after an expansion a burst looks at
// the groups' assignments every BurstEvery with describes only: a
// KIP-848 group (100 ms heartbeats) is seen with the new partitions
// within a few looks and then left out; a classic group whose leader
// refreshes metadata once a minute is looked at until the limit, and
// then the burst stops.
func TestBurstFollowsTheAssignments(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "orders", 4)
	consume(t, opts, "audit", "orders", kgo.ServerSideBalancer())
	consume(t, opts, "billing", "orders", kgo.MetadataMaxAge(time.Minute))
	var reqs requests
	const every, limit = 200 * time.Millisecond, 3 * time.Second
	p := poller(t, Config{Topic: "orders", ClientOpts: append(slices.Clone(opts), kgo.WithHooks(&reqs)), Interval: time.Minute,
		BurstEvery: every, BurstFor: limit, EndOffsets: func() []int64 { return []int64{0, 0, 0, 0, 7, 9} }})
	lookUntil(t, p, "both groups assigned every partition", func(gs source.Groups) bool {
		a, okA := find(gs, "audit")
		b, okB := find(gs, "billing")
		return okA && okB && len(a.Partitions) == 4 && a.Partitions[3].Assigned && len(b.Partitions) == 4 && b.Partitions[3].Assigned
	})
	var r recorder
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(runCtx, &r) }()
	defer func() { cancel(); <-done }()
	waitfor.That(t, settle, "the first poll", func() bool { gs, _ := r.seen(); return len(gs) == 1 })
	if _, err := kadm.NewClient(client(t, opts)).CreatePartitions(ctx(t), 2, "orders"); err != nil {
		t.Fatal(err)
	}
	reqs.take()
	start := time.Now()
	p.Burst(4, 6)
	waitfor.That(t, settle, "the burst's end", func() bool { return time.Since(start) > limit+time.Second })
	sent := reqs.take()
	looks := r.bursts()

	var sawAudit time.Time
	auditLooks := 0
	for i, g := range looks {
		if i > 0 {
			if gap := g.Asked.Sub(looks[i-1].Asked); gap < every-10*time.Millisecond || gap > every+300*time.Millisecond {
				t.Errorf("look %d asked %s after the one before, want about %s", i, gap, every)
			}
		}
		if g.Asked.Sub(start) > limit {
			t.Errorf("look %d at +%s, after the burst's limit %s", i, g.Asked.Sub(start), limit)
		}
		if b, ok := find(g, "billing"); !ok || len(b.Partitions) > 0 || b.Protocol != rules.ProtocolClassic {
			t.Errorf("look %d: billing not listed, or listed with new partitions: %s", i, show(g))
		}
		if a, ok := find(g, "audit"); ok && len(a.Partitions) == 2 && a.Partitions[0].Assigned && a.Partitions[1].Assigned {
			if a.Partitions[0].End != 7 || a.Partitions[1].End != 9 || a.Partitions[0].Committed != -1 || a.Protocol != rules.ProtocolConsumer {
				t.Errorf("audit in look %d: %s", i, show(g))
			}
			auditLooks++
			if sawAudit.IsZero() {
				sawAudit = g.At
			}
		}
	}
	if n := len(looks); n < int(limit/every)/2 || n > int(limit/every)+1 {
		t.Errorf("%d looks in a %s burst every %s", n, limit, every)
	}
	if sawAudit.IsZero() || sawAudit.Sub(start) > 2*time.Second || auditLooks != 1 {
		t.Fatalf("audit seen with the new partitions at +%s in %d looks: want within 2 s, then left out", sawAudit.Sub(start), auditLooks)
	}
	for key, n := range sent {
		if key != int16(kmsg.DescribeGroups) && key != int16(kmsg.ConsumerGroupDescribe) {
			t.Errorf("%d %s requests during the burst: want describes only (%v)", n, kmsg.NameForKey(key), sent)
		}
	}
	if sent[int16(kmsg.ConsumerGroupDescribe)] > auditLooks+int(sawAudit.Sub(start)/every)+1 {
		t.Errorf("%d ConsumerGroupDescribe requests: audit was looked at after it had the new partitions", sent[int16(kmsg.ConsumerGroupDescribe)])
	}
	t.Logf("%d looks; audit assigned by +%s; requests %v", len(looks), sawAudit.Sub(start), sent)
}

// TestBurstEndsWhenEveryGroupHasThem: a burst over groups that all get
// the new partitions stops at the look that sees it, long before its
// limit.
func TestBurstEndsWhenEveryGroupHasThem(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "clicks", 2)
	consume(t, opts, "audit", "clicks", kgo.ServerSideBalancer())
	p := poller(t, Config{Topic: "clicks", ClientOpts: opts, Interval: time.Minute, BurstFor: time.Minute})
	lookUntil(t, p, "audit assigned every partition", func(gs source.Groups) bool {
		a, ok := find(gs, "audit")
		return ok && len(a.Partitions) == 2 && a.Partitions[1].Assigned
	})
	var r recorder
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(runCtx, &r) }()
	defer func() { cancel(); <-done }()
	waitfor.That(t, settle, "the first poll", func() bool { gs, _ := r.seen(); return len(gs) == 1 })
	if _, err := kadm.NewClient(client(t, opts)).CreatePartitions(ctx(t), 1, "clicks"); err != nil {
		t.Fatal(err)
	}
	p.Burst(2, 3)
	waitfor.That(t, settle, "audit seen with partition 2", func() bool {
		looks := r.bursts()
		if len(looks) == 0 {
			return false
		}
		a, ok := find(looks[len(looks)-1], "audit")
		return ok && len(a.Partitions) == 1 && a.Partitions[0].Assigned
	})
	n := len(r.bursts())
	time.Sleep(5 * BurstEvery)
	if later := len(r.bursts()); later != n {
		t.Fatalf("%d looks after audit had every new partition, want none", later-n)
	}
}

// TestAskEndsAt: the end offsets a partition had at a past time come from
// its records' own timestamps, DateAfter later: the records before the
// time, and the end where none is as late.
func TestAskEndsAt(t *testing.T) {
	t.Parallel()
	opts := embedded(t, "dated", 2)
	produce(t, opts, "dated", 5, 0, 1)
	time.Sleep(50 * time.Millisecond)
	between := time.Now()
	time.Sleep(50 * time.Millisecond)
	produce(t, opts, "dated", 3, 0)
	time.Sleep(50 * time.Millisecond)
	after := time.Now()
	p := poller(t, Config{Topic: "dated", ClientOpts: opts, Interval: time.Minute})
	var r recorder
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(runCtx, &r) }()
	defer func() { cancel(); <-done }()
	asked := time.Now()
	p.AskEndsAt(between, []int32{0, 1})
	p.AskEndsAt(after, []int32{0})
	var got []source.EndsAt
	waitfor.That(t, settle, "both answers", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		got = got[:0]
		for _, f := range r.facts {
			if e, ok := f.(source.EndsAt); ok {
				got = append(got, e)
			}
		}
		return len(got) == 2
	})
	if time.Since(asked) < DateAfter-time.Second {
		t.Fatalf("answered %s after asking, want no sooner than %s after the times", time.Since(asked), DateAfter)
	}
	slices.SortFunc(got, func(a, b source.EndsAt) int { return a.At.Compare(b.At) })
	if !got[0].At.Equal(between) || got[0].Ends[0] != 5 || got[0].Ends[1] != 5 || len(got[0].Ends) != 2 {
		t.Fatalf("at the time between: %+v, want 5 on both", got[0])
	}
	if !got[1].At.Equal(after) || got[1].Ends[0] != 8 || len(got[1].Ends) != 1 {
		t.Fatalf("after every record: %+v, want the end, 8", got[1])
	}
}
