package headless

import (
	"time"

	"partop/engine"
)

// Line is one headless JSON object. Field names are part of partop's
// interface: scripts and CI read them.
type Line struct {
	Summary           bool            `json:"summary,omitempty"`
	Mode              string          `json:"mode"`
	T                 float64         `json:"t"` // seconds since start
	Time              string          `json:"time"`
	Partitions        int             `json:"partitions"`         // the source's routing view
	ClusterPartitions int             `json:"cluster_partitions"` // the watcher's view
	Rate              float64         `json:"rate"`               // records/s, total, last second
	TargetRate        float64         `json:"target_rate"`        // 0: unlimited
	Paused            bool            `json:"paused"`
	Acked             uint64          `json:"acked"`
	Errors            uint64          `json:"errors"`
	Jain              float64         `json:"jain"`
	MaxMean           float64         `json:"max_mean"`
	CV                float64         `json:"cv"`
	Idle              int             `json:"idle"`
	WatchError        string          `json:"watch_error,omitempty"`
	PerPartition      []PartitionLine `json:"per_partition"`
	Events            []EventLine     `json:"events,omitempty"`
	MetadataRequests  int64           `json:"metadata_requests,omitempty"`
	FailedActions     []string        `json:"failed_actions,omitempty"`
	TopicRate         *float64        `json:"topic_rate,omitempty"` // every producer's records/s, from end offsets (produce mode)
	Producers         []ProducerLine  `json:"producers,omitempty"`  // observe mode, from DescribeProducers
	ProducersError    string          `json:"producers_error,omitempty"`
	ProducersNote     string          `json:"producers_note,omitempty"` // why the list is empty while records are written
	Consumer          *ConsumerLine   `json:"consumer,omitempty"`       // --consume: partop's own group
	Groups            []GroupLine     `json:"groups,omitempty"`         // every group on the topic, from the groups poll
	GroupsError       string          `json:"groups_error,omitempty"`
	// Keys is what the record sample says (where sampling runs);
	// JainBytes is Jain's index over the partitions' bytes/s: counted by
	// partop's own producer, or records/s times sampled bytes per record
	// (BytesEstimated).
	Keys           *KeysLine `json:"keys,omitempty"`
	JainBytes      *float64  `json:"jain_bytes,omitempty"`
	BytesEstimated bool      `json:"bytes_estimated,omitempty"`
	// Brokers are the cluster's brokers and this topic's part on each:
	// the partitions it leads and their records/s over the balance window
	// (jain's), its replicas; where the platform tells brokers (Kafka).
	Brokers []BrokerLine `json:"brokers,omitempty"`
}

// ConsumerLine is partop's own consumer group (--consume).
type ConsumerLine struct {
	Group    string  `json:"group"`
	Protocol string  `json:"protocol"`
	Reset    string  `json:"reset"`
	ReadRate float64 `json:"read_rate"` // records/s it read, total
	Read     uint64  `json:"read"`      // records it read
}

// GroupLine is one consumer group with a stake in the topic.
type GroupLine struct {
	Group      string               `json:"group"`
	Protocol   string               `json:"protocol,omitempty"` // empty: not known (commits only)
	State      string               `json:"state"`
	Members    int                  `json:"members"`
	Lag        *int64               `json:"lag"` // null: an end offset is not known
	Note       string               `json:"note,omitempty"`
	Error      string               `json:"error,omitempty"`
	Partitions []GroupPartitionLine `json:"partitions"`
}

// GroupPartitionLine is one partition as a group has it. An assigned
// partition with no commit has a lag from its log start and no_commit.
type GroupPartitionLine struct {
	Partition int32  `json:"partition"`
	Assigned  bool   `json:"assigned"`
	Committed *int64 `json:"committed"` // null: no commit yet
	End       *int64 `json:"end"`       // null: not known
	Lag       int64  `json:"lag"`
	NoCommit  bool   `json:"no_commit,omitempty"`
}

