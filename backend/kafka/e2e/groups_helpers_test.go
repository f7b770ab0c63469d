//go:build kafka

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// member is an in-process kgo consumer group member: when each partition
// was assigned to it, the first offset it fetched on each, and when its
// client last asked for metadata (a classic group's
// leader learns of new partitions only from metadata).
type member struct {
	group    string
	topic    string
	metaAt   atomic.Int64
	mu       sync.Mutex
	assigned map[int32]time.Time // partition -> when it was assigned (the callback)
	changed  time.Time           // the assignment's last change
	first    map[int32]int64     // first fetched offset by partition
	close    func()
}

// startMember joins group on topic with a kgo client (kgo's defaults but
// for opts: classic protocol, cooperative-sticky, 5 min metadata age,
// start at the log start, autocommit every 5 s) and reads until the test
// ends.
func startMember(t *testing.T, topic, group string, opts ...kgo.Opt) *member {
	t.Helper()
	m := &member{group: group, topic: topic, assigned: map[int32]time.Time{}, first: map[int32]int64{}}
	opts = append([]kgo.Opt{kgo.SeedBrokers(env.brokers...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.OnPartitionsAssigned(m.onAssigned), kgo.OnPartitionsRevoked(m.onRevoked), kgo.OnPartitionsLost(m.onRevoked),
		kgo.WithHooks(metadataHook{&m.metaAt})}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil || fs.IsClientClosed() {
				return
			}
			fs.EachPartition(func(p kgo.FetchTopicPartition) {
				if len(p.Records) == 0 {
					return
				}
				m.mu.Lock()
				if _, ok := m.first[p.Partition]; !ok {
					m.first[p.Partition] = p.Records[0].Offset
				}
				m.mu.Unlock()
			})
		}
	}()
	m.close = sync.OnceFunc(func() { cancel(); <-done; cl.Close() })
	t.Cleanup(m.close)
	return m
}

func (m *member) onAssigned(_ context.Context, _ *kgo.Client, a map[string][]int32) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range a[m.topic] {
		m.assigned[p], m.changed = now, now
	}
}

func (m *member) onRevoked(_ context.Context, _ *kgo.Client, r map[string][]int32) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range r[m.topic] {
		delete(m.assigned, p)
		m.changed = now
	}
}

// has reports whether every partition in parts is assigned to the member
// and, if so, when the last of them was.
func (m *member) has(parts []int32) (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return hasAll(m.assigned, parts)
}

func (m *member) lastChange() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

func (m *member) firstFetched() map[int32]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.first)
}

func hasAll(assigned map[int32]time.Time, parts []int32) (last time.Time, ok bool) {
	for _, p := range parts {
		at, ok := assigned[p]
		if !ok {
			return time.Time{}, false
		}
		if at.After(last) {
			last = at
		}
	}
	return last, true
}

// kcatGroup is `kcat -G group topic`: Debian's kcat on librdkafka, a
// classic-protocol consumer group member nobody here wrote. Its
// assignments come from what it prints on stderr at each rebalance
// ("% Group G rebalanced (memberid M): assigned: T [0], T [1]").
type kcatGroup struct {
	cmd      *exec.Cmd
	mu       sync.Mutex
	assigned map[int32]time.Time
	changed  time.Time
	stderr   []string
	done     chan struct{}
}

var (
	kcatRebalance = regexp.MustCompile(`rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$`)
	kcatPartition = regexp.MustCompile(`\[(\d+)\]`)
)

