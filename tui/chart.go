package tui

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/guptarohit/asciigraph"

	"partop/engine"
	"partop/stats"
)

// Chart gutter: y labels are always labelW cells, so the plot does not
// shift sideways when the rate crosses 999 or 9.99k.
const (
	labelW       = 6
	chartOffset  = 2                // asciigraph's offset: one cell between label and axis
	chartGutterW = labelW + 1 + 1   // label, its leading pad, the axis
	minChartW    = chartGutterW + 8 // below this there is nothing to see
	// bothMinHeight is the chart height from which the rate gets a plot
	// above the balance (two titles, three rows each at least); below it
	// the chart shows balance alone, the header has the rate.
	bothMinHeight = 10
	markRune      = '┊'
)

// chart tells the balance story over the kept history, in width × height
// cells: the total rate, and under it, on a scale of its own, balance
// (Jain's index over the balance window: 1 is even), with the moments
// partitions were added marked ┊. Balance drops when partitions are added
// and recovers as the producer uses them.
func chart(snap *stats.Snapshot, events []engine.Event, width, height int, tick time.Duration, st *Styles) []string {
	if height < 3 || width < minChartW {
		return nil
	}
	plotW := width - chartGutterW
	total := snap.TotalHistory
	title := fmt.Sprintf("RATE/s, LAST %s", span(historyLength(snap, tick)))
	balance := "BALANCE"
	if snap.InBytes {
		title, balance = fmt.Sprintf("BYTES/s, LAST %s", span(historyLength(snap, tick))), "BALANCE BY BYTES"
	}
	legend := st.ChartTotal.Render("── total " + rateText(snap))
	if len(total) == 0 {
		return []string{fit(st.Title.Render(title), width), st.Muted.Render(fitText("  waiting for the first samples…", width))}
	}
	marks := markColumns(snap.HistoryTimes, events, plotW)
	var lines []string
	balRows := height - 1
	if height >= bothMinHeight {
		balRows = max(min((height-2)*2/5, 8), 3)
		rateRows := height - 2 - balRows
		lines = append(lines, fit(st.Title.Render(title)+"   "+legend, width))
		rate := plotLines(downsample(total, plotW), plotW, rateRows, math.NaN(), compact)
		lines = append(lines, paintPlot(rate, marks, st.ChartTotal, st)...)
	}
	now := fmt.Sprintf("── %.3f now (1 = even)", snap.Balance.Jain)
	if snap.Balance.Jain == 0 { // undefined: nothing was sent in the window
		now = "── no traffic now"
	}
	btitle := st.Title.Render(balance+", Jain over "+span(snap.Config.BalanceWindow)) + "   " + st.ChartBalance.Render(now)
	if len(marks) > 0 {
		btitle += st.Muted.Render("   " + string(markRune) + " partitions added")
	}
	bal := plotLines(downsample(snap.BalanceHistory, plotW), plotW, balRows, 1, func(v float64) string {
		return padLeft(fmt.Sprintf("%.2f", v), labelW)
	})
	lines = append(lines, fit(btitle, width))
	if bal == nil {
		// Not painted: paintPlot cuts a plot line's gutter by cells, which
		// would cut this styled line's escape codes in half.
		return append(lines, st.Muted.Render(fitText("  no traffic yet: balance shows once records flow", width)))
	}
	return append(lines, paintPlot(bal, marks, st.ChartBalance, st)...)
}

// historyLength is how much time the chart's history covers.
func historyLength(snap *stats.Snapshot, tick time.Duration) time.Duration {
	if t := snap.HistoryTimes; len(t) > 1 {
		return time.Duration(t[len(t)-1] - t[0])
	}
	return time.Duration(len(snap.TotalHistory)) * tick
}

