package tui

import (
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"

	"partop/stats"
)

// TestPlotGuards feeds asciigraph the series that break it raw.
func TestPlotGuards(t *testing.T) {
	nan := math.NaN()
	colors := []asciigraph.AnsiColor{asciigraph.Default}
	chars := []asciigraph.CharSet{asciigraph.DefaultCharSet}
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
			lines := plotLines([][]float64{tc.series}, 30, 6, colors, chars)
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
	colors := []asciigraph.AnsiColor{asciigraph.Default}
	chars := []asciigraph.CharSet{asciigraph.DefaultCharSet}
	for _, top := range []float64{0.5, 9, 999, 1000, 123456, 9.9e6} {
		lines := plotLines([][]float64{{0, top / 2, top}}, 20, 5, colors, chars)
		for _, l := range lines {
			plain := ansi.Strip(l)
			if i := strings.IndexAny(plain, "┤┼"); i != labelW+1 {
				t.Fatalf("top %g: axis at byte %d, want %d: %q", top, i, labelW+1, plain)
			}
		}
	}
}

// TestChartWithoutData shows a line instead of an empty or broken plot.
func TestChartWithoutData(t *testing.T) {
	st := DefaultStyles(true)
	snap := stats.Snapshot{Partitions: []stats.Partition{{ID: 0}, {ID: 1}}}
	lines := chart(&snap, 80, 8, 250e6, &st)
	if len(lines) != 2 || !strings.Contains(ansi.Strip(lines[1]), "waiting for the first samples") {
		t.Fatalf("chart without samples: %q", lines)
	}
}

func TestFormats(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 7: "7", 7.26: "7.3", 999: "999", 999.6: "1.00k", 1250: "1.25k", 12500: "12.5k", 125000: "125k", 1.25e6: "1.25M", math.NaN(): "0"} {
		if got := compact(v); got != want {
			t.Errorf("compact(%v) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[float64]string{0: "0", 999: "999", 1204: "1,204", 1234567: "1,234,567"} {
		if got := grouped(v); got != want {
			t.Errorf("grouped(%v) = %q, want %q", v, got, want)
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