// startKcat runs kcat as a member of group on topic, with librdkafka's
// defaults (5 min metadata refresh, autocommit every 5 s), records to
// /dev/null.
func startKcat(t *testing.T, topic, group string) *kcatGroup {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat not found: install Debian's kcat (apt-get install kcat; scripts/kafka-test.sh does as root): %v", err)
	}
	k := &kcatGroup{cmd: exec.Command(path, "-b", joinComma(env.brokers), "-G", group, topic),
		assigned: map[int32]time.Time{}, done: make(chan struct{})}
	stderr, err := k.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(k.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line, now := sc.Text(), time.Now()
			k.mu.Lock()
			k.stderr = append(k.stderr, line)
			if m := kcatRebalance.FindStringSubmatch(line); m != nil {
				k.changed = now
				// librdkafka 2.0's assignors are eager: every rebalance
				// revokes everything and assigns the whole new set.
				clear(k.assigned)
				if m[1] == "assigned" {
					for _, p := range kcatPartition.FindAllStringSubmatch(m[2], -1) {
						n, _ := strconv.Atoi(p[1])
						k.assigned[int32(n)] = now
					}
				}
			}
			k.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = k.cmd.Process.Signal(os.Interrupt) // commits and leaves the group
		select {
		case <-k.done:
		case <-time.After(10 * time.Second):
			_ = k.cmd.Process.Kill()
			<-k.done
		}
		_ = k.cmd.Wait()
	})
	return k
}

func (k *kcatGroup) has(parts []int32) (time.Time, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return hasAll(k.assigned, parts)
}

func (k *kcatGroup) lastChange() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.changed
}

func (k *kcatGroup) log() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return strings.Join(k.stderr, "\n")
}

// offsetsLook is the topic's end offsets and the groups' commits on it,
// as one look with kadm saw them.
type offsetsLook struct {
	at      time.Time
	ends    map[int32]int64
	commits map[string]map[int32]int64
}

func (a offsetsLook) equal(b offsetsLook) bool {
	if !maps.Equal(a.ends, b.ends) || len(a.commits) != len(b.commits) {
		return false
	}
	for g, c := range a.commits {
		if !maps.Equal(c, b.commits[g]) {
			return false
		}
	}
	return true
}

func (a offsetsLook) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ends %v", a.ends)
	for _, g := range slices.Sorted(maps.Keys(a.commits)) {
		fmt.Fprintf(&b, "; %s commits %v", g, a.commits[g])
	}
	return b.String()
}

// caughtUp reports whether group has a commit on every partition in parts,
// each at the end offset.
func (a offsetsLook) caughtUp(group string, parts []int32) bool {
	for _, p := range parts {
		c, ok := a.commits[group][p]
		if !ok || c != a.ends[p] {
			return false
		}
	}
	return true
}

// looker looks at end offsets and commits with its own client, whose
// metadata is never more than a second old (kadm answers from cached
// metadata: with kgo's 5 s MetadataMinAge, new partitions show late).
type looker struct {
	adm    *kadm.Client
	topic  string
	groups []string
}

func newLooker(t *testing.T, topic string, groups ...string) *looker {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers...), kgo.MetadataMinAge(250*time.Millisecond), kgo.MetadataMaxAge(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &looker{adm: kadm.NewClient(cl), topic: topic, groups: groups}
}

func (l *looker) look(t *testing.T) offsetsLook {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	o := offsetsLook{at: time.Now(), ends: map[int32]int64{}, commits: map[string]map[int32]int64{}}
	ends, err := l.adm.ListEndOffsets(ctx, l.topic)
	if err != nil {
		t.Fatalf("end offsets: %v", err)
	}
	ends.Each(func(lo kadm.ListedOffset) {
		if lo.Err != nil {
			t.Fatalf("end offset of %s/%d: %v", lo.Topic, lo.Partition, lo.Err)
		}
		o.ends[lo.Partition] = lo.Offset
	})
	for _, r := range l.adm.FetchManyOffsets(ctx, l.groups...) {
		if r.Err != nil {
			t.Fatalf("commits of %s: %v", r.Group, r.Err)
		}
		c := map[int32]int64{}
		r.Fetched.Each(func(or kadm.OffsetResponse) {
			if or.Err != nil {
				t.Fatalf("commit of %s on %s/%d: %v", r.Group, or.Topic, or.Partition, or.Err)
			}
			if or.Topic == l.topic && or.At >= 0 {
				c[or.Partition] = or.At
			}
		})
		o.commits[r.Group] = c
	}
	return o
}

func (l *looker) logStarts(t *testing.T) map[int32]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	starts, err := l.adm.ListStartOffsets(ctx, l.topic)
	if err != nil {
		t.Fatalf("log start offsets: %v", err)
	}
	out := map[int32]int64{}
	starts.Each(func(lo kadm.ListedOffset) { out[lo.Partition] = lo.Offset })
	return out
}

