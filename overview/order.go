package overview

import (
	"cmp"
	"slices"
	"strings"
)

// Order is how the topics view sorts its rows.
type Order int

// The orders, the first the default: Uneven puts first the topics where
// the most records/s would have to move for an even spread, so a busy
// skewed topic comes before a quiet one and an idle topic never leads
// however uneven; ties (all even, or idle) go by rate.
const (
	ByUneven Order = iota
	ByRate
	ByJain // least even first, idle topics last
	ByPartitions
	ByName
	Orders // how many there are
)

func (o Order) String() string {
	return [...]string{"uneven", "rate", "jain", "partitions", "name"}[o]
}

// Rows are the indexes into s.Topics of the rows to show, in order o:
// internal topics only when internal is set, and only those whose name
// contains filter (any case).
func (s *Snapshot) Rows(o Order, filter string, internal bool) []int {
	filter = strings.ToLower(filter)
	out := make([]int, 0, len(s.Topics))
	for i := range s.Topics {
		t := &s.Topics[i]
		if (t.Internal && !internal) || (filter != "" && !strings.Contains(strings.ToLower(t.Name), filter)) {
			continue
		}
		out = append(out, i)
	}
	ts := s.Topics
	desc := func(a, b float64) int { return cmp.Compare(b, a) }
	byName := func(a, b int) int { return strings.Compare(ts[a].Name, ts[b].Name) }
	var f func(a, b int) int
	switch o {
	case ByUneven:
		f = func(a, b int) int { return cmp.Or(desc(ts[a].Uneven, ts[b].Uneven), desc(ts[a].Rate, ts[b].Rate)) }
	case ByRate:
		f = func(a, b int) int { return desc(ts[a].Rate, ts[b].Rate) }
	case ByJain:
		jain := func(t *TopicRow) float64 {
			if t.Rate <= 0 {
				return 2 // idle: after every topic with traffic
			}
			return t.Balance.Jain
		}
		f = func(a, b int) int { return cmp.Compare(jain(&ts[a]), jain(&ts[b])) }
	case ByPartitions:
		f = func(a, b int) int { return cmp.Compare(ts[b].Partitions, ts[a].Partitions) }
	default:
		f = func(int, int) int { return 0 }
	}
	slices.SortStableFunc(out, func(a, b int) int { return cmp.Or(f(a, b), byName(a, b)) })
	return out
}
