package tui

import (
	"fmt"
	"strings"
	"time"

	"partop/engine"
	"partop/source"
)

// groupsMax bounds the groups panel: title, column titles and rows.
const groupsMax = 8

// allPanelLines is how many lines the panels want: the producers panel in
// observe mode, then the groups panel once a groups poll has answered.
func (m *Model) allPanelLines() int {
	return m.panelLines() + m.keysLines() + m.groupsLines() + m.brokersLines()
}

func (m *Model) groupsLines() int {
	gs := &m.es.Groups
	switch {
	case gs.At.IsZero() && gs.Err == "":
		return 0 // no groups poll (Fluvio, --groups-interval -1) or none yet
	case gs.Err != "" || len(gs.List) == 0:
		return 2
	}
	return min(2+len(gs.List), groupsMax)
}

// panels renders the panels into the rows the layout gave them: the
// producers panel first (it names the producers to act on), then the keys
// panel, the groups panel in what is left.
func (m *Model) panels() []string {
	st := &m.styles
	rows := shareRows(m.lay.panel, m.panelLines(), m.keysLines(), m.groupsLines(), m.brokersLines())
	out := padLines(producersPanel(&m.es.Producers, m.now, m.width, rows[0], st), rows[0])
	out = append(out, padLines(m.keysPanel(rows[1]), rows[1])...)
	out = append(out, padLines(groupsPanel(m.es, m.width, rows[2], st), rows[2])...)
	return append(out, m.brokersPanel(rows[3])...)
}

// shareRows shares n rows among panels wanting want[i], in order: every
// panel that wants any keeps its title and a row while the rows last, then
// each in turn gets the rest it wants.
func shareRows(n int, want ...int) []int {
	got := make([]int, len(want))
	for i, w := range want {
		got[i] = min(w, 2, n)
		n -= got[i]
	}
	for i, w := range want {
		more := min(w-got[i], n)
		got[i] += more
		n -= more
	}
	return got
}

// groupsPanel renders every consumer group on the topic, at most lines
// lines: protocol, state, members, lag, and what it made of the latest
// expansion.
func groupsPanel(es *engine.Snapshot, width, lines int, st *Styles) []string {
	if lines <= 0 {
		return nil
	}
	gs := &es.Groups
	title := st.Title.Render("GROUPS") + st.Muted.Render(" on the topic, from ListGroups, Describe and OffsetFetch · lag with no commit yet counts from the log start")
	out := []string{fit(title, width)}
	switch {
	case lines == 1:
		return out
	case gs.Err != "":
		return append(out, wrapLines("✗ "+gs.Err, width, lines-1, st.Warn)...)
	case len(gs.List) == 0:
		return append(out, fit(st.Muted.Render("  no consumer group reads this topic"), width))
	}
	exp := latestExpansion(es.Events)
	return panelTable(out, "  GROUP             PROTOCOL  STATE       MEMBERS      LAG  LATEST EXPANSION, FROM ITS START", len(gs.List),
		func(i int) string { return groupRow(gs.List[i], exp, gs.List[i].Name == es.Group, st) }, width, lines, st)
}

func groupRow(g source.Group, exp *engine.Event, own bool, st *Styles) string {
	name := padRight(fitText(g.Name, 16), 16)
	if own {
		name = st.Value.Render(name)
	}
	lag := "–"
	if l := g.Lag(); l >= 0 {
		lag = compact(float64(l))
	}
	proto := g.Protocol
	if proto == "" {
		proto = "–"
	}
	row := fmt.Sprintf("  %s  %-8s  %-10s  %7d  %7s  ", name, proto, fitText(g.State, 10), g.Members, lag)
	switch {
	case g.Err != "":
		return row + st.Warn.Render("✗ "+g.Err)
	case g.Note != "":
		return row + st.Muted.Render(g.Note)
	}
	return row + pickupText(exp, g.Name, st)
}

// latestExpansion is the newest expansion in the log; nil if none.
func latestExpansion(evs []engine.Event) *engine.Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == engine.KindExpansion {
			return &evs[i]
		}
	}
	return nil
}

// pickupText says what group made of the expansion: when it was assigned
// the new partitions and first committed on them, and what it skipped.
func pickupText(e *engine.Event, group string, st *Styles) string {
	if e == nil {
		return ""
	}
	for _, p := range e.Groups {
		if p.Group != group {
			continue
		}
		if p.AssignedAt.IsZero() {
			return st.Warn.Render(fmt.Sprintf("%d→%d not assigned yet", e.From, e.To))
		}
		parts := []string{fmt.Sprintf("%d→%d assigned %s", e.From, e.To, when(p.AssignedAfter, p.AssignedAt, e.Start()))}
		// What was skipped or unread comes before the commit: where the
		// column is narrow, the commit is what the cut loses.
		switch {
		case p.SkippedExact && p.Skipped > 0:
			parts = append(parts, st.Bad.Render(fmt.Sprintf("skipped %s", compact(float64(p.Skipped)))))
		case p.SkippedExact && p.UnreadAtAssignment > 0: // of those there at assignment, which latest would skip
			parts = append(parts, st.Good.Render(fmt.Sprintf("skipped 0 of %s", compact(float64(p.UnreadAtAssignment)))))
		case p.SkippedExact:
			parts = append(parts, st.Good.Render("skipped none"))
		case p.SkippedKnown && p.Skipped > 0: // the engine says so only where the count is narrow
			parts = append(parts, st.Warn.Render(fmt.Sprintf("likely skipped %s", compact(float64(p.Skipped)))))
		case p.UnreadAtAssignment > 0:
			// partop cannot see an outside group's reset policy: say what a
			// latest group does, not what this one did.
			parts = append(parts, unread(p)+" unread at assignment (a latest group skips these)")
		}
		if !p.CommittedAt.IsZero() {
			parts = append(parts, "committed "+when(p.CommittedAfter, p.CommittedAt, e.Start()))
		}
		return strings.Join(parts, " · ")
	}
	return ""
}

// when says when something happened from the expansion's start: exactly
// ("+300ms") where the bracket is a point, "+0.10–0.32s" where it is
// narrow, and "by +5.1s" where it is wide or began before the start.
func when(after, at, start time.Time) string {
	switch {
	case after.Equal(at):
		return "+" + delay(at.Sub(start))
	case after.IsZero() || after.Before(start) || at.Sub(after) > engine.NarrowBracket:
		return "by +" + delay(at.Sub(start))
	}
	return fmt.Sprintf("+%.2f–%.2fs", after.Sub(start).Seconds(), at.Sub(start).Seconds())
}

// unread is the unread count at assignment as precise as it is known: a
// value where narrow, else the range ("up to 2.12k", "1.1k–2.12k").
func unread(p engine.GroupPickup) string {
	switch {
	case p.Narrow || p.UnreadMin == p.UnreadMax:
		return compact(float64(p.UnreadAtAssignment))
	case p.UnreadMin <= 0:
		return "up to " + compact(float64(p.UnreadMax))
	}
	return compact(float64(p.UnreadMin)) + "–" + compact(float64(p.UnreadMax))
}

// delay renders a delay such as 340ms or 1.2s.
func delay(d time.Duration) string {
	d = max(d, 0)
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
