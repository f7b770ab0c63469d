package tui

import (
	"fmt"
	"time"
)

// How long a status message stays up. Errors stay longer: the operator may
// be looking at the table when one arrives.
const (
	statusFor      = 5 * time.Second
	statusErrorFor = 20 * time.Second
)

// status is the one-line message area for transient news: an admin call in
// flight, its outcome, a scheduled action's outcome.
type status struct {
	text    string
	isError bool
	busy    bool      // an action is in flight: the message stays until it ends
	until   time.Time // when the message goes away
}

func (s *status) set(now time.Time, text string, isError bool) {
	d := statusFor
	if isError {
		d = statusErrorFor
	}
	*s = status{text: text, isError: isError, until: now.Add(d)}
}

func (s *status) working(text string) {
	*s = status{text: text + "…", busy: true}
}

// expire clears a message whose time is up.
func (s *status) expire(now time.Time) {
	if !s.busy && s.text != "" && !now.Before(s.until) {
		*s = status{}
	}
}

// statusLines renders the status area when the prompt is closed: the
// transient message if there is one (an error may wrap onto a second line:
// the reason is at its end), otherwise where the table is scrolled, its
// order, the legend and the next scheduled action.
func (m *Model) statusLines() []string {
	st := &m.styles
	switch {
	case m.status.isError:
		return wrapLines("✗ "+m.status.text, m.width, 2, st.Bad)
	case m.status.text != "":
		return []string{fit(st.Value.Render(m.status.text), m.width)}
	}
	return []string{m.summaryLine()}
}

// summaryLine is the status line when there is no news.
func (m *Model) summaryLine() string {
	st := &m.styles
	n := len(m.snap.Partitions)
	first, last := m.table.offset+1, min(m.table.offset+m.lay.tableRows, n)
	var legend, next segment
	for _, isNew := range m.table.isNew {
		if isNew {
			legend = segment{
				long:  st.New.Render("+") + st.Muted.Render(fmt.Sprintf(" new, below %.0f%% of fair share", underLoaded*100)),
				short: st.New.Render("+") + st.Muted.Render(" new"),
				prio:  1,
			}
			break
		}
	}
	if s := m.nextScheduled(); s != "" {
		next = segment{long: st.Label.Render(s), prio: 2}
	}
	return joinFit(m.width, st.Muted.Render(" · "),
		segment{long: st.Muted.Render(fmt.Sprintf("partitions %d–%d of %d", min(first, last), last, n)), short: st.Muted.Render(fmt.Sprintf("%d–%d/%d", min(first, last), last, n))},
		segment{long: st.Muted.Render("sorted by " + m.table.sortBy.String()), short: st.Muted.Render("by " + m.table.sortBy.String()), prio: 3},
		legend, next,
	)
}

// nextScheduled describes the next --at action not yet reported done.
func (m *Model) nextScheduled() string {
	if m.schedDone >= len(m.es.Schedule) {
		return ""
	}
	a := m.es.Schedule[m.schedDone]
	due := m.es.Start.Add(a.At)
	if wait := due.Sub(m.now); wait > 0 {
		return fmt.Sprintf("next: %s at %s (in %s)", a, a.At, uptime(wait+time.Second-1))
	}
	return fmt.Sprintf("running: %s (scheduled at %s)", a, a.At)
}