// until looks every half second until cond holds of a look, and returns
// that look; false when the deadline passed first.
func (l *looker) until(t *testing.T, deadline time.Time, cond func(offsetsLook) bool) (offsetsLook, bool) {
	t.Helper()
	for {
		o := l.look(t)
		if cond(o) {
			return o, true
		}
		if time.Now().After(deadline) {
			return o, false
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// commitZero commits offset 0 on parts for group, as an admin would (a
// group with commits and no members).
func commitZero(t *testing.T, l *looker, group, topic string, parts []int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var offs kadm.Offsets
	for _, p := range parts {
		offs.Add(kadm.Offset{Topic: topic, Partition: p, At: 0, LeaderEpoch: -1})
	}
	resp, err := l.adm.CommitOffsets(ctx, group, offs)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("committing 0 for %s: %v", group, err)
	}
}

// toolRow is one row of kafka-consumer-groups.sh --describe: "-" is -1.
type toolRow struct {
	partition         int32
	current, end, lag int64
	consumer          string
}

// toolState is one row of kafka-consumer-groups.sh --describe --state.
type toolState struct {
	state   string
	members int
}

// toolDescribe runs kafka-consumer-groups.sh --describe (offsets, the
// default) for the groups and returns each group's rows on topic, and the
// output.
func toolDescribe(t *testing.T, topic string, groups ...string) (map[string][]toolRow, string) {
	t.Helper()
	out := kafkaSh(t, time.Minute, append([]string{"groups", "--describe"}, groupArgs(groups)...)...)
	rows := map[string][]toolRow{}
	var cols map[string]int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && f[0] == "GROUP" && f[1] == "TOPIC" {
			cols = map[string]int{}
			for i, c := range f {
				cols[c] = i
			}
			continue
		}
		if cols == nil || len(f) != len(cols) || !slices.Contains(groups, f[0]) || f[cols["TOPIC"]] != topic {
			continue
		}
		num := func(col string) int64 {
			s := f[cols[col]]
			if s == "-" {
				return -1
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("kafka-consumer-groups.sh: %s %q in %q", col, s, line)
			}
			return n
		}
		rows[f[0]] = append(rows[f[0]], toolRow{partition: int32(num("PARTITION")), current: num("CURRENT-OFFSET"),
			end: num("LOG-END-OFFSET"), lag: num("LAG"), consumer: f[cols["CONSUMER-ID"]]})
	}
	for g := range rows {
		slices.SortFunc(rows[g], func(a, b toolRow) int { return int(a.partition - b.partition) })
	}
	return rows, out
}

// toolStates runs kafka-consumer-groups.sh --describe --state: each
// group's state and member count (the last two columns; the strategy
// column is empty for an empty group).
func toolStates(t *testing.T, groups ...string) (map[string]toolState, string) {
	t.Helper()
	out := kafkaSh(t, time.Minute, append([]string{"groups", "--describe", "--state"}, groupArgs(groups)...)...)
	states := map[string]toolState{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !slices.Contains(groups, f[0]) {
			continue
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil {
			t.Fatalf("kafka-consumer-groups.sh --state: members %q in %q", f[len(f)-1], line)
		}
		states[f[0]] = toolState{state: f[len(f)-2], members: n}
	}
	return states, out
}

func groupArgs(groups []string) []string {
	var args []string
	for _, g := range groups {
		args = append(args, "--group", g)
	}
	return args
}

// partopGroup is one group of partop's JSON `groups`.
type partopGroup struct {
	name, protocol, state, note string
	members                     int64
	lag                         *int64
	parts                       map[int32]partopPartition
}

type partopPartition struct {
	assigned, noCommit bool
	committed, end     *int64
	lag                int64
}

// jsonInt reads a JSON number (json.Number with UseNumber, float64
// without); nil for null or absent.
func jsonInt(v any) *int64 {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return nil
		}
		return &i
	case float64:
		i := int64(n)
		return &i
	}
	return nil
}

func intOr(v any, dflt int64) int64 {
	if p := jsonInt(v); p != nil {
		return *p
	}
	return dflt
}

