package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"partop/engine"
	"partop/source"
)

// series is one exported metric family: how to read its samples from a
// snapshot. read calls emit once per sample, with values for labels in
// order.
type series struct {
	name   string
	help   string
	kind   prometheus.ValueType
	labels []string
	read   func(s *engine.Snapshot, emit func(v float64, labels ...string))
}

// catalog is every plain series partop exports. Names follow the Java
// producer's record-send-total and kafka_exporter's
// kafka_topic_partition_*: a partop_ prefix, _total on counters.
var catalog = []series{
	{
		name:   "partop_records_acked_total",
		help:   "Records the cluster acknowledged, by partition (observe mode: every producer's records, from end offsets).",
		kind:   prometheus.CounterValue,
		labels: []string{"topic", "partition"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			for _, p := range s.Stats.Partitions {
				emit(float64(p.Acked), s.Topic, partition(p.ID))
			}
		},
	},
	{
		name:   "partop_bytes_acked_total",
		help:   "Key and value bytes of partop's own producer's acknowledged records, by partition (not exported in observe mode, where bytes are only estimated).",
		kind:   prometheus.CounterValue,
		labels: []string{"topic", "partition"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			if !s.Sending {
				return
			}
			for _, p := range s.Stats.Partitions {
				emit(float64(p.Bytes), s.Topic, partition(p.ID))
			}
		},
	},
	{
		name:   "partop_keys_explained_ratio",
		help:   "Share of the sampled keyed records that the partitioner found (murmur2, crc32, fnv1a, siphash; unknown: the best one's share) places on their partitions.",
		kind:   prometheus.GaugeValue,
		labels: []string{"topic", "partitioner"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			if a := &s.KeyAnalysis; a.Keyed > 0 {
				emit(a.Explained, s.Topic, a.Partitioner)
			}
		},
	},
	{
		name:   "partop_expansion_jain",
		help:   "The latest expansion with a prediction: Jain's index the record sample predicted for the new partition count (figure=predicted) and, a balance window after the new partitions' first records, the one measured (figure=measured).",
		kind:   prometheus.GaugeValue,
		labels: []string{"topic", "partitions", "figure"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			for i := len(s.Events) - 1; i >= 0; i-- {
				p := s.Events[i].Prediction
				if s.Events[i].Kind != engine.KindExpansion || p == nil {
					continue
				}
				to := strconv.Itoa(s.Events[i].To)
				emit(p.Jain, s.Topic, to, "predicted")
				if p.Measured {
					emit(p.MeasuredJain, s.Topic, to, "measured")
				}
				return
			}
		},
	},
	{
		name:   "partop_record_errors_total",
		help:   "Records that failed on a partition after retries, by partition.",
		kind:   prometheus.CounterValue,
		labels: []string{"topic", "partition"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			for _, p := range s.Stats.Partitions {
				emit(float64(p.Errors), s.Topic, partition(p.ID))
			}
		},
	},
	{
		name:   "partop_record_errors_unrouted_total",
		help:   "Records that failed before a partition was chosen (unknown topic, no usable partition).",
		kind:   prometheus.CounterValue,
		labels: []string{"topic"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			emit(float64(s.Stats.Unrouted), s.Topic)
		},
	},
	{
		name:   "partop_topic_partitions",
		help:   "Partitions the topic has, as the cluster's metadata last said.",
		kind:   prometheus.GaugeValue,
		labels: []string{"topic"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			emit(float64(s.TopicState.Cluster), s.Topic)
		},
	},
	{
		name:   "partop_producer_partitions",
		help:   "Partitions the producer routes records to; below partop_topic_partitions while it has not picked up new ones.",
		kind:   prometheus.GaugeValue,
		labels: []string{"topic"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			emit(float64(s.TopicState.Partitions), s.Topic)
		},
	},
	{
		name: "partop_target_rate",
		help: "Target records per second of partop's producer; 0 means as fast as the cluster takes.",
		kind: prometheus.GaugeValue,
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			if s.Sending {
				emit(s.TargetRate)
			}
		},
	},
	{
		name: "partop_paused",
		help: "1 while partop's producer is paused, else 0.",
		kind: prometheus.GaugeValue,
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			if s.Sending {
				emit(bool01(s.Paused))
			}
		},
	},
	{
		name:   "partop_partition_end_offset",
		help:   "Observe mode: each partition's end offset (high watermark) as of the latest poll, as kafka_exporter's kafka_topic_partition_current_offset.",
		kind:   prometheus.GaugeValue,
		labels: []string{"topic", "partition"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			for p, off := range s.TopicState.EndOffsets {
				if off >= 0 {
					emit(float64(off), s.Topic, partition(int32(p)))
				}
			}
		},
	},
	{
		name:   "partop_producers",
		help:   "Observe mode: producer ids writing to the topic, by state after the latest expansion (active, adopted, stale, idle).",
		kind:   prometheus.GaugeValue,
		labels: []string{"topic", "state"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			if s.Mode != engine.ModeObserve || s.Producers.At.IsZero() {
				return
			}
			counts := map[string]int{}
			for _, p := range s.Producers.List {
				counts[p.State]++
			}
			for _, st := range producerStates {
				emit(float64(counts[st]), s.Topic, st)
			}
		},
	},
	{
		name:   "partop_group_lag",
		help:   "Each consumer group's lag on each partition of the topic, from the groups poll: end offset minus the committed offset, or minus the log start for a partition assigned with no commit yet.",
		kind:   prometheus.GaugeValue,
		labels: []string{"group", "topic", "partition"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			for _, g := range s.Groups.List {
				for _, p := range g.Partitions {
					if p.End >= 0 {
						emit(float64(p.Lag), g.Name, s.Topic, partition(p.Partition))
					}
				}
			}
		},
	},
	{
		name:   "partop_group_partitions_assigned",
		help:   "Partitions of the topic assigned to a member of each consumer group, from the groups poll.",
		kind:   prometheus.GaugeValue,
		labels: []string{"group", "topic"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			for _, g := range s.Groups.List {
				n := 0
				for _, p := range g.Partitions {
					if p.Assigned {
						n++
					}
				}
				emit(float64(n), g.Name, s.Topic)
			}
		},
	},
	{
		name:   "partop_consumer_records_read_total",
		help:   "Records partop's own consumer group (--consume) read, by partition.",
		kind:   prometheus.CounterValue,
		labels: []string{"group", "topic", "partition"},
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			if s.Group == "" {
				return
			}
			for _, p := range s.Reads.Partitions {
				emit(float64(p.Acked), s.Group, s.Topic, partition(p.ID))
			}
		},
	},
	{
		name: "partop_metadata_requests_total",
		help: "Metadata requests partop sent to discover partitions: the steady-state cost of discovery.",
		kind: prometheus.CounterValue,
		read: func(s *engine.Snapshot, emit func(float64, ...string)) {
			emit(float64(s.TopicState.MetadataRequests))
		},
	},
}

// producerStates are exported even at 0, so a stale count can be alerted on.
var producerStates = []string{source.ProducerActive, source.ProducerAdopted, source.ProducerStale, source.ProducerIdle}

func partition(id int32) string { return strconv.FormatInt(int64(id), 10) }

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
