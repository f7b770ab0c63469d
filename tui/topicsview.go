package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"partop/overview"
	"partop/source"
	"partop/stats"
)

// Column widths of the topics view; the name and the expansion column
// share what is left.
const (
	tPartsW       = 6
	tRateW        = 8
	tUnevenW      = 9
	tJainW        = 6
	tMaxMeanW     = 8
	tIdleW        = 5
	tUnusedW      = 7
	tGroupsW      = 6
	tLagW         = 7
	tNameMinW     = 12
	tNameMaxW     = 40
	maxBrokerRows = 6
)

// tableRows is how many topic rows fit: the height less the header (2
// lines), the column titles, the brokers panel, the status and the footer.
func (t *Topics) tableRows() int {
	return t.height - 2 - 1 - t.brokerLines() - 1 - 1
}

// brokerLines is the brokers panel's height: a title, column titles and
// a row per broker, at most maxBrokerRows; none on a short screen.
func (t *Topics) brokerLines() int {
	if t.snap == nil || len(t.snap.Brokers) == 0 || t.height < 16 {
		return 0
	}
	return 2 + min(len(t.snap.Brokers), maxBrokerRows)
}

// render draws the list.
func (t *Topics) render() string {
	if t.width == 0 && t.height == 0 {
		return "partop: starting…"
	}
	if t.width < 40 || t.height < 8 {
		return tooSmall(t.width, t.height)
	}
	st := &t.st
	lines := []string{t.title(), t.summary()}
	nameW, expW := t.columnWidths()
	lines = append(lines, fit(st.Header.Render(t.columnTitles(nameW, expW)), t.width))
	n := t.tableRows()
	end := min(t.offset+n, len(t.rows))
	for r := t.offset; r < end; r++ {
		line := t.row(&t.snap.Topics[t.rows[r]], nameW, expW)
		if r == t.cursor {
			line = st.Value.Reverse(true).Render(padRight(line, t.width))
		}
		lines = append(lines, fit(line, t.width))
	}
	if len(t.rows) == 0 {
		lines = append(lines, st.Muted.Render(fitText("  "+t.empty(), t.width)))
	}
	lines = padLines(lines, 3+n)
	lines = append(lines, t.brokers()...)
	lines = append(lines, t.statusLine())
	lines = append(lines, t.help.View(t.keys))
	return strings.Join(padLines(lines, t.height), "\n")
}

// empty says why the list has no row.
func (t *Topics) empty() string {
	switch {
	case t.snap.Polls == 0 && t.snap.Err != "":
		return "no census yet: " + t.snap.Err
	case t.snap.Polls == 0:
		return "taking the first census of the cluster…"
	case t.filter != "":
		return "no topic matches the filter " + strconv.Quote(t.filter) + " (esc clears it)"
	case !t.internal:
		return "no topics (i shows the internal ones)"
	}
	return "no topics"
}

// title is the first line: where, and what the census covers.
func (t *Topics) title() string {
	st := &t.st
	s := t.snap
	parts := 0
	for _, r := range t.rows {
		parts += s.Topics[r].Partitions
	}
	segs := []segment{
		{long: st.Title.Render("partop") + st.Muted.Render(" · ") + st.Value.Render(t.cfg.Name) + st.Muted.Render(" · topics")},
		{long: st.Value.Render(strconv.Itoa(len(t.rows))) + st.Label.Render(" topic"+plural(len(t.rows))+", ") + st.Value.Render(stats.Grouped(float64(parts))) + st.Label.Render(" partition"+plural(parts)), prio: 1},
		{long: st.Value.Render(strconv.Itoa(len(s.Brokers))) + st.Label.Render(" broker"+plural(len(s.Brokers))), prio: 2},
	}
	return joinFit(t.width, st.Muted.Render(" · "), segs...)
}

