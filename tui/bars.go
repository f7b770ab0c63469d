package tui

import (
	"math"
	"strings"

	"partop/engine"
)

// Thresholds for calling a partition's load uneven, as a ratio of its share
// to the fair share. Under-loaded is the engine's settling rule, so a bar's
// colour and a new partition's mark agree.
const (
	underLoaded = engine.BalancedShare // below this a partition is under-loaded
	overLoaded  = 1.25                 // above this a partition is over-loaded
)

var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// shareBar draws a partition's share against the fair share in width cells.
// The fair share is a tick in the middle: the left half fills up to it
// (what is missing shows as dots), the right half shows the excess up to
// twice the fair share (and an arrow beyond). So an under-loaded partition
// has dots before the tick and an over-loaded one has shading after it,
// with or without colour.
func shareBar(share, fair float64, width int, st *tablePaints) string {
	if width < 3 {
		return strings.Repeat(" ", max(width, 0))
	}
	left := (width - 1) / 2
	right := width - 1 - left
	r := 0.0
	if fair > 0 && share > 0 && !math.IsNaN(share) {
		r = share / fair
	}
	var b strings.Builder
	b.Grow(width * 4)

	// Left half: 0 to fair share, in eighths of a cell.
	eighthsFilled := int(math.Round(min(r, 1) * float64(left*8)))
	if r > 0 && eighthsFilled == 0 {
		eighthsFilled = 1 // anything at all is visible
	}
	full, part := eighthsFilled/8, eighthsFilled%8
	fill := strings.Repeat("█", full) + eighths[part]
	cells := full
	if part > 0 {
		cells++
	}
	fillStyle := st.barEven
	if r < underLoaded {
		fillStyle = st.barUnder
	}
	b.WriteString(fillStyle.on(fill))
	b.WriteString(st.barTick.on(strings.Repeat("·", left-cells) + "│"))

	// Right half: the excess over fair share, up to 2×.
	if r > 1 {
		n := int(math.Round(min(r-1, 1) * float64(right)))
		over := strings.Repeat("▓", n)
		if r > 2 && n > 0 {
			over = strings.Repeat("▓", n-1) + "▶"
		}
		overStyle := st.barEven
		if r > overLoaded {
			overStyle = st.barOver
		}
		b.WriteString(overStyle.on(over))
		b.WriteString(strings.Repeat(" ", right-n))
	} else {
		b.WriteString(strings.Repeat(" ", right))
	}
	return b.String()
}

var levels = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the history (oldest first) in width cells, newest at the
// right, scaled to top so rows compare with each other. Zero is blank: an
// idle partition shows nothing, a slow one a low bar.
func sparkline(hist []float32, width int, top float64) string {
	if width <= 0 {
		return ""
	}
	vals := downsample(hist, width)
	out := make([]rune, width)
	pad := width - len(vals)
	for i := range pad {
		out[i] = ' '
	}
	for i, v := range vals {
		out[pad+i] = level(v, top)
	}
	return string(out)
}

func level(v, top float64) rune {
	if math.IsNaN(v) || v <= 0 || top <= 0 {
		return ' '
	}
	l := int(math.Ceil(v / top * float64(len(levels))))
	return levels[min(max(l, 1), len(levels))-1]
}

// downsample averages values into at most n buckets, keeping their order;
// NaNs are skipped, and a bucket of only NaNs stays NaN. Averaging (rather
// than picking every k-th sample) keeps short bursts from flickering in
// and out of view as the history shifts.
func downsample[T float32 | float64](values []T, n int) []float64 {
	if n <= 0 {
		return nil
	}
	if len(values) <= n {
		out := make([]float64, len(values))
		for i, v := range values {
			out[i] = float64(v)
		}
		return out
	}
	out := make([]float64, n)
	for i := range n {
		lo, hi := i*len(values)/n, (i+1)*len(values)/n
		var sum float64
		var k int
		for _, v := range values[lo:hi] {
			if f := float64(v); !math.IsNaN(f) {
				sum += f
				k++
			}
		}
		if k == 0 {
			out[i] = math.NaN()
		} else {
			out[i] = sum / float64(k)
		}
	}
	return out
}
