package kproducer

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
)

// TestOutageIsNotAQuietTopic: a one-broker cluster stops answering (it
// closes every connection on its first request) while partop produces,
// and comes back. Meanwhile the engine's
// snapshot says since when the cluster has not answered and how many
// records the producer holds; once it answers the outage clears, the held
// records are acknowledged, and none failed.
func TestOutageIsNotAQuietTopic(t *testing.T) {
	t.Parallel() // its own cluster
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "outage"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	var down atomic.Bool
	fake.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		// ApiVersions is let through: kgo takes a connection closed during
		// it for a TLS mismatch and fails the records, which a dead broker
		// (connection refused) does not make it do.
		if down.Load() && req.Key() != kmsg.ApiVersions.Int16() {
			return nil, errors.New("down"), true // closes the connection
		}
		return nil, nil, false
	})
	cfg := Config{Config: producer.Config{Topic: "outage", Rate: 2000}, DiscoveryInterval: 200 * time.Millisecond,
		ClientOpts: []kgo.Opt{kgo.SeedBrokers(fake.ListenAddrs()...)}}
	initial := cluster.Topic{Name: "outage", Partitions: []cluster.Partition{{ID: 0, Leader: 0}, {ID: 1, Leader: 0}}}
	p, err := New(cfg, nil, initial)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(p, engine.Config{Tick: 50 * time.Millisecond})
	ctx, stop := context.WithCancel(context.Background())
	go func() { _ = eng.Run(ctx) }()
	t.Cleanup(func() { stop(); <-eng.Done() })

	waitfor.That(t, 10*time.Second, "records to flow", func() bool { return total(p) > 1000 })
	if s := eng.Snapshot(); !s.Unanswered.IsZero() {
		t.Fatalf("answering cluster: unanswered %v", s.Unanswered)
	}
	cut := time.Now()
	down.Store(true)
	waitfor.That(t, 15*time.Second, "the outage to show", func() bool { return !eng.Snapshot().Unanswered.IsZero() })
	s := eng.Snapshot()
	shown := time.Since(cut)
	if s.Unanswered.Before(cut.Add(-time.Second)) || s.Unanswered.After(cut.Add(time.Second)) {
		t.Errorf("unanswered since %s from the cut, want within 1s of it", s.Unanswered.Sub(cut))
	}
	if s.Held <= 0 {
		t.Errorf("held %d records in the outage, want some", s.Held)
	}
	t.Logf("outage shown %s after the cut, since %+dms from it, %d records held", shown.Round(time.Millisecond), s.Unanswered.Sub(cut).Milliseconds(), s.Held)

	time.Sleep(2 * time.Second)
	heldDown := eng.Snapshot().Held
	down.Store(false)
	back := time.Now()
	waitfor.That(t, 20*time.Second, "the outage to clear and the held records to be acknowledged", func() bool {
		s := eng.Snapshot()
		return s.Unanswered.IsZero() && s.Held < heldDown && s.Stats.Acked > 0
	})
	t.Logf("cleared %s after the cluster came back", time.Since(back).Round(time.Millisecond))
	if err := p.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	for i, tt := range p.Counters().Read() {
		if tt.Errors != 0 {
			t.Errorf("partition %d: %d records failed (%s); want none lost", i, tt.Errors, tt.LastError)
		}
	}
	var log []string
	for _, e := range eng.Snapshot().Events {
		log = append(log, e.Kind+": "+e.Message)
	}
	joined := strings.Join(log, "\n")
	if !strings.Contains(joined, "error: cluster not answering") || !strings.Contains(joined, "info: cluster answering again after") {
		t.Errorf("log:\n%s", joined)
	}
}