// summary is the second line: the census's time and precision, the
// order, the filter.
func (t *Topics) summary() string {
	st := &t.st
	s := t.snap
	var census segment
	switch {
	case s.Polls == 0:
		census = segment{long: st.Muted.Render("first census…")}
	case !s.Rated:
		census = segment{long: st.Muted.Render("rates after the second census")}
	default:
		census = segment{long: st.Label.Render("rates over ") + st.Value.Render(span(s.Interval)) + st.Muted.Render(fmt.Sprintf(" to %s (census took %s)", s.At.In(t.location()).Format("15:04:05"), tookText(s.Took)))}
	}
	segs := []segment{census, {long: st.Label.Render("sorted by ") + st.Value.Render(t.order.String()), prio: 1}}
	if t.filtering || t.filter != "" {
		cur := ""
		if t.filtering {
			cur = "▏"
		}
		segs = append(segs, segment{long: st.Label.Render("filter ") + st.Value.Render(t.filter+cur)})
	}
	if s.Err != "" {
		segs = append(segs, segment{long: st.Bad.Render("census failed: " + s.Err)})
	} else if s.Partial != "" {
		segs = append(segs, segment{long: st.Warn.Render("missed: " + s.Partial), prio: 3})
	}
	return joinFit(t.width, st.Muted.Render(" · "), segs...)
}

// columnWidths shares the width left by the fixed columns between the
// topic's name and the latest expansion.
func (t *Topics) columnWidths() (nameW, expW int) {
	fixed := 1 + tPartsW + 1 + tRateW + 1 + tUnevenW + 1 + tJainW + 1 + tMaxMeanW + 1 + tIdleW + 1 + tUnusedW + 1 + tGroupsW + 1 + tLagW + 2
	rest := max(t.width-fixed, tNameMinW)
	nameW = tNameMinW // the longest name in view, up to tNameMaxW
	for _, r := range t.rows[t.offset:min(t.offset+t.tableRows(), len(t.rows))] {
		nameW = max(nameW, min(len(t.snap.Topics[r].Name), tNameMaxW))
	}
	nameW = min(nameW, rest)
	return nameW, max(rest-nameW, 0)
}

func (t *Topics) columnTitles(nameW, expW int) string {
	var b strings.Builder
	b.WriteString(" " + padRight("TOPIC", nameW))
	b.WriteString(padLeft("PARTS", tPartsW+1))
	b.WriteString(padLeft("RATE/s", tRateW+1))
	b.WriteString(padLeft("UNEVEN/s", tUnevenW+1))
	b.WriteString(padLeft("JAIN", tJainW+1))
	b.WriteString(padLeft("MAX/MEAN", tMaxMeanW+1))
	b.WriteString(padLeft("IDLE", tIdleW+1))
	b.WriteString(padLeft("UNUSED", tUnusedW+1))
	b.WriteString(padLeft("GROUPS", tGroupsW+1))
	b.WriteString(padLeft("MAX LAG", tLagW+1))
	if expW > 0 {
		b.WriteString("  " + fitText("LATEST EXPANSION", expW))
	}
	return b.String()
}

// row is one topic's line, plain text (the cursor's row is styled whole).
func (t *Topics) row(r *overview.TopicRow, nameW, expW int) string {
	var b strings.Builder
	b.WriteString(" " + padRight(fitText(r.Name, nameW), nameW))
	b.WriteString(padLeft(stats.Grouped(float64(r.Partitions)), tPartsW+1))
	rated := t.snap.Rated
	dash := func(s string) string {
		if !rated {
			return "–"
		}
		return s
	}
	b.WriteString(padLeft(dash(compact(r.Rate)), tRateW+1))
	b.WriteString(padLeft(dash(compact(r.Uneven)), tUnevenW+1))
	jain, mm, idle := "–", "–", "–"
	if rated && r.Rate > 0 {
		jain, mm, idle = fmt.Sprintf("%.3f", r.Balance.Jain), fmt.Sprintf("%.2f", r.Balance.MaxMean), strconv.Itoa(r.Balance.Idle)
	}
	b.WriteString(padLeft(jain, tJainW+1))
	b.WriteString(padLeft(mm, tMaxMeanW+1))
	b.WriteString(padLeft(idle, tIdleW+1))
	unused := "–"
	if r.Expansion != nil {
		unused = strconv.Itoa(r.NewUnused)
	}
	b.WriteString(padLeft(unused, tUnusedW+1))
	groups, lag := "–", "–"
	if t.snap.Grouped {
		groups = strconv.Itoa(r.Groups)
		if r.Groups > 0 {
			lag = compact(float64(r.Lag))
		}
	}
	b.WriteString(padLeft(groups, tGroupsW+1))
	b.WriteString(padLeft(lag, tLagW+1))
	if expW > 0 && r.Expansion != nil {
		text, uneven := r.NewLeaders(len(t.snap.Brokers))
		e := fmt.Sprintf("%d→%d by %s · %s", r.Expansion.From, r.Expansion.To, r.Expansion.By.In(t.location()).Format("15:04:05"), text)
		if uneven {
			e += " !"
		}
		b.WriteString("  " + fitText(e, expW))
	}
	return b.String()
}

