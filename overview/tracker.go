package overview

import (
	"time"

	"partop/stats"
)

// Tracker turns censuses into Snapshots: each partition's records/s is how
// far its end offset moved since the census before, over the time
// between them. Memory is one end offset per partition. One goroutine
// owns it (the Watcher's): it takes no lock.
type Tracker struct {
	prev      map[string][]int64 // end offsets by topic and partition as of prevAt; -1: not known
	prevAt    time.Time
	expansion map[string]Expansion // the latest expansion seen, by topic
	polls     int
}

// Expansion is a topic's partition count going up between two censuses.
type Expansion struct {
	From, To int
	// After is the census that still saw From partitions, By the first
	// that saw To: the partitions were added in between.
	After, By time.Time
}

// NewTracker returns a tracker that has seen nothing yet.
func NewTracker() *Tracker {
	return &Tracker{prev: map[string][]int64{}, expansion: map[string]Expansion{}}
}

// Take reads census c and returns the cluster's figures as of it. The
// first census gives partitions and placement but no rates (Rated is
// false); each later one gives the rates since the one before. A topic or
// partition that appeared since then counts from offset 0: its records
// were all written since.
func (t *Tracker) Take(c Census) Snapshot {
	s := Snapshot{At: c.At, Partial: c.Partial, Rated: t.polls > 0}
	dt := c.At.Sub(t.prevAt).Seconds()
	if s.Rated {
		s.Interval = c.At.Sub(t.prevAt)
	}
	if dt <= 0 {
		s.Rated = false
	}
	next := make(map[string][]int64, len(c.Topics))
	s.Topics = make([]TopicRow, 0, len(c.Topics))
	for _, tp := range c.Topics {
		prev, seen := t.prev[tp.Name]
		row := TopicRow{Name: tp.Name, Internal: tp.Internal, Partitions: len(tp.Partitions)}
		row.Leaders = make([]int32, len(tp.Partitions))
		row.Rates = make([]float64, len(tp.Partitions))
		ends := make([]int64, len(tp.Partitions))
		for i, p := range tp.Partitions {
			row.Leaders[i] = p.Leader
			ends[i] = p.End
			var before int64 // a partition new since the last census: from 0
			switch {
			case i < len(prev):
				before = prev[i]
			case !seen && t.polls == 0:
				before = -1 // the first census: no rate
			}
			switch {
			case p.End < 0:
				row.Unanswered++
				if i < len(prev) {
					ends[i] = prev[i] // keep the last known end for the next look
				}
			case before < 0 || !s.Rated:
			case p.End < before: // truncated or recreated: start over
			default:
				row.Rates[i] = float64(p.End-before) / dt
			}
			row.Rate += row.Rates[i]
			row.Records += max(ends[i], 0) // a partition not answered counts its last known end
		}
		if seen && len(tp.Partitions) > len(prev) && len(prev) > 0 {
			t.expansion[tp.Name] = Expansion{From: len(prev), To: len(tp.Partitions), After: t.prevAt, By: c.At}
		}
		if e, ok := t.expansion[tp.Name]; ok && e.To <= len(tp.Partitions) {
			row.Expansion = &e
			for i := e.From; i < e.To; i++ {
				if tp.Partitions[i].End == 0 {
					row.NewUnused++
				}
			}
		}
		row.Balance = stats.BalanceOf(row.Rates)
		row.Uneven = uneven(row.Rates, row.Rate)
		next[tp.Name] = ends
		s.Topics = append(s.Topics, row)
	}
	s.Brokers = brokerRows(c.Brokers, c.Topics, s.Topics)
	if c.Groups != nil {
		s.Grouped = true
		groupLags(c.Groups, s.Topics, next)
	}
	for name := range t.expansion {
		if _, ok := next[name]; !ok {
			delete(t.expansion, name) // deleted topics take their history with them
		}
	}
	t.prev, t.prevAt = next, c.At
	t.polls++
	return s
}

// groupLags gives each topic its groups with commits and the largest lag
// among them, from the end offsets of this census (ends, by topic).
func groupLags(groups []GroupCommits, rows []TopicRow, ends map[string][]int64) {
	idx := make(map[string]int, len(rows))
	for i := range rows {
		idx[rows[i].Name] = i
	}
	for _, g := range groups {
		for topic, commits := range g.Commits {
			i, ok := idx[topic]
			if !ok {
				continue // committed on a topic deleted since
			}
			e := ends[topic]
			var lag int64
			for p, off := range commits {
				if int(p) < len(e) && e[p] >= 0 {
					lag += max(e[p]-off, 0)
				}
			}
			r := &rows[i]
			r.Groups++
			if lag > r.Lag || r.LagGroup == "" {
				r.Lag, r.LagGroup = lag, g.Group
			}
		}
	}
}

// uneven is how many records/s the partitions above the mean carry over
// it: what would have to move for an even spread (half the L1 distance
// from even). It is the topics view's first sort: it is 0 for an even
// topic and for an idle one however uneven, and grows with both the skew
// and the traffic, so a busy skewed topic comes before a quiet one.
func uneven(rates []float64, total float64) float64 {
	if len(rates) == 0 || total <= 0 {
		return 0
	}
	mean := total / float64(len(rates))
	var over float64
	for _, r := range rates {
		if r > mean {
			over += r - mean
		}
	}
	return over
}

// brokerRows are the brokers' leaders, replicas and the records/s of the
// partitions they lead, over every topic.
func brokerRows(brokers []Broker, topics []Topic, rows []TopicRow) []BrokerRow {
	t := newTally(brokers)
	for ti, tp := range topics {
		for pi, p := range tp.Partitions {
			t.partition(p.Leader, p.Replicas, rows[ti].Rates[pi])
		}
	}
	return t.rows()
}
