package tui

import (
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"partop/engine"
	"partop/stats"
)

// TestPlotGuards feeds asciigraph the series that break it raw.
func TestPlotGuards(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		series []float64
		empty  bool
	}{
		{"empty", nil, true},
		{"all NaN", []float64{nan, nan, nan}, true},
		{"Inf and negative", []float64{math.Inf(1), -1, math.Inf(-1)}, true},
		{"one value", []float64{5}, false},
		{"constant", []float64{7, 7, 7, 7, 7}, false},
		{"all zero", []float64{0, 0, 0}, false},
		{"NaN holes", []float64{nan, 3, nan, 4, 5}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := plotLines(tc.series, 30, 6, nan, compact)
			if tc.empty {
				if lines != nil {
					t.Fatalf("nothing to plot, got:\n%s", strings.Join(lines, "\n"))
				}
				return
			}
			if len(lines) != 6 {
				t.Fatalf("%d rows, want 6 (a constant series must not collapse):\n%s", len(lines), strings.Join(lines, "\n"))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w != 30+chartGutterW {
					t.Fatalf("line width %d, want %d: %q", w, 30+chartGutterW, l)
				}
				if strings.Contains(l, "NaN") || strings.Contains(l, "Inf") {
					t.Fatalf("garbage label: %q", l)
				}
			}
		})
	}
}

// TestChartGutterIsFixed: the plot starts in the same column whatever the
// magnitude of the rates, so the chart does not jump sideways.
func TestChartGutterIsFixed(t *testing.T) {
	for _, top := range []float64{0.5, 9, 999, 1000, 123456, 9.9e6} {
		lines := plotLines([]float64{0, top / 2, top}, 20, 5, math.NaN(), compact)
		for _, l := range lines {
			if i := strings.IndexAny(l, "┤┼"); i != labelW+1 {
				t.Fatalf("top %g: axis at byte %d, want %d: %q", top, i, labelW+1, l)
			}
		}
	}
}

// TestChartWithoutData shows a line instead of an empty or broken plot.
func TestChartWithoutData(t *testing.T) {
	st := DefaultStyles(true)
	snap := stats.Snapshot{Partitions: []stats.Partition{{ID: 0}, {ID: 1}}}
	lines := chart(&snap, nil, 80, 8, 250e6, &st)
	if len(lines) != 2 || !strings.Contains(ansi.Strip(lines[1]), "waiting for the first samples") {
		t.Fatalf("chart without samples: %q", lines)
	}
}

// TestChartTellsTheExpansion plays a 4 → 8 expansion through a real
// sampler: balance is even before, drops when the idle partitions appear,
// and recovers once the producer uses them; the expansion is marked in the
// column where it happened, in both plots.
func TestChartTellsTheExpansion(t *testing.T) {
	grow := testStart.Add(60 * time.Second)
	snap := simulate(4, 8, grow, func(p int, at time.Time) float64 {
		pickup := grow.Add(20 * time.Second) // the new partitions idle for 20 s
		switch {
		case at.Before(pickup) && p >= 4:
			return 0
		case at.Before(pickup):
			return 250
		}
		return 125
	})
	b := snap.BalanceHistory
	at := func(d time.Duration) float64 { // balance d after the start of the history
		i := sort.Search(len(snap.HistoryTimes), func(i int) bool { return snap.HistoryTimes[i] >= testStart.Add(d).UnixNano() })
		return b[i]
	}
	if v := at(50 * time.Second); v < 0.99 {
		t.Fatalf("balance before the expansion = %v, want 1 (4 even partitions)", v)
	}
	if v := at(75 * time.Second); v > 0.51 {
		t.Fatalf("balance with 4 of 8 idle = %v, want 0.5", v)
	}
	if v := at(110 * time.Second); v < 0.99 {
		t.Fatalf("balance after pickup = %v, want it back at 1", v)
	}

	st := DefaultStyles(true)
	ev := []engine.Event{{Kind: engine.KindExpansion, From: 4, To: 8, Created: grow, Seen: grow}}
	lines := chart(&snap, ev, 80, 16, testTick, &st)
	plain := make([]string, len(lines))
	for i, l := range lines {
		plain[i] = ansi.Strip(l)
	}
	if !strings.Contains(plain[0], "RATE/s") || !strings.Contains(strings.Join(plain, "\n"), "BALANCE, Jain over 5s") {
		t.Fatalf("titles missing:\n%s", strings.Join(plain, "\n"))
	}
	// 492 samples in 72 columns: the expansion, 60 s into 123 s, is near
	// column 60/123 of the plot.
	plotW := 80 - chartGutterW
	want := markColumns(snap.HistoryTimes, ev, plotW)
	if len(want) != 1 || math.Abs(float64(want[0])-float64(plotW)*60/123) > 1.5 {
		t.Fatalf("mark column %v, want about %d", want, plotW*60/123)
	}
	marked := 0
	for _, l := range plain[1:] {
		if r := []rune(l); len(r) > chartGutterW+want[0] && r[chartGutterW+want[0]] == markRune {
			marked++
		}
	}
	if marked < 10 { // every blank cell of the column, in both plots

		t.Fatalf("only %d rows carry the mark at column %d:\n%s", marked, want[0], strings.Join(plain, "\n"))
	}
}