// brokers is the brokers panel: each broker's leaders and replicas, and
// the records/s of the partitions it leads against its fair share.
func (t *Topics) brokers() []string {
	n := t.brokerLines()
	if n == 0 {
		return nil
	}
	title := t.st.Title.Render("BROKERS") + t.st.Muted.Render(" · every topic: the partitions each leads, their records/s, and replicas")
	return brokerPanel(t.snap.Brokers, n-2, t.width, title, &t.st, &t.tp)
}

// brokerPanel renders broker rows under a title (styled) and column
// titles, at most rows of them (the busiest first when they do not all
// fit).
func brokerPanel(bs []overview.BrokerRow, rows, width int, title string, st *Styles, tp *tablePaints) []string {
	out := []string{fit(title, width)}
	if rows <= 0 {
		return out
	}
	out = append(out, fit(st.Header.Render(" BROKER RACK        LEADERS REPLICAS   RATE/s  SHARE "+barHeader(21)), width))
	shown := bs
	if len(bs) > rows {
		shown = append([]overview.BrokerRow(nil), bs...)
		sortBrokersByRate(shown)
		shown = shown[:rows]
	}
	for _, b := range shown {
		rack := b.Rack
		if rack == "" {
			rack = "–"
		}
		line := fmt.Sprintf(" %6d %-10s %8d %8d %8s %6s ", b.ID, fitText(rack, 10), b.Leaders, b.Replicas, compact(b.Rate), percent(b.Share))
		out = append(out, fit(line+shareBar(b.Share, b.FairShare, 21, tp), width))
	}
	return out
}

func sortBrokersByRate(bs []overview.BrokerRow) {
	for i := 1; i < len(bs); i++ {
		for j := i; j > 0 && bs[j].Rate > bs[j-1].Rate; j-- {
			bs[j], bs[j-1] = bs[j-1], bs[j]
		}
	}
}

// statusLine is the transient message, or what the cursor is on.
func (t *Topics) statusLine() string {
	if t.status.text != "" {
		if t.status.isError {
			return fit(t.st.Bad.Render(t.status.text), t.width)
		}
		return fit(t.st.Muted.Render(t.status.text), t.width)
	}
	if len(t.rows) == 0 {
		return ""
	}
	line := fmt.Sprintf("row %d of %d · enter opens %s", t.cursor+1, len(t.rows), t.selected())
	if r := &t.snap.Topics[t.rows[t.cursor]]; r.Groups > 0 {
		line += fmt.Sprintf(" · %d %s, the most behind %s by %s records", r.Groups, "group"+plural(r.Groups), r.LagGroup, stats.Grouped(float64(r.Lag)))
	}
	if t.home != nil && t.selected() == t.homeTopic {
		line += t.homeFacts()
	}
	return fit(t.st.Muted.Render(line), t.width)
}

// homeFacts is what the run's own dashboard knows of its topic that a
// census does not: its bytes/s (counted by partop's producer, or
// estimated from the record sample) and the producers that did not take
// up the latest expansion (observe mode).
func (t *Topics) homeFacts() string {
	es := t.home.es
	out := " · this run's topic"
	if s := &es.Stats; s.Bytes > 0 {
		how := "counted"
		if !es.Sending {
			how = "estimated from the sample"
		}
		out += fmt.Sprintf(": %s (%s)", bytesRate(s.BytesRate), how)
	}
	if es.Producers.At.IsZero() {
		return out
	}
	stale := 0
	for _, p := range es.Producers.List {
		if p.State == source.ProducerStale {
			stale++
		}
	}
	return out + fmt.Sprintf(" · %d stale %s", stale, "producer"+plural(stale))
}

// location is where the topics view's times are shown: the dashboards'
// Location, local time by default.
func (t *Topics) location() *time.Location {
	if t.cfg.Topic.Location != nil {
		return t.cfg.Topic.Location
	}
	return time.Local
}

// tookText is how long a census took: "0.4 ms", "38 ms", "1.2 s".
func tookText(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
