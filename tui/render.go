package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// footerKey is what the rendered help depends on and may change; the
// enabled keys are set once, in New.
type footerKey struct {
	width          int
	all, prompt    bool
	isDark, filled bool
}

// render lays the screen out for the current size and state and renders
// every section, so View has nothing left to do but join them.
func (m *Model) render() {
	m.sections = m.sections[:0]
	if m.width == 0 && m.height == 0 {
		m.lay = layout{}
		m.sections = append(m.sections, "partop: starting…")
		return
	}
	var status []string
	if m.prompt.open {
		status = m.prompt.lines(m.view.Cluster, m.width, m.es.Keyed, &m.styles)
	} else {
		status = m.statusLines()
	}
	footer := m.footer()
	m.lay = plan(m.width, m.height, len(m.snap.Partitions), eventLineCount(m.events), m.allPanelLines(), len(status), strings.Count(footer, "\n")+1, m.es.Group != "")
	if m.lay.tooSmall {
		m.sections = append(m.sections, tooSmall(m.width, m.height))
		return
	}
	if m.lay.footer == 1 && m.help.ShowAll { // full help did not fit
		footer = m.shortHelp()
	}
	if !m.prompt.open {
		status = m.statusLines() // it names the visible rows, known only now
	}
	st := &m.styles
	m.sections = append(m.sections, m.header()...)
	m.sections = append(m.sections, fit(st.Header.Render(m.lay.cols.header(&m.snap, m.es.Tick)), m.width))
	m.sections = append(m.sections, padLines(m.table.rows(&m.snap, &m.view, m.rd, m.lay.cols, m.lay.tableRows, &m.paints), m.lay.tableRows)...)
	if m.lay.chart > 0 {
		m.sections = append(m.sections, padLines(chart(&m.snap, m.events, m.width, m.lay.chart, m.es.Tick, st), m.lay.chart)...)
	}
	if m.lay.panel > 0 {
		m.sections = append(m.sections, padLines(m.panels(), m.lay.panel)...)
	}
	m.sections = append(m.sections, m.balanceLine())
	m.sections = append(m.sections, padLines(eventLines(m.events, m.lay.events, m.width, m.cfg.Location, st), m.lay.events)...)
	m.sections = padLines(m.sections, len(m.sections)+m.lay.pad)
	m.sections = append(m.sections, status...)
	m.sections = append(m.sections, footer)
}

// footer renders the key help for whatever has focus. bubbles/help cuts a
// line that is too long at its end, which would lose "q quit", so the short
// help drops its least needed keys first; every line is cut to the width
// anyway, since help overflows when not even its ellipsis fits.
func (m *Model) footer() string {
	k := footerKey{width: m.width, all: m.help.ShowAll, prompt: m.prompt.open, isDark: m.isDark, filled: true}
	if k != m.footerKey {
		m.footerKey, m.footerText = k, m.renderFooter()
	}
	return m.footerText
}

func (m *Model) renderFooter() string {
	if m.prompt.open {
		return fit(m.help.ShortHelpView(m.pkeys.ShortHelp()), m.width)
	}
	if m.help.ShowAll {
		lines := strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")
		for i, l := range lines {
			lines[i] = fit(l, m.width)
		}
		return strings.Join(lines, "\n")
	}
	return m.shortHelp()
}

// shortHelp is the one-line help that fits the width.
func (m *Model) shortHelp() string {
	bindings := m.keys.ShortHelp()
	uncut := m.help
	uncut.SetWidth(0)
	for _, drop := range []key.Binding{m.keys.Topics, m.keys.Sort, m.keys.Pause, m.keys.rate, m.keys.Help} {
		if ansi.StringWidth(uncut.ShortHelpView(bindings)) <= m.width {
			break
		}
		bindings = slices.DeleteFunc(bindings, func(b key.Binding) bool { return b.Help() == drop.Help() })
	}
	return fit(m.help.ShortHelpView(bindings), m.width)
}

// tooSmall is the one line shown when the dashboard cannot fit. On the
// tiniest screens it is cut without an ellipsis: "ter" beats "…".
func tooSmall(w, h int) string {
	s := "terminal too small"
	if w >= minWidth {
		s += fmt.Sprintf(" (%d×%d): partop needs %d×%d", w, h, minWidth, minHeight)
	}
	if w < 10 {
		return ansi.Truncate(s, w, "")
	}
	return fit(s, w)
}