// partopGroups reads a line's `groups`, by name.
func partopGroups(t *testing.T, line map[string]any) map[string]partopGroup {
	t.Helper()
	out := map[string]partopGroup{}
	list, _ := line["groups"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		for _, k := range []string{"group", "state", "members", "lag", "partitions"} {
			if _, ok := m[k]; !ok {
				t.Errorf("a group in partop's JSON lacks %q: %v", k, m)
			}
		}
		g := partopGroup{members: intOr(m["members"], -1), lag: jsonInt(m["lag"]), parts: map[int32]partopPartition{}}
		g.name, _ = m["group"].(string)
		g.protocol, _ = m["protocol"].(string)
		g.state, _ = m["state"].(string)
		g.note, _ = m["note"].(string)
		ps, _ := m["partitions"].([]any)
		for _, pe := range ps {
			pm, _ := pe.(map[string]any)
			for _, k := range []string{"partition", "assigned", "committed", "end", "lag"} {
				if _, ok := pm[k]; !ok {
					t.Errorf("a partition of group %s in partop's JSON lacks %q: %v", g.name, k, pm)
				}
			}
			p := partopPartition{committed: jsonInt(pm["committed"]), end: jsonInt(pm["end"]), lag: intOr(pm["lag"], -1)}
			p.assigned, _ = pm["assigned"].(bool)
			p.noCommit, _ = pm["no_commit"].(bool)
			g.parts[int32(intOr(pm["partition"], -1))] = p
		}
		out[g.name] = g
	}
	return out
}

// compareWithTool holds partop's `groups` (one line) to what
// kafka-consumer-groups.sh said of the same state: per partition the
// commit (CURRENT-OFFSET; "-" is committed null with no_commit, and a lag
// from the log start), LOG-END-OFFSET, LAG, whether a consumer has it
// (CONSUMER-ID), the group's lag as the sum, and with states, the group's
// state and members. It returns the partitions compared, how many of
// them had no commit, and the mismatches, each in words.
func compareWithTool(line map[string]partopGroup, rows map[string][]toolRow, states map[string]toolState, starts map[int32]int64, groups []string) (compared, noCommit int, mismatches []string) {
	bad := func(format string, args ...any) { mismatches = append(mismatches, fmt.Sprintf(format, args...)) }
	for name := range line {
		if !slices.Contains(groups, name) {
			bad("partop lists group %s, which is none of the test's", name)
		}
	}
	for _, name := range groups {
		g, ok := line[name]
		tr := rows[name]
		if !ok {
			if len(tr) > 0 {
				bad("%s: the tool lists %d partitions, partop not the group", name, len(tr))
			}
			continue
		}
		if st, ok := states[name]; ok {
			if !strings.EqualFold(g.state, st.state) || g.members != int64(st.members) {
				bad("%s: partop state %s with %d members, the tool %s with %d", name, g.state, g.members, st.state, st.members)
			}
		}
		var lag int64
		seen := map[int32]bool{}
		for _, r := range tr {
			compared++
			seen[r.partition] = true
			p, ok := g.parts[r.partition]
			where := fmt.Sprintf("%s/%d", name, r.partition)
			if !ok {
				bad("%s: the tool lists it (current %d, end %d), partop does not", where, r.current, r.end)
				continue
			}
			lag += p.lag
			if (r.consumer != "-") != p.assigned {
				bad("%s: the tool's consumer %q, partop assigned=%v", where, r.consumer, p.assigned)
			}
			if p.end == nil || *p.end != r.end {
				bad("%s: LOG-END-OFFSET %d, partop end %s", where, r.end, str(p.end))
			}
			if r.current < 0 {
				noCommit++
				if p.committed != nil || !p.noCommit {
					bad(`%s: the tool says no commit ("-"), partop committed %s no_commit=%v`, where, str(p.committed), p.noCommit)
				}
				if want := r.end - starts[r.partition]; p.lag != want || r.lag >= 0 {
					bad("%s: no commit: partop lag %d, want end %d - log start %d = %d (the tool's lag %d)", where, p.lag, r.end, starts[r.partition], want, r.lag)
				}
				continue
			}
			if p.committed == nil || *p.committed != r.current || p.noCommit {
				bad("%s: CURRENT-OFFSET %d, partop committed %s no_commit=%v", where, r.current, str(p.committed), p.noCommit)
			}
			if p.lag != r.lag {
				bad("%s: LAG %d, partop lag %d", where, r.lag, p.lag)
			}
		}
		for p := range g.parts {
			if !seen[p] {
				bad("%s/%d: partop lists it, the tool does not", name, p)
			}
		}
		if g.lag == nil || *g.lag != lag {
			bad("%s: partop's group lag %s, the sum of its partitions' %d", name, str(g.lag), lag)
		}
	}
	return compared, noCommit, mismatches
}

