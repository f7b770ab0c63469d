package cmdline

import (
	"io"
	"testing"

	"partop/rules"
)

// TestTopicsViewOptions: --observe with no --topic is the topics view at
// the census's interval; a pattern narrows it; Observing is what Enter
// opens for one topic: observe mode on it at the topic's own interval,
// no pattern, no schedule.
func TestTopicsViewOptions(t *testing.T) {
	observer := &fake{name: "Alpha", observes: true}
	o, err := Parse([]string{"--observe"}, io.Discard, observer)
	if err != nil || !o.Cluster || o.PollInterval != rules.DefaultCensusInterval || o.TopicMatch != nil {
		t.Fatalf("--observe: cluster %v, interval %s, matcher %v, %v", o.Cluster, o.PollInterval, o.TopicMatch != nil, err)
	}
	p, err := Parse([]string{"--observe", "--topic", "orders.*"}, io.Discard, observer)
	if err != nil || !p.Cluster || p.TopicMatch == nil || !p.TopicMatch("orders.eu") || p.TopicMatch("audit") {
		t.Fatalf("--topic orders.*: cluster %v, %v", p.Cluster, err)
	}
	one := p.Observing("orders.eu")
	if one.Cluster || !one.Observe || one.Topic != "orders.eu" || one.Workload.Topic != "orders.eu" || one.TopicMatch != nil || one.PollInterval != rules.DefaultPollInterval {
		t.Fatalf("Observing: %+v", one.Common)
	}
}
