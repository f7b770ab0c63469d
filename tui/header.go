package tui

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"partop/engine"
	"partop/stats"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// header renders the two header lines: where partop is connected and
// whether it is sending, then partition counts, rates and partitioner.
func (m *Model) header() []string {
	st := &m.styles
	sep := st.Muted.Render(" · ")
	state := segment{long: st.Good.Render("▶ running")}
	switch {
	case !m.es.Unanswered.IsZero():
		// Not a quiet topic: say so, and since when.
		since := m.es.Unanswered
		ago := "(+" + uptime(m.now.Sub(since)) + ")"
		state = segment{
			long:  st.Bad.Render("✗ cluster not answering since " + since.In(m.cfg.Location).Format("15:04:05") + " " + ago),
			short: st.Bad.Render("✗ cluster not answering " + ago),
		}
	case !m.es.Sending:
		state = segment{long: st.Good.Render("◉ observing")}
	case m.es.Paused:
		state = segment{long: st.Warn.Render("‖ paused")}
	}
	var viewer segment
	if m.cfg.ViewOnly {
		viewer = segment{long: st.Warn.Render("view only"), prio: 1}
	}
	line1 := joinFit(m.width, sep,
		segment{long: st.Title.Render("partop"), prio: 0},
		segment{long: st.Value.Render(m.es.Cluster), prio: 1},
		segment{long: st.Label.Render("topic ") + st.Value.Render(m.es.Topic), prio: 0},
		state,
		viewer,
		segment{long: st.Label.Render("up ") + st.Value.Render(uptime(m.now.Sub(m.es.Start))), prio: 2},
	)
	var watch segment
	if v := m.view.WatchError; v != "" && m.es.Unanswered.IsZero() { // in an outage the state says more; the log has the error
		watch = segment{long: st.Bad.Render("✗ watcher: " + v), short: st.Bad.Render("✗ watcher failing"), prio: 1}
	}
	if !m.es.Sending {
		counts := st.Label.Render("partitions ") + st.Value.Render(strconv.Itoa(m.view.Cluster))
		rate := st.Label.Render("all producers ") + st.Value.Render(stats.FormatRate(m.es.Stats.Rate)) + st.Muted.Render(" (from end offsets)")
		var stale segment
		if n := staleCount(&m.es.Producers); n > 0 {
			// The producers partop exists to name: flagged in words.
			stale = segment{long: st.Bad.Render(fmt.Sprintf("! %d stale producer%s: not writing to the new partitions", n, plural(n))),
				short: st.Bad.Render(fmt.Sprintf("! %d stale", n))}
		}
		return []string{line1, joinFit(m.width, sep, segment{long: counts}, stale, segment{long: rate, prio: 2}, watch)}
	}
	line2 := joinFit(m.width, sep, m.counts(), m.routingFlag(), m.rates(), m.held(),
		m.placement(),
		m.groupSegment(), watch)
	return []string{line1, line2}
}

// placement names what places partop's records: the partitioner, or the
// hash that places keyed records under it ("key-hash, murmur2").
func (m *Model) placement() segment {
	st := &m.styles
	p := cmp.Or(m.es.Placement, m.es.Partitioner)
	return segment{long: st.Label.Render("partitioner ") + st.Value.Render(p), short: st.Value.Render(p), prio: 3}
}

// held says how many records the producer holds while the cluster does
// not answer, and whether they wait (kgo keeps them until it answers) or
// fail after a while (Fluvio's producer).
func (m *Model) held() segment {
	if m.es.Unanswered.IsZero() || m.es.Held < 0 {
		return segment{}
	}
	st := &m.styles
	n := stats.Grouped(float64(m.es.Held))
	fate, short := "(waiting, not lost)", "(waiting, not lost)"
	if g := m.es.GivesUpAfter; g > 0 {
		fate, short = "(each fails after "+g.String()+")", "(failing after "+g.String()+")"
	}
	return segment{
		long:  st.Warn.Render("holding " + n + " record" + plural(int(m.es.Held)) + " " + fate),
		short: st.Warn.Render("holding " + n + " " + short),
		prio:  0, // the one thing an operator wants to know in an outage
	}
}

// groupSegment names partop's own consumer group, its protocol and reset
// policy (--consume).
func (m *Model) groupSegment() segment {
	if m.es.Group == "" {
		return segment{}
	}
	st := &m.styles
	// Least needed of the line: shortened and dropped first (the groups
	// panel names the group and its protocol too).
	return segment{
		long:  st.Label.Render("group ") + st.Value.Render(m.es.Group) + st.Muted.Render(" ("+m.es.GroupProtocol+", "+m.es.GroupReset+")"),
		short: st.Label.Render("group ") + st.Value.Render(m.es.Group),
		prio:  4,
	}
}

