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
// records/s (by partition id).
func BrokersOf(brokers []Broker, leaders []int32, replicas [][]int32, rates []float64) []BrokerRow {
	t := newTally(brokers)
	for p, l := range leaders {
		var rs []int32
		if p < len(replicas) {
			rs = replicas[p]
		}
		var r float64
		if p < len(rates) {
			r = rates[p]
		}
		t.partition(l, rs, r)
	}
	return t.rows()
}

// TopicBrokers is BrokerRow for one topic of the census: each broker's
// leaders of the topic's partitions and the records/s they carry
// (replicas are not counted: the census keeps them for the cluster's
// rows only).
func (s *Snapshot) TopicBrokers(name string) []BrokerRow {
	t, ok := s.Topic(name)
	if !ok {
		return nil
	}
	bs := make([]Broker, len(s.Brokers))
	for i, b := range s.Brokers {
		bs[i] = Broker{ID: b.ID, Rack: b.Rack}
	}
	return BrokersOf(bs, t.Leaders, nil, t.Rates)
}

// tally adds partitions up by broker: the one count behind the cluster's
// broker rows and a topic's. Brokers the metadata does not list (a
// replica on a broker that is down) are not counted.
type tally struct {
	out   []BrokerRow
	idx   map[int32]int
	total float64
}

func newTally(brokers []Broker) *tally {
	t := &tally{out: make([]BrokerRow, len(brokers)), idx: make(map[int32]int, len(brokers))}
	for i, b := range brokers {
		t.out[i] = BrokerRow{ID: b.ID, Rack: b.Rack}
		t.idx[b.ID] = i
	}
	return t
}

// partition counts one partition: its leader (-1: none), its replicas and
// its records/s, which count for the leader.
func (t *tally) partition(leader int32, replicas []int32, rate float64) {
	for _, r := range replicas {
		if i, ok := t.idx[r]; ok {
			t.out[i].Replicas++
		}
	}
	if i, ok := t.idx[leader]; ok {
		t.out[i].Leaders++
		t.out[i].Rate += rate
		t.total += rate
	}
}

// rows are the brokers by id with their shares of the records/s counted.
func (t *tally) rows() []BrokerRow {
	slices.SortFunc(t.out, func(a, b BrokerRow) int { return int(a.ID - b.ID) })
	for i := range t.out {
		t.out[i].FairShare = 1 / float64(len(t.out))
		if t.total > 0 {
			t.out[i].Share = t.out[i].Rate / t.total
		}
	}
	return t.out
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
