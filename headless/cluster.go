package headless

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"partop/engine"
	"partop/overview"
)

// ClusterLine is one headless object of the topics view (--observe with
// no --topic, or a --topic pattern): one per census. Field names are
// part of partop's interface, as Line's are.
type ClusterLine struct {
	Mode       string       `json:"mode"` // "cluster"
	T          float64      `json:"t"`    // seconds since start
	Time       string       `json:"time"` // the census's time
	Cluster    string       `json:"cluster"`
	Polls      int          `json:"polls"`
	IntervalS  float64      `json:"interval_s"` // what the rates cover: the time since the census before
	TookMS     float64      `json:"took_ms"`    // how long the census took
	Error      string       `json:"error,omitempty"`
	Partial    string       `json:"partial,omitempty"` // what the census missed
	RatesKnown bool         `json:"rates_known"`       // false on the first census: no rates yet
	Topics     []TopicLine  `json:"topics"`
	Brokers    []BrokerLine `json:"brokers"`
}

// TopicLine is one topic in the topics view.
type TopicLine struct {
	Topic      string         `json:"topic"`
	Internal   bool           `json:"internal,omitempty"`
	Partitions int            `json:"partitions"`
	Rate       float64        `json:"rate"` // records/s over interval_s
	Jain       float64        `json:"jain"` // 0: no traffic
	MaxMean    float64        `json:"max_mean"`
	Idle       int            `json:"idle"`        // partitions with no record in the interval (when the topic has traffic)
	Uneven     float64        `json:"uneven_rate"` // records/s the partitions above the mean carry over it: the default order
	NewUnused  int            `json:"new_unused"`  // of the partitions the latest expansion added, those with no record yet
	Expansion  *ExpansionLine `json:"expansion,omitempty"`
	Unanswered int            `json:"unanswered,omitempty"` // partitions the census has no end offset for
	// Consumer groups with commits on the topic, and the largest lag
	// among them (records between commit and end, over the partitions
	// each committed on); absent when groups are not polled.
	Groups   *int   `json:"groups,omitempty"`
	Lag      *int64 `json:"lag,omitempty"`
	LagGroup string `json:"lag_group,omitempty"`
}

// ExpansionLine is a topic's latest expansion seen by the topics view.
type ExpansionLine struct {
	From       int    `json:"from"`
	To         int    `json:"to"`
	After      string `json:"after"` // the last census with the old count
	By         string `json:"by"`    // the first with the new one
	NewLeaders string `json:"new_leaders"`
	Uneven     bool   `json:"new_leaders_uneven,omitempty"`
}

// BrokerLine is one broker's part of the cluster.
type BrokerLine struct {
	Broker   int32   `json:"broker"`
	Rack     string  `json:"rack,omitempty"`
	Leaders  int     `json:"leaders"`
	Replicas int     `json:"replicas"`
	Rate     float64 `json:"rate"`  // records/s of the partitions it leads
	Share    float64 `json:"share"` // of every partition's records/s
}

// ClusterLineOf is the line of snapshot s: the topics in the view's
// default order (internal ones when internal is set, those match allows).
func ClusterLineOf(s *overview.Snapshot, name string, start time.Time, internal bool, match func(string) bool) ClusterLine {
	l := ClusterLine{
		Mode: "cluster", T: s.At.Sub(start).Seconds(), Time: s.At.Format(time.RFC3339Nano), Cluster: name,
		Polls: s.Polls, IntervalS: s.Interval.Seconds(), TookMS: float64(s.Took.Microseconds()) / 1000,
		Error: s.Err, Partial: s.Partial, RatesKnown: s.Rated,
		Topics: []TopicLine{}, Brokers: make([]BrokerLine, 0, len(s.Brokers)),
	}
	for _, i := range s.Rows(overview.ByUneven, "", internal) {
		t := &s.Topics[i]
		if match != nil && !match(t.Name) {
			continue
		}
		tl := TopicLine{
			Topic: t.Name, Internal: t.Internal, Partitions: t.Partitions, Rate: t.Rate,
			Jain: t.Balance.Jain, MaxMean: t.Balance.MaxMean,
			Uneven: t.Uneven, NewUnused: t.NewUnused, Unanswered: t.Unanswered,
		}
		if t.Rate > 0 {
			tl.Idle = t.Balance.Idle // an idle topic's partitions are not "idle partitions"
		}
		if s.Grouped {
			g, lag := t.Groups, t.Lag
			tl.Groups = &g
			if g > 0 {
				tl.Lag, tl.LagGroup = &lag, t.LagGroup
			}
		}
		if e := t.Expansion; e != nil {
			nl, uneven := t.NewLeaders(len(s.Brokers))
			tl.Expansion = &ExpansionLine{From: e.From, To: e.To, After: e.After.Format(time.RFC3339Nano), By: e.By.Format(time.RFC3339Nano), NewLeaders: nl, Uneven: uneven}
		}
		l.Topics = append(l.Topics, tl)
	}
	if s.At.IsZero() { // no census yet: only an error to tell
		l.T, l.Time = time.Since(start).Seconds(), time.Now().Format(time.RFC3339Nano)
	}
	for _, b := range s.Brokers {
		l.Brokers = append(l.Brokers, BrokerLine{Broker: b.ID, Rack: b.Rack, Leaders: b.Leaders, Replicas: b.Replicas, Rate: b.Rate, Share: b.Share})
	}
	return l
}

// topicBrokers is a topic line's brokers, nil before the first metadata
// look that names them.
func topicBrokers(s *engine.Snapshot) []BrokerLine {
	ts := &s.TopicState
	if ts.Brokers == nil {
		return nil
	}
	rates := make([]float64, len(s.Stats.Partitions))
	for i, p := range s.Stats.Partitions {
		rates[i] = p.RateBalance
	}
	bs := overview.BrokersOf(ts.Brokers, ts.Leaders, ts.Replicas, rates)
	out := make([]BrokerLine, len(bs))
	for i, b := range bs {
		out[i] = BrokerLine{Broker: b.ID, Rack: b.Rack, Leaders: b.Leaders, Replicas: b.Replicas, Rate: b.Rate, Share: b.Share}
	}
	return out
}

// RunCluster prints a ClusterLine for each census w takes until ctx
// ends. It returns 1 when stdout could not be written or no census ever
// succeeded, else 0.
func RunCluster(ctx context.Context, w *overview.Watcher, name string, internal bool, match func(string) bool, stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	printed := 0 // polls printed
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			if s := w.Snapshot(); s.Polls == 0 {
				fmt.Fprintln(stderr, "partop: no census of the cluster succeeded:", s.Err)
				return 1
			}
			return 0
		case <-tick.C:
		}
		s := w.Snapshot()
		if s.Polls == printed && s.Err == lastErr {
			continue
		}
		printed, lastErr = s.Polls, s.Err
		if err := enc.Encode(ClusterLineOf(s, name, start, internal, match)); err != nil {
			fmt.Fprintln(stderr, "partop: writing output:", err)
			return 1
		}
	}
}