// counts is the cluster's partition count beside the producer's.
func (m *Model) counts() segment {
	st := &m.styles
	v := &m.view
	counts := st.Label.Render("partitions: cluster ") + st.Value.Render(strconv.Itoa(v.Cluster))
	switch {
	case v.Partitions == 0:
		counts += st.Muted.Render(" · ") + st.Label.Render("producer ") + st.Muted.Render("–")
	case v.Partitions != v.Cluster:
		// Differing counts are the thing partop exists to show: flag them
		// with a sign and words, not only colour.
		counts += st.Warn.Render(fmt.Sprintf(" ≠ producer %d", v.Partitions))
	default:
		counts += st.Muted.Render(" · ") + st.Label.Render("producer ") + st.Value.Render(strconv.Itoa(v.Partitions))
	}
	return segment{long: counts}
}

// routingFlag says in words when the producer does not route to every
// partition the cluster has.
func (m *Model) routingFlag() segment {
	st := &m.styles
	v := &m.view
	switch {
	case v.Partitions == 0:
		return segment{long: st.Muted.Render("nothing routed yet"), prio: 3}
	case v.Partitions != v.Cluster:
		return segment{
			long:  st.Warn.Render(fmt.Sprintf("! producer not routing to all %d yet", v.Cluster)),
			short: st.Warn.Render("! catching up"), prio: 1,
		}
	}
	return segment{}
}

// rates is partop's rate against its target, and the whole topic's from
// end offsets when other producers write to it too.
func (m *Model) rates() segment {
	st := &m.styles
	own := st.Value.Render(stats.FormatRate(m.es.Stats.Rate)) // records, whatever the table shows
	target := st.Value.Render(engine.FormatTarget(m.es.TargetRate))
	r := segment{
		long:  st.Label.Render("rate ") + own + st.Label.Render(", target ") + target,
		short: st.Label.Render("rate ") + own + st.Label.Render(" of ") + target,
		prio:  2,
	}
	if others := m.es.TopicRate - m.es.Stats.Rate; m.es.TopicKnown && others >= max(1, 0.02*m.es.TopicRate) {
		// Other producers write to the topic: their traffic is part of
		// the balance question too.
		r.long += st.Label.Render(" · topic ") + st.Value.Render(stats.FormatRate(m.es.TopicRate)) + st.Muted.Render(" ("+stats.FormatRate(others)+" from others)")
	}
	return r
}

// balanceLine renders the balance figures with a verdict in words.
func (m *Model) balanceLine() string {
	st := &m.styles
	b := m.snap.Balance
	var verdict string
	switch {
	case b.Jain == 0:
		verdict = st.Muted.Render("no traffic")
	case b.Jain >= 0.95:
		verdict = st.Good.Render("even")
	case b.Jain >= 0.8:
		verdict = st.Warn.Render("uneven")
	default:
		verdict = st.Bad.Render("skewed")
	}
	idleStyle := st.Value
	if b.Idle > 0 {
		idleStyle = st.Warn
	}
	figure := func(label, value string, style lipgloss.Style, prio int) segment {
		return segment{long: st.Label.Render(label+" ") + style.Render(value), prio: prio}
	}
	var errs segment
	if m.snap.Errors > 0 {
		e := "errors " + stats.Grouped(float64(m.snap.Errors))
		errs = segment{long: st.Bad.Render(e), prio: 1}
		if m.snap.Unrouted > 0 {
			errs.short, errs.long = errs.long, st.Bad.Render(fmt.Sprintf("%s (%s before a partition was chosen)", e, stats.Grouped(float64(m.snap.Unrouted))))
		}
	}
	// With no traffic the figures are undefined (stats gives 0): the
	// verdict says so instead of "Jain 0.000", which reads as the worst
	// skew there is.
	var jain, maxMean, cv segment
	if b.Jain != 0 {
		jain = figure("Jain", fmt.Sprintf("%.3f", b.Jain), st.Value, 0)
		maxMean = figure("max/mean", fmt.Sprintf("%.2f", b.MaxMean), st.Value, 3)
		cv = figure("CV", fmt.Sprintf("%.2f", b.CV), st.Value, 4)
	}
	title := segment{long: st.Title.Render("balance ") + verdict}
	if m.bytes {
		title.long = st.Title.Render("balance by "+m.unit()+" ") + verdict
		title.short = st.Title.Render("balance by bytes ") + verdict
	}
	return joinFit(m.width, st.Muted.Render(" · "),
		title,
		jain, maxMean, cv,
		figure("idle", fmt.Sprintf("%d of %d", b.Idle, b.Partitions), idleStyle, 2),
		figure("fair share", percent(b.FairShare), st.Value, 5),
		figure("acked", stats.Grouped(float64(m.snap.Acked)), st.Value, 6),
		errs,
	)
}

// fit cuts a styled line to width cells, marking the cut with an ellipsis.
// Line breaks and tabs (an error message from a broker may hold them)
// become spaces: one more line would push the footer off the screen.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if strings.ContainsAny(s, "\n\r\t") {
		s = flatten.Replace(s)
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

var flatten = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

// padLines makes lines exactly n, adding blank lines or dropping the last.
func padLines(lines []string, n int) []string {
	if len(lines) > n {
		return lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}
