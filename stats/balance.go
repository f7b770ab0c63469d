package stats

import "math"

// Balance describes how evenly load is spread over a topic's partitions.
type Balance struct {
	Partitions int     // partitions considered
	FairShare  float64 // 1/Partitions: what each would carry if perfectly balanced
	// Jain is Jain's fairness index, (Σx)² / (n·Σx²): 1 when every partition
	// carries the same rate, 1/n when one carries everything. 0 when nothing
	// was sent (undefined).
	Jain float64
	// MaxMean is the busiest partition's rate over the mean rate: 1 is
	// perfect, n means one partition does all the work. 0 when idle.
	MaxMean float64
	// CV is the coefficient of variation (population stddev / mean): 0 is
	// perfect. 0 when idle.
	CV float64
	// Idle counts partitions that received nothing in the window.
	Idle int
}

// BalanceOf computes balance figures from per-partition rates.
func BalanceOf(rates []float64) Balance {
	n := len(rates)
	b := Balance{Partitions: n}
	if n == 0 {
		return b
	}
	b.FairShare = 1 / float64(n)
	var sum, sumSq, max float64
	for _, r := range rates {
		if r <= 0 {
			b.Idle++
		}
		sum += r
		sumSq += r * r
		if r > max {
			max = r
		}
	}
	if sum <= 0 {
		return b
	}
	mean := sum / float64(n)
	b.Jain = sum * sum / (float64(n) * sumSq)
	b.MaxMean = max / mean
	variance := sumSq/float64(n) - mean*mean
	if variance < 0 { // rounding on a perfectly even spread
		variance = 0
	}
	b.CV = math.Sqrt(variance) / mean
	return b
}
