package stats

import (
	"math"
	"strconv"
)

// FormatRate renders a rate for people, the one way every view writes it:
// "1,204/s".
func FormatRate(r float64) string { return Grouped(r) + "/s" }

// Grouped renders a number rounded to a whole one with thousands
// separators: 1,204.
func Grouped(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "?"
	}
	s := strconv.FormatFloat(math.Round(math.Abs(v)), 'f', 0, 64)
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if v < 0 && s != "0" {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