// markColumns maps the start of each expansion in the history to the plot
// column that shows it, with the same right-aligned, bucketed layout as
// downsample. asciigraph draws the step from one value to the next in the
// earlier value's column, so the mark goes one column left of the first
// sample after the expansion: onto the step, not beside it.
func markColumns(times []int64, events []engine.Event, width int) []int {
	n := len(times)
	if n == 0 || width <= 0 {
		return nil
	}
	var cols []int
	for i := range events {
		e := &events[i]
		if e.Kind != engine.KindExpansion {
			continue
		}
		at := e.Start().UnixNano()
		if at < times[0] || at > times[n-1] {
			continue
		}
		idx := sort.Search(n, func(i int) bool { return times[i] >= at })
		col := width - n + idx // right-aligned when the history is short
		if n > width {
			col = ((idx+1)*width - 1) / n // the bucket downsample puts idx in
		}
		cols = append(cols, max(col-1, 0))
	}
	return cols
}

// paintPlot styles plain plot lines: the gutter muted, the series in its
// style, and a mark in every blank cell of a marked column.
func paintPlot(lines []string, marks []int, series lipgloss.Style, st *Styles) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		cells := []rune(l)
		if len(cells) < chartGutterW {
			out[i] = l
			continue
		}
		plot := cells[chartGutterW:]
		var b strings.Builder
		b.WriteString(st.Muted.Render(string(cells[:chartGutterW])))
		for _, c := range marks {
			if c >= 0 && c < len(plot) && plot[c] == ' ' {
				plot[c] = markRune
			}
		}
		// Marks in their own style; runs of plot cells in the series'.
		start := 0
		for j := 0; j <= len(plot); j++ {
			if j == len(plot) || plot[j] == markRune {
				if j > start {
					b.WriteString(series.Render(string(plot[start:j])))
				}
				if j < len(plot) {
					b.WriteString(st.ChartMark.Render(string(markRune)))
				}
				start = j + 1
			}
		}
		out[i] = b.String()
	}
	return out
}

// plotLines guards asciigraph's traps: it panics on an empty series, prints
// garbage labels when every value is NaN, collapses a constant series to one
// row, and sizes its gutter from the values. The series is right-aligned to
// width columns (the plot grows from the right as history accumulates), NaN
// and ±Inf are gaps, and the y axis runs from 0 to top, or when top is NaN
// to a little above the highest value, in round steps. Lines are plain
// text, chartGutterW + width cells each; nil when there is nothing to plot.
func plotLines(series []float64, width, rows int, top float64, label func(float64) string) []string {
	if width < 2 || rows < 2 {
		return nil
	}
	col := make([]float64, width)
	pad := width - len(series)
	highest, seen := math.Inf(-1), false
	for i := range col {
		v := math.NaN()
		if i >= pad && i-pad < len(series) {
			v = series[i-pad]
		}
		if math.IsInf(v, 0) || v < 0 {
			v = math.NaN()
		}
		if !math.IsNaN(v) {
			seen = true
			highest = max(highest, v)
		}
		col[i] = v
	}
	if !seen {
		return nil
	}
	if math.IsNaN(top) {
		// A round step per row gives round labels (0, 250, 500, …).
		top = max(niceCeil(highest*1.05/float64(rows-1)), 0.2) * float64(rows-1)
	}
	out := asciigraph.Plot(col,
		asciigraph.Height(rows-1), // asciigraph draws Height+1 rows
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(top),
		asciigraph.Offset(chartOffset),
		asciigraph.YAxisValueFormatter(func(v float64) string { return padLeft(label(v), labelW) }),
	)
	lines := strings.Split(out, "\n")
	full := width + chartGutterW
	for i, l := range lines {
		r := []rune(l)
		switch {
		case len(r) < full:
			lines[i] = l + strings.Repeat(" ", full-len(r))
		case len(r) > full:
			lines[i] = string(r[:full])
		}
	}
	return lines
}

// niceCeil rounds up to a round number (1, 1.2, 1.5, 2, 2.5, … × 10ⁿ), so the axis labels
// are round numbers and the scale does not twitch with every sample.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
