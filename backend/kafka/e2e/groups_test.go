//go:build kafka

package e2e

import (
	"fmt"
	"maps"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/internal/waitfor"
)

// The schedule of TestGroupsOnKafka's partop producer, from its start.
const (
	groupsExpandAt = 10 * time.Second // 4 -> 8 partitions
	groupsPauseAt  = 11 * time.Second // the new partitions hold what 1 s wrote until the resume
	groupsResumeAt = 32 * time.Second
	groupsDuration = 38 * time.Second
	// kip848Bound bounds a KIP-848 group's assignment of new partitions:
	// the next heartbeat (Kafka's group.consumer.heartbeat.interval.ms,
	// 5 s by default) after the coordinator sees them, with room never to
	// flake.
	kip848Bound = 30 * time.Second
	// pollSlack: a groups poll every second (--groups-interval 1s) sees
	// an assignment within the interval, the poll's own time and the
	// line's second.
	pollSlack = 3 * time.Second
	// pollEnds: a poll of the end offsets (every second) takes well under
	// this.
	pollEnds = 500 * time.Millisecond
)

// TestGroupsOnKafka: four consumer groups on a 4-partition topic on real
// Kafka 4.1 — a KIP-848 kgo group (reset earliest), a KIP-848 kgo group
// that never commits, a classic kgo group with the default metadata age
// (5 min) and kcat's classic librdkafka group — and partop producing
// (round-robin, 1,000 records/s) with its own group (--consume, reset
// latest, KIP-848 as the brokers support it, commits at 0 on the old
// partitions beforehand) and growing the topic to 8 at 10 s; its producer
// pauses from 11 s to 32 s, so the new partitions hold what it wrote in
// that second while the KIP-848 groups are assigned them. Beside it
// partop --observe watches the same topic. Both poll the groups every
// second.
//
// Checked: partop's groups (observe mode's, in the pause and its last
// after the run, once the producer stopped and the groups caught up) are
// what kafka-consumer-groups.sh --describe says of the same offsets
// (commits, "-" for none, log end offsets, lag, which partitions a member
// has, state and members); the expansion's groups: the KIP-848 groups
// assigned the new partitions within 30 s, when their own callbacks say
// (to the poll), with the records on the new partitions as unread at
// assignment when that was in the pause; partop's own group to the
// millisecond, with its first commit and an exact skipped count equal to
// its final commits less the records it read (and, assigned in the pause,
// to what was on the new partitions); the classic group and kcat's, never
// assigned the new partitions (metadata refreshed every 5 minutes),
// pending in both partop runs, with no time invented. What partop makes
// of the earliest group from its commits ("likely skipped") is reported,
// not held to: commits cannot tell a group that read the records from one
// that skipped them.
func TestGroupsOnKafka(t *testing.T) {
	topic := topicName("groups")
	name := func(s string) string { return "it-groups-" + s + "-" + env.suffix }
	own, g848, idle, classic, kcat := name("partop"), name("kip848"), name("nocommit"), name("classic"), name("kcat")
	all := []string{own, g848, idle, classic, kcat}
	oldParts, newParts := []int32{0, 1, 2, 3}, []int32{4, 5, 6, 7}
	allParts := append(slices.Clone(oldParts), newParts...)

	createTopic(t, topic, 4, 1, nil)
	mNew := startMember(t, topic, g848, kgo.ServerSideBalancer())
	mIdle := startMember(t, topic, idle, kgo.ServerSideBalancer(), kgo.DisableAutoCommit())
	mClassic := startMember(t, topic, classic) // kgo's defaults: classic protocol, 5 min metadata age
	kc := startKcat(t, topic, kcat)
	waitForAssignment := func(what string, has func([]int32) (time.Time, bool)) {
		t.Helper()
		waitfor.That(t, 45*time.Second, what+" assigned partitions 0-3", func() bool {
			_, ok := has(oldParts)
			return ok
		})
	}
	waitForAssignment(g848, mNew.has)
	waitForAssignment(idle, mIdle.has)
	waitForAssignment(classic, mClassic.has)
	waitForAssignment(kcat, kc.has)

	look := newLooker(t, topic, all...)
	// partop's group starts with commits at 0 on the old partitions (a
	// group that was there before): its consumer reads them from their
	// first record, so whatever it did not read of its final commits was
	// skipped on the new ones.
	commitZero(t, look, own, topic, oldParts)
	brokers := joinComma(env.brokers)
	obs := startBinary(t, "--observe", "--headless", "--brokers", brokers, "--topic", topic, "--groups-interval", "1s")
	started := time.Now()
	prod := startBinary(t, "--headless", "--brokers", brokers, "--topic", topic, "--partitioner", "round-robin",
		"--rate", "1000", "--consume", "--group", own, "--consumer-reset", "latest", "--groups-interval", "1s",
		"--at", fmt.Sprintf("%s:add=4", groupsExpandAt), "--at", fmt.Sprintf("%s:pause", groupsPauseAt),
		"--at", fmt.Sprintf("%s:resume", groupsResumeAt), "--duration", groupsDuration.String())

	// In the pause: what the new partitions hold, and a comparison with
	// the tool while nothing moves (the no-commit group's partitions are
	// "-" in the tool; so are partop's group's new ones when it was
	// assigned them in the pause: it resets to latest, and nothing was
	// written since).
	time.Sleep(time.Until(started.Add(groupsPauseAt + 3*time.Second)))
	inPause := look.look(t)
	midDeadline := started.Add(groupsResumeAt - 5*time.Second)
	midCompared, midNone, midNote := 0, 0, ""
	if _, ok := look.until(t, midDeadline, func(o offsetsLook) bool {
		_, newOK := mNew.has(newParts)
		_, idleOK := mIdle.has(newParts)
		return newOK && idleOK && ownHasNew(t, obs, own, newParts) && o.caughtUp(g848, allParts) && o.caughtUp(own, oldParts) &&
			o.caughtUp(classic, oldParts) && o.caughtUp(kcat, oldParts) && maps.Equal(o.ends, inPause.ends)
	}); !ok {
		midNote = "skipped: the KIP-848 groups had not all been assigned and committed before the resume"
	} else {
		s1 := look.look(t)
		rows, out := toolDescribe(t, topic, all...)
		line := obs.waitLine(t, s1.at.Add(2500*time.Millisecond), 15*time.Second)
		s2 := look.look(t)
		switch {
		case !s1.equal(s2) || s2.at.After(started.Add(groupsResumeAt)):
			midNote = "skipped: offsets moved during the comparison (" + s1.String() + " -> " + s2.String() + ")"
		case assignmentChanged(s1.at, mNew, mIdle, mClassic, kc) || !ownHasNew(t, obs, own, newParts):
			midNote = "skipped: an assignment changed during the comparison"
		default:
			n, none, bad := compareWithTool(partopGroups(t, line), rows, nil, look.logStarts(t), all)
			midCompared, midNone = n, none
			for _, b := range bad {
				t.Errorf("in the pause: %s", b)
			}
			if len(bad) > 0 {
				t.Logf("kafka-consumer-groups.sh --describe:\n%s\npartop's line: %v", out, line["groups"])
			}
		}
	}
	if midNote != "" {
		t.Log("comparison in the pause " + midNote)
	}

	code, prodLines := prod.wait(t, groupsDuration+time.Minute)
	if code != 0 {
		t.Fatalf("partop (producing, --consume) exited %d; stderr:\n%s", code, prod.stderr.String())
	}
	prodSum := summaryOf(t, "partop", prodLines)
	if c, _ := prodSum["consumer"].(map[string]any); c == nil || c["protocol"] != "consumer" || c["group"] != own {
		t.Errorf("partop's consumer: %v, want group %s on the consumer (KIP-848) protocol", prodSum["consumer"], own)
	}

	// The producer stopped: once every committing group caught up, the
	// offsets no longer move, and partop --observe's last look is compared
	// with the tool's. partop's own group left with its last commit (what
	// it read before its consumer closed, which may be short of the
	// producer's last records).
	settled, ok := look.until(t, time.Now().Add(45*time.Second), func(o offsetsLook) bool {
		return o.caughtUp(g848, allParts) && o.caughtUp(classic, oldParts) && o.caughtUp(kcat, oldParts) && len(o.commits[own]) == len(allParts)
	})
	if !ok {
		t.Fatalf("the groups did not catch up within 45s of the producer's stop: %s", settled)
	}
	obs.waitLine(t, settled.at.Add(2500*time.Millisecond), 15*time.Second)
	obsLines := obs.stop(t)
	obsSum := summaryOf(t, "partop --observe", obsLines)
	rows, out := toolDescribe(t, topic, all...)
	states, stateOut := toolStates(t, all...)
	after := look.look(t)
	if !settled.equal(after) {
		t.Fatalf("offsets moved after the groups caught up: %s -> %s", settled, after)
	}
	if assignmentChanged(settled.at, mNew, mIdle, mClassic, kc) {
		t.Fatal("an assignment changed after the groups caught up")
	}
	finalCompared, finalNone, bad := compareWithTool(partopGroups(t, obsSum), rows, states, look.logStarts(t), all)
	for _, b := range bad {
		t.Errorf("after the run: %s", b)
	}
	if len(bad) > 0 {
		t.Logf("kafka-consumer-groups.sh --describe:\n%s\n--state:\n%s\npartop's summary: %v", out, stateOut, obsSum["groups"])
	}
	for _, g := range []string{g848, idle, classic, kcat} {
		if len(rows[g]) == 0 {
			t.Errorf("the tool lists nothing of %s:\n%s", g, out)
		}
	}

	// The expansion, as the producing partop timed it and as partop
	// --observe saw it.
	ev := expansionEvent(t, "partop", prodSum, 4, 8)
	created := stampOf(t, ev, "created_at")
	pausedAt, resumedAt := eventAt(t, prodSum, "pause"), eventAt(t, prodSum, "resume")
	if created.IsZero() || pausedAt.IsZero() || resumedAt.IsZero() {
		t.Fatalf("partop's events lack the expansion's created_at, the pause or the resume: %v", prodSum["events"])
	}
	if inPause.at.Before(pausedAt.Add(time.Second)) || !inPause.at.Before(resumedAt) {
		t.Fatalf("the look at the new partitions (%s) was not in the pause (%s to %s)", inPause.at, pausedAt, resumedAt)
	}
	var onNew int64
	for _, p := range newParts {
		onNew += inPause.ends[p]
	}
	byProd, byObs := pickups(t, ev), pickups(t, expansionEvent(t, "partop --observe", obsSum, 4, 8))
	// inWindow: the new partitions held onNew records at at. A groups
	// poll takes its end offsets from partop's end-offsets poll, up to its
	// interval (1 s) older: one that saw an assignment at at knew onNew
	// only when at is a second further into the pause (polled).
	inWindow := func(at time.Time) bool { return at.After(pausedAt.Add(500*time.Millisecond)) && at.Before(resumedAt) }
	polled := func(at time.Time) bool {
		return at.After(pausedAt.Add(500*time.Millisecond+time.Second+pollEnds)) && at.Before(resumedAt)
	}

	// partop's own group: exact, from its consumer.
	p := byProd[own]
	switch {
	case p.assignedAt.IsZero() || p.firstCommit.IsZero() || p.targetAt.IsZero():
		t.Errorf("partop's group: assigned_at %v, target_at %v, committed_at %v: want all three", p.assignedAt, p.targetAt, p.firstCommit)
	case p.assignedAt.Before(created) || p.assignedAt.After(created.Add(kip848Bound)):
		t.Errorf("partop's group assigned %s after the expansion, want within %s", p.assignedAt.Sub(created), kip848Bound)
	case p.firstCommit.Before(p.assignedAt):
		t.Errorf("partop's group's first commit %s before its assignment", p.assignedAt.Sub(p.firstCommit))
	}
	// Its consumer read each partition from its first fetch on, and its
	// last commit is where it stopped: the records below its final
	// commits that it did not read are the ones it skipped, all on the
	// new partitions (it read the old ones from offset 0).
	var committedAll int64
	for _, p := range allParts {
		committedAll += settled.commits[own][p]
	}
	read := intOr(prodSum["consumer"].(map[string]any)["read"], -1)
	unread := committedAll - read
	if !p.skippedExact || p.skipped == nil {
		t.Errorf("partop's group: skipped %v exact=%v, want an exact count", p.skipped, p.skippedExact)
	} else {
		if *p.skipped != unread {
			t.Errorf("partop's group says it skipped %d on the new partitions; its final commits (%d in all) less the %d records it read leave %d", *p.skipped, committedAll, read, unread)
		}
		if inWindow(p.assignedAt) && *p.skipped != onNew {
			t.Errorf("partop's group (reset latest) was assigned in the pause with %d records on the new partitions, and says it skipped %d", onNew, *p.skipped)
		}
	}
	// Its consumer asks for the end offsets when the partitions arrive.
	if p.unread == nil {
		t.Errorf("partop's group: no unread_at_assignment")
	} else if inWindow(p.assignedAt) && *p.unread != onNew {
		t.Errorf("partop's group was assigned in the pause with %d records on the new partitions: unread_at_assignment %d", onNew, *p.unread)
	}
	if o := byObs[own]; o.assignedAt.IsZero() || o.assignedAt.Before(p.assignedAt.Add(-time.Second)) || o.assignedAt.After(p.assignedAt.Add(pollSlack)) {
		t.Errorf("partop --observe saw partop's group assigned at %v, its consumer says %v", o.assignedAt, p.assignedAt)
	} else if polled(o.assignedAt) && (o.unread == nil || *o.unread != onNew) {
		t.Errorf("partop --observe saw partop's group assigned %s after the expansion (in the pause): unread at assignment %s, want %d",
			o.assignedAt.Sub(created), str(o.unread), onNew)
	}

	// The KIP-848 groups seen from outside: assigned when their own
	// callbacks say, to the poll.
	truth848, ok := mNew.has(newParts)
	if !ok {
		t.Fatalf("%s (KIP-848) never got the new partitions", g848)
	}
	truthIdle, ok := mIdle.has(newParts)
	if !ok {
		t.Fatalf("%s (KIP-848) never got the new partitions", idle)
	}
	if truth848.Sub(created) > kip848Bound || truthIdle.Sub(created) > kip848Bound {
		t.Errorf("the KIP-848 groups got the new partitions %s and %s after the expansion, want within %s", truth848.Sub(created), truthIdle.Sub(created), kip848Bound)
	}
	for _, c := range []struct {
		who, group string
		truth      time.Time
		byWhom     map[string]pickup
	}{{"partop", g848, truth848, byProd}, {"partop --observe", g848, truth848, byObs},
		{"partop", idle, truthIdle, byProd}, {"partop --observe", idle, truthIdle, byObs}} {
		got := c.byWhom[c.group]
		if got.assignedAt.IsZero() || got.assignedAt.Before(c.truth.Add(-time.Second)) || got.assignedAt.After(c.truth.Add(pollSlack)) {
			t.Errorf("%s: %s assigned_at %v, its callback %s (expansion %s)", c.who, c.group, got.assignedAt, c.truth, created)
		}
		if got.targetAt.IsZero() || got.targetAt.After(got.assignedAt) {
			t.Errorf("%s: %s target_at %v, assigned_at %v", c.who, c.group, got.targetAt, got.assignedAt)
		}
		if polled(got.assignedAt) && (got.unread == nil || *got.unread != onNew) {
			t.Errorf("%s: %s seen assigned %s after the expansion (in the pause), with %d records on the new partitions: unread_at_assignment %s",
				c.who, c.group, got.assignedAt.Sub(created), onNew, str(got.unread))
		}
	}
	for _, byWhom := range []map[string]pickup{byProd, byObs} {
		if got := byWhom[idle]; !got.firstCommit.IsZero() || got.skipped != nil {
			t.Errorf("%s never commits, yet committed_at %v, skipped %v", idle, got.firstCommit, got.skipped)
		}
	}
	// A group that read everything from offset 0 and committed past
	// what was there at its assignment looks, from commits alone, like
	// one that skipped it: partop says "likely" (skipped_exact false).
	first848 := pick(mNew.firstFetched(), newParts)
	var likely []string
	for _, c := range []struct {
		who    string
		byWhom map[string]pickup
	}{{"producing", byProd}, {"observing", byObs}} {
		got := c.byWhom[g848]
		if got.skipped == nil {
			likely = append(likely, "not known ("+c.who+")")
			continue
		}
		if got.skippedExact && *got.skipped != 0 {
			t.Errorf("%s read the new partitions from %v and partop says it skipped exactly %d", g848, first848, *got.skipped)
		}
		likely = append(likely, fmt.Sprintf("%d (%s, exact=%v)", *got.skipped, c.who, got.skippedExact))
	}

	// The classic groups with a 5-minute metadata age: never assigned the
	// new partitions while partop ran, and partop invents no time.
	if at, ok := mClassic.has(newParts); ok {
		t.Fatalf("%s got the new partitions %s after the expansion (its client last asked for metadata at %s): cannot test pending",
			classic, at.Sub(created), time.Unix(0, mClassic.metaAt.Load()))
	}
	if at, ok := kc.has(newParts); ok {
		t.Fatalf("kcat's group got the new partitions %s after the expansion: cannot test pending; its stderr:\n%s", at.Sub(created), kc.log())
	}
	for _, who := range []struct {
		name   string
		byWhom map[string]pickup
	}{{"partop", byProd}, {"partop --observe", byObs}} {
		for _, g := range []string{classic, kcat} {
			got, ok := who.byWhom[g]
			if !ok {
				t.Errorf("%s: the expansion's groups lack %s (pending)", who.name, g)
			}
			if !got.assignedAt.IsZero() || !got.targetAt.IsZero() || !got.firstCommit.IsZero() || got.unread != nil || got.skipped != nil {
				t.Errorf("%s: %s was never assigned the new partitions, yet: %+v", who.name, g, got)
			}
		}
	}
	for _, g := range []string{classic, kcat} {
		for _, r := range rows[g] {
			if r.partition >= 4 {
				t.Errorf("the tool lists %s/%d: %+v", g, r.partition, r)
			}
		}
	}
	pending := after.at.Sub(created)
	classicMeta := created.Sub(time.Unix(0, mClassic.metaAt.Load()))

	report(t, "KIP-848 kgo group assigned %s after the expansion (its callback) | partop's poll: %s producing, %s observing | no-commit KIP-848 group: %s (callback), %s (poll)",
		secs(truth848.Sub(created)), secs(byProd[g848].assignedAt.Sub(created)), secs(byObs[g848].assignedAt.Sub(created)),
		secs(truthIdle.Sub(created)), secs(byProd[idle].assignedAt.Sub(created)))
	skipped := "none"
	if p.skipped != nil {
		skipped = fmt.Sprint(*p.skipped)
	}
	report(t, "partop's group (KIP-848, latest): assigned %s, first commit %s after the expansion | skipped %s exact (final commits less records read: %d; %d on the new partitions in the pause), unread at assignment %s | partop --observe saw it assigned %s",
		secs(p.assignedAt.Sub(created)), secs(p.firstCommit.Sub(created)), skipped, unread, onNew, str(p.unread), secs(byObs[own].assignedAt.Sub(created)))
	report(t, "KIP-848 kgo group (reset earliest) read the new partitions from offsets %v; partop says skipped %s", first848, strings.Join(likely, ", "))
	report(t, "classic kgo group (5 min metadata age; last metadata %s before the expansion) and kcat (librdkafka %s): still pending %s after the expansion, reported pending",
		secs(classicMeta), librdkafkaVersion(kc), secs(pending))
	mid := fmt.Sprintf("%d partitions in the pause (%d without a commit)", midCompared, midNone)
	if midNote != "" {
		mid = "in the pause " + midNote
	}
	report(t, "partop vs kafka-consumer-groups.sh: %s, %d after the run (%d without a commit; 5 groups, state and members too): %d mismatches",
		mid, finalCompared, finalNone, len(bad))
}