// GroupPickupLine is what one group made of an expansion: times are absent
// while pending.
type GroupPickupLine struct {
	Group    string `json:"group"`
	TargetAt string `json:"target_at,omitempty"`
	// AssignedAfter is the last look that did not see every new
	// partition assigned, AssignedAt the first that did: the assignment
	// happened between them (the same instant for partop's own group).
	AssignedAfter string `json:"assigned_after,omitempty"`
	AssignedAt    string `json:"assigned_at,omitempty"`
	// CommittedAfter and CommittedAt bracket the first commit on every
	// new partition the same way.
	CommittedAfter string `json:"committed_after,omitempty"`
	CommittedAt    string `json:"committed_at,omitempty"`
	// UnreadAtAssignment is what was on the new partitions when the group
	// was assigned them (what a latest group skips): a value where the
	// bracket and the range are narrow, else the most it can have been,
	// with the range in UnreadAtAssignmentMin and UnreadAtAssignmentMax.
	UnreadAtAssignment    *int64 `json:"unread_at_assignment,omitempty"`
	UnreadAtAssignmentMin *int64 `json:"unread_at_assignment_min,omitempty"`
	UnreadAtAssignmentMax *int64 `json:"unread_at_assignment_max,omitempty"`
	Skipped               *int64 `json:"skipped,omitempty"` // absent while not known
	SkippedExact          bool   `json:"skipped_exact"`     // false with skipped: likely
}

// ProducerLine is one producer id writing to the topic (observe mode).
type ProducerLine struct {
	ID          int64   `json:"id"`
	Epoch       int16   `json:"epoch"`
	State       string  `json:"state"`
	Partitions  []int32 `json:"partitions"`
	Rate        float64 `json:"rate"`
	LastWriteMs int64   `json:"last_write_ms"` // how long ago, as of the line's time
}

// PartitionLine is one partition's figures.
type PartitionLine struct {
	Partition int32   `json:"partition"`
	Leader    int32   `json:"leader"`
	Rate      float64 `json:"rate"`
	Share     float64 `json:"share"`
	Acked     uint64  `json:"acked"`
	Errors    uint64  `json:"errors"`
	LastError string  `json:"last_error,omitempty"`
	// ReadRate is partop's consumer's records/s on the partition
	// (--consume).
	ReadRate *float64 `json:"read_rate,omitempty"`
	// BytesRate is key and value bytes/s (Line.BytesEstimated says
	// whether it is an estimate); TopKeys are the record sample's, where
	// sampling runs.
	BytesRate *float64  `json:"bytes_rate,omitempty"`
	TopKeys   []KeyLine `json:"top_keys,omitempty"`
}

// EventLine is one event of the log; expansions carry their timeline.
type EventLine struct {
	Kind       string   `json:"kind"`
	At         string   `json:"at"`
	Message    string   `json:"message,omitempty"`
	From       int      `json:"from,omitempty"`
	To         int      `json:"to,omitempty"`
	By         string   `json:"by,omitempty"`
	PickupMs   *float64 `json:"pickup_ms,omitempty"` // absent while still pending
	CreatedAt  string   `json:"created_at,omitempty"`
	SeenAt     string   `json:"seen_at,omitempty"`
	RoutedAt   string   `json:"routed_at,omitempty"`
	FirstAckAt string   `json:"first_ack_at,omitempty"`
	BalancedAt string   `json:"balanced_at,omitempty"`
	Note       string   `json:"note,omitempty"`
	// FirstWriteAt is the last new partition's first record as the record
	// dates it (observe mode); log_append_time: the broker stamped it.
	FirstWriteAt  string            `json:"first_write_at,omitempty"`
	LogAppendTime bool              `json:"log_append_time,omitempty"`
	Groups        []GroupPickupLine `json:"groups,omitempty"`
	// The record sample's prediction for the new count (predicted_with:
	// the partitioner keyed records were re-hashed with) and, a balance
	// window after the new partitions' first records, what was measured.
	PredictedJain    *float64 `json:"predicted_jain,omitempty"`
	PredictedMaxMean *float64 `json:"predicted_max_mean,omitempty"`
	PredictedWith    string   `json:"predicted_with,omitempty"`
	SkewFloor        *float64 `json:"skew_floor,omitempty"` // the hottest key's share, when above the new fair share
	MeasuredJain     *float64 `json:"measured_jain,omitempty"`
	MeasuredMaxMean  *float64 `json:"measured_max_mean,omitempty"`
}