func TestFormats(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 7: "7", 7.26: "7.3", 999: "999", 999.6: "1.00k", 1250: "1.25k", 12500: "12.5k", 125000: "125k", 1.25e6: "1.25M", math.NaN(): "0"} {
		if got := compact(v); got != want {
			t.Errorf("compact(%v) = %q, want %q", v, got, want)
		}
	}
	// Shares keep three significant digits: at 1,000+ partitions 0.10%
	// and 0.05% must read differently.
	for v, want := range map[float64]string{0: "0%", 0.125: "12.5%", 0.0125: "1.25%", 0.001: "0.10%", 0.0005: "0.050%", 0.00012: "0.012%", 1: "100%"} {
		if got := percent(v); got != want {
			t.Errorf("percent(%v) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{0: "0", 999: "999", 1204: "1,204", 1234567: "1,234,567"} {
		if got := stats.Grouped(v); got != want {
			t.Errorf("stats.Grouped(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestShareBar: under-loaded shows dots before the tick, over-loaded
// shading after it, beyond 2× an arrow; the tick is always there.
func TestShareBar(t *testing.T) {
	st := DefaultStyles(true)
	paints := st.tablePaints()
	for _, tc := range []struct {
		share float64
		want  string
	}{
		{0, "·····│     "},
		{0.125, "█████│     "},
		{0.0625, "██▌··│     "},
		{0.1875, "█████│▓▓▓  "},
		{0.5, "█████│▓▓▓▓▶"},
	} {
		if got := ansi.Strip(shareBar(tc.share, 0.125, 11, &paints)); got != tc.want {
			t.Errorf("share %v: %q, want %q", tc.share, got, tc.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	if got := sparkline([]float32{0, 1, 2, 4}, 6, 4); got != "   ▂▄█" {
		t.Errorf("short history: %q", got)
	}
	hist := make([]float32, 240)
	for i := range hist {
		hist[i] = float32(i / 60) // 0,1,2,3 in four blocks
	}
	if got := sparkline(hist, 4, 3); got != " ▃▆█" {
		t.Errorf("downsampled: %q", got)
	}
}

// TestMarkOnTheStep: the ┊ of an expansion sits in the column where the
// balance line steps down (asciigraph draws a step in the earlier value's
// column), whether the history is shorter than the plot or bucketed.
func TestMarkOnTheStep(t *testing.T) {
	const width, height = 80, 16
	plotW := width - chartGutterW
	for _, tc := range []struct {
		name     string
		n, after int // samples, and the first sample after the expansion
	}{
		{"short history", 30, 17},
		{"bucketed, step on a bucket edge", 720, 360},
		{"bucketed, step inside a bucket", 500, 253},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := stats.Snapshot{Config: stats.Config{BalanceWindow: 5 * time.Second}, Rate: 1000}
			for i := range tc.n {
				snap.HistoryTimes = append(snap.HistoryTimes, testStart.Add(time.Duration(i)*time.Second).UnixNano())
				snap.TotalHistory = append(snap.TotalHistory, 1000)
				snap.BalanceHistory = append(snap.BalanceHistory, map[bool]float64{true: 1, false: 0.25}[i < tc.after])
			}
			grow := testStart.Add(time.Duration(tc.after)*time.Second - 500*time.Millisecond)
			ev := []engine.Event{{Kind: engine.KindExpansion, From: 4, To: 16, Created: grow, Seen: grow}}
			st := DefaultStyles(true)
			lines := chart(&snap, ev, width, height, time.Second, &st)
			marks := markColumns(snap.HistoryTimes, ev, plotW)
			step := -1
			for _, l := range lines {
				r := []rune(ansi.Strip(l))
				for c := chartGutterW; c < len(r) && step < 0; c++ {
					if r[c] == '╮' {
						step = c - chartGutterW
					}
				}
			}
			if len(marks) != 1 || step < 0 || marks[0] != step {
				var plain []string
				for _, l := range lines {
					plain = append(plain, ansi.Strip(l))
				}
				t.Fatalf("mark in column %v, the balance steps down in column %d:\n%s", marks, step, strings.Join(plain, "\n"))
			}
		})
	}
}
