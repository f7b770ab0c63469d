package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// segment is one piece of a one-line summary. When the line does not fit,
// segments switch to their short form and then drop out, the least
// important (highest prio) first; prio 0 never drops.
type segment struct {
	long, short string // styled; short may be empty (no short form)
	prio        int
}

// joinFit joins segments with sep into at most width cells.
func joinFit(width int, sep string, segs ...segment) string {
	text := make([]string, len(segs))
	for i, s := range segs {
		text[i] = s.long
	}
	join := func() string {
		var parts []string
		for _, t := range text {
			if t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, sep)
	}
	line := join()
	lowest := 0
	for _, s := range segs {
		lowest = max(lowest, s.prio)
	}
	// First shorten, then drop, from the least important up.
	for _, shorten := range []bool{true, false} {
		for p := lowest; p >= 0 && ansi.StringWidth(line) > width; p-- {
			for i, s := range segs {
				if s.prio != p {
					continue
				}
				switch {
				case shorten && s.short != "":
					text[i] = s.short
				case !shorten && p > 0:
					text[i] = ""
				}
			}
			line = join()
		}
	}
	return fit(line, width)
}

// wrapLines word-wraps plain text to width in at most n lines, styled,
// marking a cut with an ellipsis.
func wrapLines(text string, width, n int, style lipgloss.Style) []string {
	wrapped := strings.Split(ansi.Wrap(text, max(width, 1), ""), "\n")
	if len(wrapped) > n {
		wrapped = wrapped[:n]
		wrapped[n-1] = fit(wrapped[n-1]+" …", width)
		if ansi.StringWidth(wrapped[n-1]) >= width {
			wrapped[n-1] = ansi.Truncate(wrapped[n-1], width, "…")
		}
	}
	for i, l := range wrapped {
		wrapped[i] = style.Render(strings.TrimRight(l, " "))
	}
	return wrapped
}
