package tui

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"partop/stats"
)

// compact renders a count or a rate in at most 5 characters: 7, 12.5,
// 999, 1.25k, 12.5k, 125k, 1.25M. Table columns stay aligned whatever the
// magnitude.
func compact(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return "0"
	}
	if v < 10 && v != math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	units := []string{"", "k", "M", "G", "T"}
	u := 0
	for v >= 999.5 && u < len(units)-1 {
		v /= 1000
		u++
	}
	switch {
	case u == 0:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v < 9.995:
		return strconv.FormatFloat(v, 'f', 2, 64) + units[u]
	case v < 99.95:
		return strconv.FormatFloat(v, 'f', 1, 64) + units[u]
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + units[u]
}

// percent renders a share with three significant digits, so 0.10% and
// 0.05% stay apart at thousands of partitions: 12.5%, 1.25%, 0.050%.
func percent(share float64) string {
	if math.IsNaN(share) || share <= 0 {
		return "0%"
	}
	if share >= 0.9995 {
		return "100%"
	}
	pct := share * 100
	digits := 1
	switch {
	case pct < 0.0995:
		digits = 3
	case pct < 9.995:
		digits = 2
	}
	return strconv.FormatFloat(pct, 'f', digits, 64) + "%"
}

// millis renders a latency in milliseconds, the unit operators compare
// pickup times in: 0.4 ms, 18 ms, 1,204 ms.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return stats.Grouped(ms) + " ms"
}

// uptime renders a duration to the second: 45s, 2m03s, 1h02m03s.
func uptime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	h, m, sec := s/3600, s/60%60, s%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, sec)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, sec)
	}
	return fmt.Sprintf("%ds", sec)
}

// span renders a window length for column and chart titles: 30s, 1m, 5m.
func span(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%.1fm", d.Minutes())
	}
	return fmt.Sprintf("%ds", int64(math.Round(d.Seconds())))
}

// seconds renders a longer span with one decimal: 5.2 s.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(max(d.Seconds(), 0), 'f', 1, 64) + " s"
}