// assignmentChanged reports whether a member's assignment changed after at.
func assignmentChanged(at time.Time, members ...interface{ lastChange() time.Time }) bool {
	for _, m := range members {
		if m.lastChange().After(at) {
			return true
		}
	}
	return false
}

// ownHasNew reports whether partop --observe's latest line has partop's
// group with the new partitions assigned.
func ownHasNew(t *testing.T, obs *binaryRun, own string, parts []int32) bool {
	lines := obs.snapshot()
	if len(lines) == 0 {
		return false
	}
	g, ok := partopGroups(t, lines[len(lines)-1])[own]
	if !ok {
		return false
	}
	for _, p := range parts {
		if !g.parts[p].assigned {
			return false
		}
	}
	return true
}

func pick(m map[int32]int64, parts []int32) map[int32]int64 {
	out := map[int32]int64{}
	for _, p := range parts {
		if v, ok := m[p]; ok {
			out[p] = v
		}
	}
	return out
}

// librdkafkaVersion is what kcat says it runs on.
func librdkafkaVersion(k *kcatGroup) string {
	out, _ := exec.Command(k.cmd.Path, "-V").Output()
	if m := regexp.MustCompile(`librdkafka (\S+)`).FindSubmatch(out); m != nil {
		return string(m[1])
	}
	return "?"
}
