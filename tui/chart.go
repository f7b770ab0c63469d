package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"

	"partop/stats"
)

// Chart gutter: y labels are always labelW cells, so the plot does not
// shift sideways when the rate crosses 999 or 9.99k.
const (
	labelW       = 6
	chartOffset  = 2                // asciigraph's offset: one cell between label and axis
	chartGutterW = labelW + 1 + 1   // label, its leading pad, the axis
	minChartW    = chartGutterW + 8 // below this there is nothing to see
)

// chart renders the total rate over the kept history with the busiest and
// the quietest partition's rates as extra lines, in width × height cells
// (a title line and the plot).
func chart(snap *stats.Snapshot, width, height int, tick time.Duration, st *Styles) []string {
	if height < 3 || width < minChartW {
		return nil
	}
	plotW := width - chartGutterW
	total := snap.TotalHistory
	busy, quiet := extremes(snap)

	// Partition histories cover the last len(History) samples of the
	// total's timeline: align them to its right end, NaN before.
	align := func(p int) []float64 {
		h := snap.Partitions[p].History
		out := make([]float64, max(len(total), len(h)))
		for i := range out {
			out[i] = math.NaN()
		}
		for i, v := range h {
			out[len(out)-len(h)+i] = float64(v)
		}
		return downsample(out, plotW)
	}
	totalCols := downsample(total, plotW)
	title := fmt.Sprintf("RATE/s, LAST %s   ── total %s/s", span(time.Duration(len(total))*tick), compact(snap.Rate))
	var series [][]float64
	var colors []asciigraph.AnsiColor
	var chars []asciigraph.CharSet
	if busy >= 0 {
		series = append(series, align(busy))
		colors = append(colors, st.ChartBusiest)
		chars = append(chars, asciigraph.CreateCharSet("*"))
		title += fmt.Sprintf("   ** busiest p%d %s/s", busy, compact(snap.Partitions[busy].Rate))
	}
	if quiet >= 0 {
		series = append(series, align(quiet))
		colors = append(colors, st.ChartQuietest)
		chars = append(chars, asciigraph.CreateCharSet("o"))
		title += fmt.Sprintf("   oo quietest p%d %s/s", quiet, compact(snap.Partitions[quiet].Rate))
	}
	// The total goes last so it is drawn on top.
	series = append(series, totalCols)
	colors = append(colors, st.ChartTotal)
	chars = append(chars, asciigraph.DefaultCharSet)

	lines := []string{st.Title.Render(fitText(title, width))}
	plot := plotLines(series, plotW, height-1, colors, chars)
	if plot == nil {
		return append(lines, st.Muted.Render(fitText("  waiting for the first samples…", width)))
	}
	return append(lines, plot...)
}

// plotLines guards asciigraph's traps: it panics on an empty series, prints
// garbage labels when every value is NaN, collapses a constant series to one
// row, and sizes its gutter from the values. Series are right-aligned to
// width columns (the plot grows from the right as history accumulates),
// NaN and ±Inf are gaps, and the y axis runs from 0 to a little above the
// highest value, in round steps.
func plotLines(series [][]float64, width, rows int, colors []asciigraph.AnsiColor, chars []asciigraph.CharSet) []string {
	if width < 2 || rows < 2 {
		return nil
	}
	top := math.Inf(-1)
	data := make([][]float64, 0, len(series))
	for _, s := range series {
		col := make([]float64, width)
		pad := width - len(s)
		seen := false
		for i := range col {
			v := math.NaN()
			if i >= pad {
				v = s[i-pad]
			}
			if math.IsInf(v, 0) || v < 0 {
				v = math.NaN()
			}
			if !math.IsNaN(v) {
				seen = true
				top = max(top, v)
			}
			col[i] = v
		}
		if seen {
			data = append(data, col)
		} else {
			// Keep the colour and charset of the series that remain in step.
			colors, chars = dropAt(colors, len(data)), dropAt(chars, len(data))
		}
	}
	if len(data) == 0 {
		return nil
	}
	// A round step per row gives round labels (0, 250, 500, …).
	upper := max(niceCeil(top*1.05/float64(rows-1)), 0.2) * float64(rows-1)
	out := asciigraph.PlotMany(data,
		asciigraph.Height(rows-1), // asciigraph draws Height+1 rows
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(upper),
		asciigraph.Offset(chartOffset),
		asciigraph.YAxisValueFormatter(func(v float64) string { return padLeft(compact(v), labelW) }),
		asciigraph.SeriesColors(colors...),
		asciigraph.SeriesChars(chars...),
	)
	lines := strings.Split(out, "\n")
	full := width + chartGutterW
	for i, l := range lines {
		if w := ansi.StringWidth(l); w < full {
			lines[i] = l + strings.Repeat(" ", full-w)
		} else if w > full {
			lines[i] = ansi.Truncate(l, full, "")
		}
	}
	return lines
}

func dropAt[T any](s []T, i int) []T {
	if i >= len(s) {
		return s
	}
	return append(s[:i:i], s[i+1:]...)
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

// extremes picks the busiest and the quietest partition by share (lowest id
// on ties); -1 when there is nothing to tell apart.
func extremes(snap *stats.Snapshot) (busy, quiet int) {
	busy, quiet = -1, -1
	if len(snap.Partitions) < 2 {
		return busy, quiet
	}
	busy, quiet = 0, 0
	for i, p := range snap.Partitions {
		if p.Share > snap.Partitions[busy].Share {
			busy = i
		}
		if p.Share < snap.Partitions[quiet].Share {
			quiet = i
		}
	}
	if snap.Partitions[busy].Share == snap.Partitions[quiet].Share {
		return -1, -1 // all equal: the total says it all
	}
	return busy, quiet
}
