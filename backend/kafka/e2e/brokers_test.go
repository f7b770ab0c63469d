//go:build kafka

package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var toolReplicas = regexp.MustCompile(`Partition:\s*(\d+)\s+Leader:\s*(-?\d+)\s+Replicas:\s*([\d,]+)`)

// TestBrokersAgainstTool is issue 22's brokers check on the 3-node
// cluster: partop's brokers for a topic (its observe dashboard's headless
// summary) hold each broker's leaders and replicas of that topic exactly
// as kafka-topics --describe counts them; the topics view (a --topic
// pattern matching the topic alone) lists the topic with its partitions
// and every broker of the cluster.
func TestBrokersAgainstTool(t *testing.T) {
	topic := topicName("brokers")
	createTopic(t, topic, 7, 2, nil)
	wantLeaders, wantReplicas := map[int]int{}, map[int]int{}
	desc := kafkaSh(t, 2*time.Minute, "topics", "--describe", "--topic", topic)
	rows := toolReplicas.FindAllStringSubmatch(desc, -1)
	if len(rows) != 7 {
		t.Fatalf("kafka-topics --describe: %d partitions, want 7:\n%s", len(rows), desc)
	}
	for _, m := range rows {
		l, _ := strconv.Atoi(m[2])
		wantLeaders[l]++
		for _, r := range strings.Split(m[3], ",") {
			id, _ := strconv.Atoi(r)
			wantReplicas[id]++
		}
	}
	code, stderr, _, sum := headless(t, time.Minute, nil, nil, "--observe", "--brokers", joinComma(env.brokers), "--topic", topic, "--duration", "4s")
	if code != 0 || sum == nil {
		t.Fatalf("partop --observe exit %d: %s", code, stderr)
	}
	bs, _ := sum["brokers"].([]any)
	if len(bs) != len(env.brokers) {
		t.Fatalf("partop's brokers %v, want %d of them", bs, len(env.brokers))
	}
	for _, b := range bs {
		m := b.(map[string]any)
		id := int(m["broker"].(float64))
		if l, r := int(m["leaders"].(float64)), int(m["replicas"].(float64)); l != wantLeaders[id] || r != wantReplicas[id] {
			t.Errorf("broker %d: partop says %d leaders, %d replicas; kafka-topics --describe %d and %d", id, l, r, wantLeaders[id], wantReplicas[id])
		}
	}
	report(t, "brokers of %s: partop %v; kafka-topics leaders %v, replicas %v", topic, bs, wantLeaders, wantReplicas)

	// The topics view, narrowed by a pattern to this topic.
	code, stderr, lines, _ := headless(t, time.Minute, nil, nil, "--observe", "--brokers", joinComma(env.brokers), "--topic", regexp.QuoteMeta(topic)+"$", "--duration", "3s", "--poll-interval", "1s")
	if code != 0 || len(lines) == 0 {
		t.Fatalf("the topics view: exit %d, %d lines: %s", code, len(lines), stderr)
	}
	last := lines[len(lines)-1]
	ts, _ := last["topics"].([]any)
	if last["mode"] != "cluster" || len(ts) != 1 || ts[0].(map[string]any)["topic"] != topic || int(ts[0].(map[string]any)["partitions"].(float64)) != 7 {
		t.Fatalf("the topics view's last line: %v", last)
	}
	if _, ok := ts[0].(map[string]any)["groups"]; !ok {
		t.Errorf("the topics view's topic has no groups figure (groups are polled by default): %v", ts[0])
	}
	if cb, _ := last["brokers"].([]any); len(cb) != len(env.brokers) {
		t.Errorf("the topics view lists brokers %v, want %d", cb, len(env.brokers))
	} else {
		report(t, "topics view: %s, brokers %s", fmt.Sprint(ts[0]), fmt.Sprint(cb))
	}
}
