package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"partop/producer"
	"partop/stats"
)

// line is one headless JSON object. Field names are part of partop's
// interface: scripts and CI read them.
type line struct {
	Summary           bool            `json:"summary,omitempty"`
	T                 float64         `json:"t"` // seconds since start
	Time              string          `json:"time"`
	Partitions        int             `json:"partitions"`         // the producer's routing view
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
	PerPartition      []partitionLine `json:"per_partition"`
	Events            []eventLine     `json:"events,omitempty"`
	MetadataRequests  int64           `json:"metadata_requests,omitempty"`
	FailedActions     []string        `json:"failed_actions,omitempty"`
}

type partitionLine struct {
	Partition int32   `json:"partition"`
	Leader    int32   `json:"leader"`
	Rate      float64 `json:"rate"`
	Share     float64 `json:"share"`
	Acked     uint64  `json:"acked"`
	Errors    uint64  `json:"errors"`
	LastError string  `json:"last_error,omitempty"`
}

type eventLine struct {
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
}

func runHeadless(ctx context.Context, e *engine, o options, stdout, stderr io.Writer) int {
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	enc := json.NewEncoder(stdout)
	var failed []string
	actionsDone := make(chan struct{})
	go func() {
		defer close(actionsDone)
		e.producer.RunSchedule(ctx, e.started, o.at, func(a producer.Action, err error) {
			if err != nil {
				fmt.Fprintf(stderr, "partop: at %s: %s failed: %v\n", a.At, a, err)
				failed = append(failed, fmt.Sprintf("%s:%s: %v", a.At, a, err))
			}
		})
	}()
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		e.producer.Run(ctx)
	}()
	e.sampler.Sample(e.started)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case now := <-tick.C:
			e.sampler.Sample(now)
			if err := enc.Encode(e.line(now)); err != nil {
				fmt.Fprintln(stderr, "partop: writing output:", err)
				break loop
			}
		}
	}
	<-actionsDone
	flushErr := e.close()
	<-produced
	now := time.Now()
	e.sampler.Sample(now)
	sum := e.line(now)
	sum.Summary = true
	sum.Events = eventLines(e.producer.Events())
	sum.MetadataRequests = e.producer.View().MetadataRequests
	sum.FailedActions = failed
	_ = enc.Encode(sum)
	code := 0
	if flushErr != nil {
		fmt.Fprintln(stderr, "partop:", flushErr)
		code = 1
	}
	if len(failed) > 0 {
		code = 1
	}
	return code
}

func (e *engine) line(now time.Time) line {
	snap := e.sampler.Snapshot()
	view := e.producer.View()
	return line{
		T:                 now.Sub(e.started).Seconds(),
		Time:              now.UTC().Format(time.RFC3339Nano),
		Partitions:        view.Partitions,
		ClusterPartitions: view.Cluster,
		Rate:              snap.Rate,
		TargetRate:        e.producer.Rate(),
		Paused:            e.producer.Paused(),
		Acked:             snap.Acked,
		Errors:            snap.Errors,
		Jain:              snap.Balance.Jain,
		MaxMean:           snap.Balance.MaxMean,
		CV:                snap.Balance.CV,
		Idle:              snap.Balance.Idle,
		PerPartition:      partitionLines(snap, view),
	}
}

func partitionLines(snap stats.Snapshot, view producer.View) []partitionLine {
	out := make([]partitionLine, len(snap.Partitions))
	for i, p := range snap.Partitions {
		leader := int32(-1)
		if i < len(view.Leaders) {
			leader = view.Leaders[i]
		}
		out[i] = partitionLine{Partition: p.ID, Leader: leader, Rate: p.Rate, Share: p.Share, Acked: p.Acked, Errors: p.Errors, LastError: p.LastError}
	}
	return out
}

func eventLines(evs []producer.Event) []eventLine {
	out := make([]eventLine, 0, len(evs))
	for _, ev := range evs {
		l := eventLine{Kind: ev.Kind, At: stamp(ev.At), Message: ev.Message}
		if ev.Kind == producer.KindExpansion {
			l.From, l.To, l.By = ev.From, ev.To, ev.By
			l.CreatedAt, l.SeenAt, l.RoutedAt, l.FirstAckAt = stamp(ev.Created), stamp(ev.Seen), stamp(ev.Routed), stamp(ev.FirstAck)
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