// str is *p, or null.
func str(p *int64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatInt(*p, 10)
}

// pickup is one group's entry in an expansion event's `groups`.
type pickup struct {
	targetAt, assignedAt, firstCommit time.Time
	unread, skipped                   *int64
	skippedExact                      bool
}

func pickups(t *testing.T, ev map[string]any) map[string]pickup {
	t.Helper()
	out := map[string]pickup{}
	list, _ := ev["groups"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		name, _ := m["group"].(string)
		p := pickup{targetAt: stampOf(t, m, "target_at"), assignedAt: stampOf(t, m, "assigned_at"),
			firstCommit: stampOf(t, m, "committed_at"), unread: jsonInt(m["unread_at_assignment"]), skipped: jsonInt(m["skipped"])}
		p.skippedExact, _ = m["skipped_exact"].(bool)
		out[name] = p
	}
	return out
}

// stampOf reads an RFC 3339 time from m[k]; zero when absent.
func stampOf(t *testing.T, m map[string]any, k string) time.Time {
	t.Helper()
	s, ok := m[k].(string)
	if !ok || s == "" {
		return time.Time{}
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("%s %q: %v", k, s, err)
	}
	return at
}

// lineTime is a JSON line's time.
func lineTime(l map[string]any) time.Time {
	s, _ := l["time"].(string)
	at, _ := time.Parse(time.RFC3339Nano, s)
	return at
}

// waitLine waits until b printed a line stamped at or after at, and
// returns it.
func (b *binaryRun) waitLine(t *testing.T, at time.Time, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		lines := b.snapshot()
		if n := len(lines); n > 0 && !lineTime(lines[n-1]).Before(at) {
			return lines[n-1]
		}
		select {
		case <-b.done:
			t.Fatalf("partop exited before a line stamped %s; stderr:\n%s", at.Format(time.RFC3339Nano), b.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("partop printed no line stamped %s within %s", at.Format(time.RFC3339Nano), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wait waits until partop exits by itself (--duration) and returns its
// exit code and every line.
func (b *binaryRun) wait(t *testing.T, timeout time.Duration) (int, []map[string]any) {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(timeout):
		t.Fatalf("partop still running after %s; stderr:\n%s", timeout, b.stderr.String())
	}
	err := b.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), b.snapshot()
	case err != nil:
		t.Fatal(err)
	}
	return 0, b.snapshot()
}

// summaryOf is the summary line among lines.
func summaryOf(t *testing.T, who string, lines []map[string]any) map[string]any {
	t.Helper()
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i]["summary"] == true {
			return lines[i]
		}
	}
	t.Fatalf("%s: no summary among %d lines", who, len(lines))
	return nil
}

// eventAt is when the first event of kind happened (zero: none).
func eventAt(t *testing.T, sum map[string]any, kind string) time.Time {
	t.Helper()
	evs, _ := sum["events"].([]any)
	for _, e := range evs {
		if m, _ := e.(map[string]any); m["kind"] == kind {
			return stampOf(t, m, "at")
		}
	}
	return time.Time{}
}

// expansionEvent is the summary's expansion from..to.
func expansionEvent(t *testing.T, who string, sum map[string]any, from, to int64) map[string]any {
	t.Helper()
	for _, e := range expansions(sum) {
		if intOr(e["from"], 0) == from && intOr(e["to"], 0) == to {
			return e
		}
	}
	t.Fatalf("%s: no expansion %d -> %d among the events: %v", who, from, to, sum["events"])
	return nil
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s" }
