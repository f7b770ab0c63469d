package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles holds every style of the dashboard in one place. Meaning never
// rests on colour alone: marks, bars and words carry it too, so the screen
// reads the same with NO_COLOR or on a terminal without colour (where
// bubbletea drops the colours and keeps bold and faint).
type Styles struct {
	Title  lipgloss.Style // the app name and section titles
	Label  lipgloss.Style // "topic", "rate": words naming a value
	Value  lipgloss.Style // the values themselves
	Muted  lipgloss.Style // secondary text: times, hints, units
	Good   lipgloss.Style // running, balanced
	Warn   lipgloss.Style // paused, counts differ, under-loaded
	Bad    lipgloss.Style // errors
	New    lipgloss.Style // partitions that are not carrying their share yet
	Header lipgloss.Style // the partition table's column titles

	BarEven  lipgloss.Style // share bar, near fair share
	BarUnder lipgloss.Style // share bar, well under fair share
	BarOver  lipgloss.Style // share bar, the part above fair share
	BarTick  lipgloss.Style // the fair-share tick and the empty track
	Spark    lipgloss.Style // sparklines

	PromptLabel lipgloss.Style // "add partitions" before the input
	Help        help.Styles

	ChartTotal   lipgloss.Style // the total rate line
	ChartBalance lipgloss.Style // the balance line
	ChartMark    lipgloss.Style // the ┊ where partitions were added
}

// DefaultStyles returns the dashboard styles for a dark or light terminal
// background.
func DefaultStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	green := ld(c("#1A7F37"), c("#56D364"))
	yellow := ld(c("#9A6700"), c("#E3B341"))
	red := ld(c("#CF222E"), c("#FF7B72"))
	blue := ld(c("#0969DA"), c("#79C0FF"))
	magenta := ld(c("#8250DF"), c("#D2A8FF"))
	muted := ld(c("#6E7781"), c("#8B949E"))
	s := Styles{
		Title:    lipgloss.NewStyle().Bold(true),
		Label:    lipgloss.NewStyle().Foreground(muted),
		Value:    lipgloss.NewStyle().Bold(true),
		Muted:    lipgloss.NewStyle().Foreground(muted).Faint(true),
		Good:     lipgloss.NewStyle().Foreground(green),
		Warn:     lipgloss.NewStyle().Foreground(yellow).Bold(true),
		Bad:      lipgloss.NewStyle().Foreground(red).Bold(true),
		New:      lipgloss.NewStyle().Foreground(magenta).Bold(true),
		Header:   lipgloss.NewStyle().Bold(true).Underline(true),
		BarEven:  lipgloss.NewStyle().Foreground(green),
		BarUnder: lipgloss.NewStyle().Foreground(yellow),
		BarOver:  lipgloss.NewStyle().Foreground(red),
		BarTick:  lipgloss.NewStyle().Foreground(muted),
		Spark:    lipgloss.NewStyle().Foreground(blue),

		PromptLabel: lipgloss.NewStyle().Bold(true).Foreground(magenta),
		Help:        help.DefaultStyles(isDark),

		ChartTotal:   lipgloss.NewStyle(),
		ChartBalance: lipgloss.NewStyle().Foreground(blue),
		ChartMark:    lipgloss.NewStyle().Foreground(magenta).Bold(true),
	}
	return s
}

// paint is a style reduced to the escape codes before and after the text.
// lipgloss's Render re-parses its input on every call; the table paints
// hundreds of cells a frame, so it pastes these instead.
type paint struct{ pre, post string }

func paintOf(s lipgloss.Style) paint {
	r := s.Render("x")
	i := strings.Index(r, "x")
	if i < 0 {
		return paint{}
	}
	return paint{pre: r[:i], post: r[i+1:]}
}

// on paints plain, single-line text.
func (p paint) on(s string) string {
	if p.pre == "" && p.post == "" || s == "" {
		return s
	}
	return p.pre + s + p.post
}

// tablePaints are the table's hot-path styles as paints.
type tablePaints struct {
	barEven, barUnder, barOver, barTick, spark, isNew, bad paint
}

func (st *Styles) tablePaints() tablePaints {
	return tablePaints{
		barEven: paintOf(st.BarEven), barUnder: paintOf(st.BarUnder), barOver: paintOf(st.BarOver),
		barTick: paintOf(st.BarTick), spark: paintOf(st.Spark), isNew: paintOf(st.New), bad: paintOf(st.Bad),
	}
}
