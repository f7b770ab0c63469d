package tui

import (
	"strings"
	"testing"

	"partop/source"
)

// TestBrokersPanel: with the brokers the metadata names, the topic's
// dashboard shows each broker's leaders, replicas and share, and where
// the expansion's new leaders went, flagged when one broker took more
// than its part.
func TestBrokersPanel(t *testing.T) {
	eng := fixture(pickedUp, 8)
	s := *eng.snap
	s.TopicState.Brokers = []source.Broker{{ID: 0, Rack: "eu-1a"}, {ID: 1, Rack: "eu-1b"}, {ID: 2, Rack: "eu-1c"}}
	for p := range 8 {
		s.TopicState.Replicas = append(s.TopicState.Replicas, []int32{int32(p % 3), int32((p + 1) % 3)})
	}
	eng.set(&s)
	m := newTestModel(eng, 140, 60)
	out := screen(m)
	for _, want := range []string{"BROKERS · this topic's leaders on each", "4 new: broker 1 ×2, broker 0 ×1, broker 2 ×1", "eu-1b", "LEADERS REPLICAS"} {
		if !strings.Contains(out, want) {
			t.Errorf("the brokers panel lacks %q", want)
		}
	}
	if strings.Contains(out, "(uneven)") {
		t.Errorf("2, 1, 1 of 4 new leaders on 3 brokers flagged uneven")
	}
	if t.Failed() {
		t.Fatalf("screen:\n%s", out)
	}
	s2 := s
	s2.TopicState.Leaders = []int32{0, 1, 2, 0, 2, 2, 2, 1}
	eng.set(&s2)
	m.Update(tickMsg{})
	if out := screen(m); !strings.Contains(out, "4 new: broker 2 ×3, broker 1 ×1 (uneven)") {
		t.Fatalf("three of four new leaders on broker 2 not flagged:\n%s", out)
	}
}
