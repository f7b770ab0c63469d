package engine

import "partop/stats"

// FormatTarget renders a target rate for people: "1,000/s", or
// "unlimited" for 0.
func FormatTarget(r float64) string {
	if r <= 0 {
		return "unlimited"
	}
	return stats.FormatRate(r)
}
