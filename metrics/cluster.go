package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"partop/overview"
)

// Overview is what the topics view's collector reads: *overview.Watcher.
type Overview interface {
	Snapshot() *overview.Snapshot
}

// clusterSeries is one metric family of the topics view.
type clusterSeries struct {
	name, help string
	kind       prometheus.ValueType
	labels     []string
	read       func(s *overview.Snapshot, emit func(v float64, labels ...string))
}

// clusterCatalog is every series of the topics view: per topic and per
// broker, read from the latest census. Records are a counter (the end
// offsets added up), so rate() works; the balance figures and the
// brokers' rates are over the census interval, as the view shows them.
var clusterCatalog = []clusterSeries{
	topicGauge("partop_topic_partitions", "Partitions of the topic.", func(t *overview.TopicRow) float64 { return float64(t.Partitions) }),
	{
		name: "partop_topic_records_total", help: "Records written to the topic: its partitions' end offsets added up (drops only when a log is truncated or the topic recreated).",
		kind: prometheus.CounterValue, labels: []string{"topic"},
		read: func(s *overview.Snapshot, emit func(float64, ...string)) {
			for i := range s.Topics {
				emit(float64(s.Topics[i].Records), s.Topics[i].Name)
			}
		},
	},
	ratedTopicGauge("partop_topic_jain", "Jain's index over the topic's partitions' records/s over the census interval (1 is even); absent without traffic.", func(t *overview.TopicRow) float64 { return t.Balance.Jain }),
	ratedTopicGauge("partop_topic_max_mean", "The busiest partition's records/s over the mean, over the census interval; absent without traffic.", func(t *overview.TopicRow) float64 { return t.Balance.MaxMean }),
	ratedTopicGauge("partop_topic_idle_partitions", "Partitions with no record over the census interval while the topic had traffic.", func(t *overview.TopicRow) float64 { return float64(t.Balance.Idle) }),
	ratedTopicGauge("partop_topic_uneven_records_per_second", "Records/s the partitions above the mean carry over it, over the census interval: what would have to move for an even spread (the topics view's first order).", func(t *overview.TopicRow) float64 { return t.Uneven }),
	topicGauge("partop_topic_new_unused_partitions", "Of the partitions the latest expansion seen added, those with no record yet (0 without an expansion).", func(t *overview.TopicRow) float64 { return float64(t.NewUnused) }),
	{
		name: "partop_topic_consumer_groups", help: "Consumer groups with commits on the topic (absent when groups are not polled: --groups-interval negative).",
		kind: prometheus.GaugeValue, labels: []string{"topic"},
		read: func(s *overview.Snapshot, emit func(float64, ...string)) {
			if !s.Grouped {
				return
			}
			for i := range s.Topics {
				emit(float64(s.Topics[i].Groups), s.Topics[i].Name)
			}
		},
	},
	{
		name: "partop_topic_max_lag", help: "The largest lag among the consumer groups with commits on the topic (records between commit and end, over the partitions each committed on), and whose.",
		kind: prometheus.GaugeValue, labels: []string{"topic", "group"},
		read: func(s *overview.Snapshot, emit func(float64, ...string)) {
			for i := range s.Topics {
				if t := &s.Topics[i]; t.Groups > 0 {
					emit(float64(t.Lag), t.Name, t.LagGroup)
				}
			}
		},
	},
	brokerGauge("partop_broker_leaders", "Partitions the broker leads, every topic.", func(b *overview.BrokerRow) float64 { return float64(b.Leaders) }),
	brokerGauge("partop_broker_replicas", "Replicas the broker holds, every topic.", func(b *overview.BrokerRow) float64 { return float64(b.Replicas) }),
	brokerGauge("partop_broker_led_records_per_second", "Records/s over the census interval of the partitions the broker leads, every topic.", func(b *overview.BrokerRow) float64 { return b.Rate }),
}

func topicGauge(name, help string, v func(*overview.TopicRow) float64) clusterSeries {
	return clusterSeries{name: name, help: help, kind: prometheus.GaugeValue, labels: []string{"topic"},
		read: func(s *overview.Snapshot, emit func(float64, ...string)) {
			for i := range s.Topics {
				emit(v(&s.Topics[i]), s.Topics[i].Name)
			}
		}}
}

// ratedTopicGauge is a figure of the topic's rates: only once two
// censuses gave them, and for a balance figure only with traffic.
func ratedTopicGauge(name, help string, v func(*overview.TopicRow) float64) clusterSeries {
	return clusterSeries{name: name, help: help, kind: prometheus.GaugeValue, labels: []string{"topic"},
		read: func(s *overview.Snapshot, emit func(float64, ...string)) {
			if !s.Rated {
				return
			}
			for i := range s.Topics {
				if t := &s.Topics[i]; t.Rate > 0 {
					emit(v(t), t.Name)
				}
			}
		}}
}

func brokerGauge(name, help string, v func(*overview.BrokerRow) float64) clusterSeries {
	return clusterSeries{name: name, help: help, kind: prometheus.GaugeValue, labels: []string{"broker", "rack"},
		read: func(s *overview.Snapshot, emit func(float64, ...string)) {
			for i := range s.Brokers {
				b := &s.Brokers[i]
				emit(v(b), strconv.FormatInt(int64(b.ID), 10), b.Rack)
			}
		}}
}

// ClusterCollector is a prometheus.Collector over the topics view.
type ClusterCollector struct {
	w     Overview
	match func(string) bool
	descs []*prometheus.Desc
}

// NewClusterCollector returns a collector reading w's snapshots; with
// match (a --topic pattern), the topics it matches only, as the view
// shows them (the brokers stay the whole cluster's).
func NewClusterCollector(w Overview, match func(string) bool) *ClusterCollector {
	c := &ClusterCollector{w: w, match: match}
	for _, s := range clusterCatalog {
		c.descs = append(c.descs, prometheus.NewDesc(s.name, s.help, s.labels, nil))
	}
	return c
}

// Describe sends the descriptors of every series.
func (c *ClusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect sends every series from the latest census.
func (c *ClusterCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.w.Snapshot()
	if c.match != nil {
		only := *s
		only.Topics = nil
		for _, t := range s.Topics {
			if c.match(t.Name) {
				only.Topics = append(only.Topics, t)
			}
		}
		s = &only
	}
	for i, se := range clusterCatalog {
		desc, kind := c.descs[i], se.kind
		se.read(s, func(v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(desc, kind, v, labels...)
		})
	}
}
