package observe

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/source"
	"partop/source/sourcetest"
)

// TestPollOffsetsLeaderMoved: a poll whose leaders are out of date (here:
// every partition sent to the wrong broker) still counts every partition,
// asked again where the leaders are now, with no problem reported, and
// the metadata poll is asked to look at once.
func TestPollOffsetsLeaderMoved(t *testing.T) {
	t.Parallel()
	c, top := embeddedtest.Start(t, "moved", 3)
	w, err := kgo.NewClient(append(c.ClientOpts(), kgo.DefaultProduceTopic("moved"), kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for p := range int32(3) {
		for range p + 1 {
			if err := w.ProduceSync(context.Background(), &kgo.Record{Partition: p, Value: []byte("x")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	wrong := top.Leaders()
	for p := range wrong {
		wrong[p] = (wrong[p] + 1) % 3
	}
	s, err := New(Config{Topic: "moved", ClientOpts: c.ClientOpts(), Leaders: func() []int32 { return wrong }, ProducersInterval: -1}, c, top)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := sourcetest.NewRecorder()
	s.Set(rec)
	if err := s.pollOffsets(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ends := s.Ends(); !slices.Equal(ends, []int64{1, 2, 3}) {
		t.Fatalf("ends %v, want [1 2 3]", ends)
	}
	for _, f := range rec.Facts() {
		if p, ok := f.(source.Problem); ok {
			t.Fatalf("problem reported: %s", p.Message)
		}
	}
	select {
	case <-s.wakeMeta:
	default:
		t.Fatal("the metadata poll was not asked to look")
	}
}

// TestPollOffsetsNothingAnswered: a poll that no partition answers (the
// topic was deleted) is an error (no sample) and a problem naming the
// partitions and why.
func TestPollOffsetsNothingAnswered(t *testing.T) {
	t.Parallel()
	c, top := embeddedtest.Start(t, "gone", 2)
	s, err := New(Config{Topic: "gone", ClientOpts: c.ClientOpts(), ProducersInterval: -1}, c, top)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := sourcetest.NewRecorder()
	s.Set(rec)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if resp, err := kadm.NewClient(s.cl).DeleteTopics(ctx, "gone"); err != nil || resp.Error() != nil {
		t.Fatalf("DeleteTopics: %v %v", err, resp.Error())
	}
	if err := s.pollOffsets(ctx); err == nil {
		t.Fatal("no error")
	}
	var msgs []string
	for _, f := range rec.Facts() {
		if p, ok := f.(source.Problem); ok {
			msgs = append(msgs, p.Message)
		}
		if _, ok := f.(source.Step); ok {
			t.Fatal("a sample of a poll nothing answered")
		}
	}
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "polling end offsets: partitions 0, 1: ") || !strings.Contains(msgs[0], "unknown topic") {
		t.Fatalf("problems %q", msgs)
	}
	t.Log(msgs[0])
}
