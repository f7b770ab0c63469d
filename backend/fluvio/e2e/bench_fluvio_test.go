//go:build fluvio

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	ft "partop/backend/fluvio/fluviotest"
)

// Side by side, in one run on one cluster: Fluvio's own producer (Python
// fluvio 0.21.0, defaults, no keys) and partop's producer (round-robin,
// and its default uniform-sticky), 1,000 records/s each on a topic of its
// own, while the fluvio CLI adds partitions to all three topics: first
// 2 → 4 (balance over the 10 s after it), then one at a time, 20 times
// (pickup from each CLI call returning to the first record on the new
// partition).
const (
	benchRate    = 1000
	benchWarmup  = 3 * time.Second
	benchWindow  = 10 * time.Second
	benchSteps   = 20
	benchStepGap = 800 * time.Millisecond

	pickupGoal  = 100 * time.Millisecond // issue 10's goal for p99, a figure
	pickupBound = 10 * time.Second       // a failure: discovery is broken
)

// benchTopic is one producer's topic and when each expansion's CLI call
// started and returned, by the partition count it grew to.
type benchTopic struct {
	name     string
	producer string
	called   map[int]time.Time
	added    map[int]time.Time
}

func TestSideBySide(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	topics := []*benchTopic{
		{name: ft.TopicName("bench-fluvio-py"), producer: "Fluvio's producer (Python 0.21.0)"},
		{name: ft.TopicName("bench-partop-rr"), producer: "partop round-robin"},
		{name: ft.TopicName("bench-partop-sticky"), producer: "partop uniform-sticky"},
	}
	for _, b := range topics {
		ft.CreateTopic(t, c, b.name, 2)
		b.added, b.called = map[int]time.Time{}, map[int]time.Time{}
	}
	// The producers run until the schedule is done (a backstop ends them):
	// on a loaded machine the 63 CLI calls take longer than the gaps.
	backstop := 5 * time.Minute
	stopPy := ft.PyProduceUntil(t, e, topics[0].name, benchRate, backstop)
	runs := []*partop{
		start(t, benchArgs(e, topics[1].name, "round-robin", backstop)...),
		start(t, benchArgs(e, topics[2].name, "uniform-sticky", backstop)...),
	}
	for _, r := range runs {
		r.waitLine(t, 15*time.Second, "acks", func(l line) bool { return l.Acked > 0 })
	}
	addAll := func(n, to int) {
		for _, b := range topics {
			b.called[to] = time.Now()
			if out, err := ft.CLI(t, e, "topic", "add-partition", b.name, "-c", fmt.Sprint(n)); err != nil {
				t.Fatalf("fluvio topic add-partition %s: %v\n%s", b.name, err, out)
			}
			b.added[to] = time.Now()
		}
	}
	// Gaps are measured from the last CLI call returning, so a slow CLI
	// shortens no window; outcomes come from timestamps.
	last := func(to int) time.Time { return topics[len(topics)-1].added[to] }
	time.Sleep(benchWarmup)
	addAll(2, 4)
	time.Sleep(time.Until(last(4).Add(benchWindow + time.Second)))
	for i := range benchSteps {
		addAll(1, 5+i)
		time.Sleep(time.Until(last(5 + i).Add(benchStepGap)))
	}
	time.Sleep(3 * time.Second) // the last partitions' first records
	for _, r := range runs {
		r.interrupt()
	}
	produced := stopPy()
	// Failures are reported after all figures, so that they are the last
	// lines before "--- FAIL" (what a CI excerpt shows).
	var failures []string
	var sums []line
	for _, r := range runs {
		sum, code := r.finish(t, time.Minute)
		if code != 0 {
			failures = append(failures, fmt.Sprintf("partop exit code %d; stderr:\n%s", code, r.errText()))
		}
		sums = append(sums, sum)
	}
	reportPython(t, topics[0], produced)
	for i, r := range runs {
		failures = append(failures, reportPartop(t, topics[i+1], r, sums[i])...)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

func benchArgs(e ft.Env, topic, partitioner string, d time.Duration) []string {
	return []string{"--fluvio", e.SC, "--topic", topic, "--headless", "--rate", fmt.Sprint(benchRate),
		"--partitioner", partitioner, "--duration", d.String()}
}

// reportPython derives pickup and balance from the records Fluvio's
// producer sent (when each was handed to it, and where it went).
func reportPython(t *testing.T, b *benchTopic, p ft.PyProduced) {
	first := map[int]time.Time{} // partition -> first record
	from, to := b.added[4], b.added[4].Add(benchWindow)
	window := make([]float64, 4)
	for _, r := range p.Records {
		at, part := time.Unix(0, int64(r[0]*1e9)), int(r[1])
		if _, ok := first[part]; !ok {
			first[part] = at
		}
		if !at.Before(from) && at.Before(to) && part < 4 {
			window[part]++
		}
	}
	if p.Errors > 0 { // Fluvio's producer, not partop's: a figure, not a failure
		ft.Figure(t, "side by side, "+b.producer+": errors", "%d of %d records", p.Errors, len(p.Records)+p.Errors)
	}
	pickup := func(_ int, parts ...int) (time.Time, bool) {
		var last time.Time
		for _, part := range parts {
			at, ok := first[part]
			if !ok {
				return time.Time{}, false
			}
			last = maxTime(last, at)
		}
		return last, true
	}
	for _, part := range []int{2, 3} {
		if at, ok := first[part]; ok {
			ft.Figure(t, "side by side, "+b.producer+": 2→4, first record on partition "+fmt.Sprint(part), "%s after the CLI returned", at.Sub(b.added[4]).Round(100*time.Microsecond))
		}
	}
	report(t, b, window, pickup)
}

// reportPartop takes pickups from the expansion events (first
// acknowledged record on the last new partition) and balance from the
// per-second lines' acknowledged counts; it returns what failed.
func reportPartop(t *testing.T, b *benchTopic, r *partop, sum line) []string {
	var failures []string
	firstAck := map[int]time.Time{} // expansion's To -> first ack
	for _, x := range expansions(sum) {
		if x.By != "external" {
			failures = append(failures, fmt.Sprintf("%s: expansion %d→%d by %s, want external", b.producer, x.From, x.To, x.By))
		}
		if x.FirstAckAt != "" {
			firstAck[x.To] = stamp(t, x.FirstAckAt)
			if ret, ok := b.added[x.To]; ok {
				rel := func(s string) string {
					if s == "" {
						return "-"
					}
					return stamp(t, s).Sub(ret).Round(100 * time.Microsecond).String()
				}
				t.Logf("%s %d→%d, from the CLI returning: seen %s, routed %s, first ack %s", b.producer, x.From, x.To, rel(x.SeenAt), rel(x.RoutedAt), rel(x.FirstAckAt))
			}
		}
	}
	r.mu.Lock()
	lines := slices.Clone(r.lines)
	r.mu.Unlock()
	at := func(when time.Time) []uint64 {
		for _, l := range lines {
			if !l.Summary && !stamp(t, l.Time).Before(when) && len(l.PerPartition) >= 4 {
				out := make([]uint64, 4)
				for i := range out {
					out[i] = l.PerPartition[i].Acked
				}
				return out
			}
		}
		t.Fatalf("%s: no line after %v", b.producer, when)
		return nil
	}
	a, z := at(b.added[4]), at(b.added[4].Add(benchWindow))
	window := make([]float64, 4)
	for i := range window {
		window[i] = float64(z[i] - a[i])
	}
	pickup := func(to int, _ ...int) (time.Time, bool) {
		fa, ok := firstAck[to]
		return fa, ok
	}
	return append(failures, report(t, b, window, pickup)...)
}

// report logs one producer's figures and returns what partop round-robin
// failed of its checks. pickup returns when the last of an expansion's new
// partitions got its first record.
//
// The pickup goal (p99 ≤ 100 ms from the CLI returning) is a figure, with
// "goal met" or "goal missed", not a failure: on a loaded 2-core machine a
// scheduling stall can push one of 20 pickups past it (with two CPU hogs
// beside the suite, one SC push reached partop 3.6 s after the CLI
// returned, while the other partop saw the same step in 84 ms). What fails
// is what no load explains: a new partition round-robin never wrote to, a
// pickup over pickupBound (without the push stream partop would never see
// the partition; a broken stream is re-opened within 5 s), or round-robin
// out of balance.
func report(t *testing.T, b *benchTopic, window []float64, pickup func(to int, parts ...int) (time.Time, bool)) []string {
	jain := jainIndex(window)
	at4, ok4 := pickup(4, 2, 3)
	first := "never (not both of partitions 2 and 3 written to in the run)"
	if ok4 {
		r := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
		first = fmt.Sprintf("%s from the CLI returning, %s from it starting", r(at4.Sub(b.added[4])), r(at4.Sub(b.called[4])))
	}
	var steps, fromCall []time.Duration
	missed := 0
	for i := range benchSteps {
		if at, ok := pickup(5+i, 4+i); ok {
			steps = append(steps, at.Sub(b.added[5+i]))
			fromCall = append(fromCall, at.Sub(b.called[5+i]))
		} else {
			missed++
		}
	}
	slices.Sort(steps)
	slices.Sort(fromCall)
	ft.Figure(t, "side by side, "+b.producer+": 2→4 pickup", "%s", first)
	ft.Figure(t, "side by side, "+b.producer+": Jain over the 10 s after 2→4", "%.4f (records per partition %v)", jain, window)
	ft.Figure(t, "side by side, "+b.producer+": pickup of 20 single partitions",
		"from the CLI returning %s; from it starting %s; %d of %d never written to", quantiles(steps), quantiles(fromCall), missed, benchSteps)
	if !strings.HasPrefix(b.producer, "partop round-robin") {
		return nil
	}
	var failures []string
	if !ok4 {
		failures = append(failures, "partop round-robin never wrote to both new partitions of the 2→4 expansion")
	}
	if missed > 0 {
		failures = append(failures, fmt.Sprintf("partop round-robin never wrote to %d of %d partitions added one at a time", missed, benchSteps))
	}
	if jain < 0.99 {
		failures = append(failures, fmt.Sprintf("partop round-robin Jain %.4f over the 10 s after the expansion, goal ≥ 0.99", jain))
	}
	if len(steps) > 0 {
		p99 := quantile(steps, 0.99)
		verdict := "goal met"
		if p99 > pickupGoal {
			verdict = "goal missed"
		}
		ft.Figure(t, "side by side, partop round-robin: pickup p99 against the goal", "%s ≤ %s: %s", p99.Round(100*time.Microsecond), pickupGoal, verdict)
		if steps[len(steps)-1] > pickupBound {
			failures = append(failures, fmt.Sprintf("partop round-robin pickup max %v from the CLI returning, over %v: push-stream discovery did not work", steps[len(steps)-1], pickupBound))
		}
	}
	return failures
}

func jainIndex(x []float64) float64 {
	var s, s2 float64
	for _, v := range x {
		s += v
		s2 += v * v
	}
	if s2 == 0 {
		return 0
	}
	return s * s / (float64(len(x)) * s2)
}

// quantile is the nearest-rank quantile of sorted durations.
func quantile(d []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(d))+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

func quantiles(d []time.Duration) string {
	if len(d) == 0 {
		return "no pickups"
	}
	r := func(x time.Duration) string { return x.Round(100 * time.Microsecond).String() }
	return fmt.Sprintf("min %s, p50 %s, p99 %s, max %s (n=%d)", r(d[0]), r(quantile(d, 0.5)), r(quantile(d, 0.99)), r(d[len(d)-1]), len(d))
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
