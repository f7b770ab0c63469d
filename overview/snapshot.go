package overview

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"partop/stats"
)

// Snapshot is the cluster as of one census: a value the Watcher publishes
// and views read without a lock (never changed once published).
type Snapshot struct {
	At       time.Time     // the census's time; zero before the first
	Interval time.Duration // since the census before: what the rates cover
	Rated    bool          // rates are known: two censuses were taken
	Polls    int           // censuses taken
	Took     time.Duration // how long the latest census took
	Err      string        // why the latest census failed ("" if it did not); the figures are the last good ones
	Partial  string        // what the latest census missed, or ""
	Grouped  bool          // the census looked at consumer groups (TopicRow.Groups and Lag mean something)
	Topics   []TopicRow    // by name
	Brokers  []BrokerRow   // by id
}

// TopicRow is one topic's figures.
type TopicRow struct {
	Name       string
	Internal   bool
	Partitions int
	Rate       float64       // records/s over the interval, every partition's sum
	Records    int64         // the partitions' end offsets added up: records written, a counter (it drops only when a log is truncated or the topic recreated)
	Balance    stats.Balance // over the partitions' rates
	// Uneven is the records/s the partitions above the mean carry over
	// it: what would have to move for an even spread.
	Uneven float64
	// Expansion is the latest partition-count rise seen since partop
	// started (nil: none); NewUnused, of the partitions it added, those
	// that hold no record yet.
	Expansion  *Expansion
	NewUnused  int
	Unanswered int // partitions whose end offset the census lacks
	// Groups are the consumer groups with commits on the topic; Lag the
	// largest of their lags (records between a partition's commit and its
	// end, over the partitions the group committed on), LagGroup whose.
	Groups   int
	Lag      int64
	LagGroup string
	// By partition id: its leader (-1: none) and records/s.
	Leaders []int32
	Rates   []float64
}

// BrokerRow is one broker's part of the cluster (or of a topic).
type BrokerRow struct {
	ID                int32
	Rack              string
	Leaders, Replicas int
	Rate              float64 // records/s of the partitions it leads
	Share, FairShare  float64 // of the records/s of all the partitions (the topic's, for TopicBrokers); 1 / brokers
}

// Topic returns the row of the topic named name.
func (s *Snapshot) Topic(name string) (TopicRow, bool) {
	i, ok := slices.BinarySearchFunc(s.Topics, name, func(r TopicRow, n string) int { return strings.Compare(r.Name, n) })
	if !ok {
		return TopicRow{}, false
	}
	return s.Topics[i], true
}

// BrokersOf is BrokerRow for one topic from what its dashboard knows:
// the cluster's brokers, each partition's leader and replicas, and its
// records/s (by partition id). A leader or replica not among brokers (a
// broker the metadata no longer lists) is counted under its own row.
func BrokersOf(brokers []Broker, leaders []int32, replicas [][]int32, rates []float64) []BrokerRow {
	out := make([]BrokerRow, 0, len(brokers))
	idx := make(map[int32]int, len(brokers))
	row := func(id int32, rack string) int {
		i, ok := idx[id]
		if !ok {
			i = len(out)
			idx[id] = i
			out = append(out, BrokerRow{ID: id, Rack: rack})
		}
		return i
	}
	for _, b := range brokers {
		row(b.ID, b.Rack)
	}
	var total float64
	for p, l := range leaders {
		if l < 0 {
			continue
		}
		i := row(l, "")
		out[i].Leaders++
		if p < len(rates) {
			out[i].Rate += rates[p]
			total += rates[p]
		}
	}
	for _, rs := range replicas {
		for _, r := range rs {
			out[row(r, "")].Replicas++
		}
	}
	slices.SortFunc(out, func(a, b BrokerRow) int { return int(a.ID - b.ID) })
	for i := range out {
		out[i].FairShare = 1 / float64(len(out))
		if total > 0 {
			out[i].Share = out[i].Rate / total
		}
	}
	return out
}

// TopicBrokers is BrokerRow for one topic: each broker's leaders of the
// topic's partitions and the records/s they carry (replicas are not
// counted: the census keeps them for the cluster's rows only).
func (s *Snapshot) TopicBrokers(name string) []BrokerRow {
	t, ok := s.Topic(name)
	if !ok {
		return nil
	}
	out := make([]BrokerRow, len(s.Brokers))
	idx := make(map[int32]int, len(s.Brokers))
	for i, b := range s.Brokers {
		out[i] = BrokerRow{ID: b.ID, Rack: b.Rack, FairShare: 1 / float64(len(s.Brokers))}
		idx[b.ID] = i
	}
	for p, l := range t.Leaders {
		if i, ok := idx[l]; ok {
			out[i].Leaders++
			out[i].Rate += t.Rates[p]
		}
	}
	for i := range out {
		if t.Rate > 0 {
			out[i].Share = out[i].Rate / t.Rate
		}
	}
	return out
}

// NewLeaders says where the leaders of the partitions the latest
// expansion added went, most first: "4 new: broker 2 ×3, broker 0 ×1";
// unevenly is true when one broker got more than its even part (rounded
// up): 3 of 4 on one of three brokers is, 2, 1 and 1 is not.
func (r *TopicRow) NewLeaders(brokers int) (text string, unevenly bool) {
	e := r.Expansion
	if e == nil {
		return "", false
	}
	return NewLeaders(r.Leaders, e.From, e.To, brokers)
}

// NewLeaders says where the leaders of partitions from to to-1 are (see
// TopicRow.NewLeaders), given every partition's leader.
func NewLeaders(leaders []int32, from, to, brokers int) (text string, unevenly bool) {
	if from < 0 || from >= to || to > len(leaders) {
		return "", false
	}
	count := map[int32]int{}
	for _, l := range leaders[from:to] {
		count[l]++
	}
	ids := make([]int32, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return int(a - b)
	})
	parts := make([]string, len(ids))
	for i, id := range ids {
		if id < 0 {
			parts[i] = fmt.Sprintf("no leader ×%d", count[id])
			continue
		}
		parts[i] = fmt.Sprintf("broker %d ×%d", id, count[id])
	}
	added := to - from
	if brokers > 0 {
		even := (added + brokers - 1) / brokers
		unevenly = count[ids[0]] > even
	}
	return fmt.Sprintf("%d new: %s", added, strings.Join(parts, ", ")), unevenly
}