// LineOf is the per-second line for a snapshot.
func LineOf(s *engine.Snapshot) Line {
	st := &s.Stats
	l := Line{
		Mode:              s.Mode,
		T:                 st.At.Sub(s.Start).Seconds(),
		Time:              st.At.UTC().Format(time.RFC3339Nano),
		Partitions:        s.TopicState.Partitions,
		ClusterPartitions: s.TopicState.Cluster,
		Rate:              st.Rate,
		TargetRate:        s.TargetRate,
		Paused:            s.Paused,
		Acked:             st.Acked,
		Errors:            st.Errors,
		Jain:              st.Balance.Jain,
		MaxMean:           st.Balance.MaxMean,
		CV:                st.Balance.CV,
		Idle:              st.Balance.Idle,
		WatchError:        s.TopicState.WatchError,
		PerPartition:      partitionLines(s),
		TopicRate:         topicRate(s),
		Producers:         producerLines(s),
		ProducersError:    s.Producers.Err,
		ProducersNote:     s.Producers.Note,
		Consumer:          consumerLine(s),
		Groups:            groupLines(s.Groups),
		GroupsError:       s.Groups.Err,
		Brokers:           topicBrokers(s),
	}
	withKeys(&l, s)
	return l
}

func topicRate(s *engine.Snapshot) *float64 {
	if !s.TopicKnown {
		return nil
	}
	r := s.TopicRate
	return &r
}

func producerLines(s *engine.Snapshot) []ProducerLine {
	out := make([]ProducerLine, 0, len(s.Producers.List))
	for _, p := range s.Producers.List {
		parts := p.Partitions
		if parts == nil {
			parts = []int32{}
		}
		out = append(out, ProducerLine{
			ID: p.ID, Epoch: p.Epoch, State: p.State, Partitions: parts, Rate: p.Rate,
			LastWriteMs: max(s.Stats.At.Sub(p.LastWrite).Milliseconds(), 0),
		})
	}
	return out
}

// SummaryOf is the last line: the final totals and the whole event log.
func SummaryOf(s *engine.Snapshot) Line {
	l := LineOf(s)
	l.Summary = true
	l.Events = eventLines(s.Events)
	l.MetadataRequests = s.TopicState.MetadataRequests
	l.FailedActions = s.Failed()
	return l
}

func partitionLines(s *engine.Snapshot) []PartitionLine {
	leaders := s.TopicState.Leaders
	out := make([]PartitionLine, len(s.Stats.Partitions))
	for i, p := range s.Stats.Partitions {
		leader := int32(-1)
		if i < len(leaders) {
			leader = leaders[i]
		}
		out[i] = PartitionLine{Partition: p.ID, Leader: leader, Rate: p.Rate, Share: p.Share, Acked: p.Acked, Errors: p.Errors, LastError: p.LastError}
		if s.Group != "" {
			r := 0.0
			if i < len(s.Reads.Partitions) {
				r = s.Reads.Partitions[i].Rate
			}
			out[i].ReadRate = &r
		}
	}
	return out
}

func eventLines(evs []engine.Event) []EventLine {
	out := make([]EventLine, 0, len(evs))
	for _, ev := range evs {
		l := EventLine{Kind: ev.Kind, At: stamp(ev.At), Message: ev.Message}
		if ev.Kind == engine.KindExpansion {
			l.From, l.To, l.By, l.Note = ev.From, ev.To, ev.By, ev.Note
			l.CreatedAt, l.SeenAt, l.RoutedAt = stamp(ev.Created), stamp(ev.Seen), stamp(ev.Routed)
			l.FirstAckAt, l.BalancedAt = stamp(ev.FirstRecord), stamp(ev.Balanced)
			l.FirstWriteAt, l.LogAppendTime = stamp(ev.FirstWrite), ev.LogAppendTime
			l.Groups = pickupLines(ev.Groups)
			predictionLine(&l, ev.Prediction)
			if ev.Done {
				ms := float64(ev.Pickup.Microseconds()) / 1000
				l.PickupMs = &ms
			}
		}
		out = append(out, l)
	}
	return out
}

// stamp is RFC 3339 with microseconds, empty for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}
