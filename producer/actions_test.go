package producer

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseAt(t *testing.T) {
	good := map[string]Action{
		"10s:add=4":           {At: 10 * time.Second, Kind: ActAdd, N: 4},
		"1m30s:partitions=16": {At: 90 * time.Second, Kind: ActSetTotal, N: 16},
		"0s:rate=5000":        {Kind: ActRate, Rate: 5000},
		"2s:rate=0":           {At: 2 * time.Second, Kind: ActRate},
		"3s:pause":            {At: 3 * time.Second, Kind: ActPause},
		"4s:resume":           {At: 4 * time.Second, Kind: ActResume},
	}
	for in, want := range good {
		got, err := ParseAt(in)
		if err != nil || got != want {
			t.Errorf("ParseAt(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"10s:add=0":            "at least 1",
		"10s:add=-3":           "at least 1",
		"10s:add=abc":          "not a whole number",
		"10s:add":              "needs a count",
		"10s:partitions=0":     "between 1 and 10000",
		"10s:partitions=20000": "between 1 and 10000",
		"10s:add=20000":        "limit",
		"add=4":                "OFFSET:ACTION",
		"soon:add=4":           "not a duration",
		"-1s:add=4":            "not a duration",
		"10s:explode":          "unknown action",
		"10s:rate=fast":        "records/s",
		"10s:rate=-1":          "records/s",
		"10s:pause=1":          "no value",
	}
	for in, want := range bad {
		_, err := ParseAt(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseAt(%q) error = %v, want it to mention %q", in, err, want)
		}
	}
}

func TestCheckPlan(t *testing.T) {
	plan := []Action{{Kind: ActAdd, N: 4}, {Kind: ActRate, Rate: 5}, {Kind: ActSetTotal, N: 12}}
	if err := CheckPlan(4, plan); err != nil {
		t.Fatalf("4 → 8 → 12 refused: %v", err)
	}
	err := CheckPlan(4, []Action{{Kind: ActAdd, N: 4}, {At: time.Second, Kind: ActSetTotal, N: 8}})
	if err == nil || !strings.Contains(err.Error(), "cannot shrink") || !strings.Contains(err.Error(), "partitions=8") {
		t.Fatalf("8 → 8 error = %v, want a shrink message naming the action", err)
	}
	if err := CheckPlan(9990, []Action{{Kind: ActAdd, N: 20}}); err == nil || !strings.Contains(err.Error(), "10000") {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestApplyRefusesShrinkAndKeepsProducing(t *testing.T) {
	c := embedded(t, "shrink", 4)
	p := running(t, c, Config{Topic: "shrink", Rate: 500})
	ctx := context.Background()
	err := p.Apply(ctx, Action{Kind: ActSetTotal, N: 3})
	if err == nil || !strings.Contains(err.Error(), "cannot shrink") {
		t.Fatalf("shrink error = %v", err)
	}
	if err := p.Apply(ctx, Action{Kind: ActSetTotal, N: 4}); err == nil {
		t.Fatal("keeping the count accepted")
	}
	topic, err := c.Describe(ctx, "shrink")
	if err != nil || topic.Count() != 4 {
		t.Fatalf("topic now has %d partitions (%v), want 4 untouched", topic.Count(), err)
	}
	n := total(p)
	waitFor(t, 10*time.Second, "the producer to keep going", func() bool { return total(p) > n+100 })
	var logged bool
	for _, e := range p.Events() {
		logged = logged || (e.Kind == KindError && strings.Contains(e.Message, "cannot shrink"))
	}
	if !logged {
		t.Fatal("the refused action is not in the event log")
	}
}
