package engine

import (
	"strings"
	"testing"
	"time"

	"partop/rules"
)

func TestParseAt(t *testing.T) {
	good := map[string]Action{
		"10s:add=4":           {At: 10 * time.Second, Kind: ActAdd, N: 4},
		"10s:+4":              {At: 10 * time.Second, Kind: ActAdd, N: 4},
		"1m30s:partitions=16": {At: 90 * time.Second, Kind: ActSetTotal, N: 16},
		"1m30s:=16":           {At: 90 * time.Second, Kind: ActSetTotal, N: 16},
		"0s:rate=5000":        {Kind: ActRate, Rate: 5000},
		"2s:rate=0":           {At: 2 * time.Second, Kind: ActRate},
		"3s:pause":            {At: 3 * time.Second, Kind: ActPause},
		"4s:resume":           {At: 4 * time.Second, Kind: ActResume},
		"5s:add=4,balanced":   {At: 5 * time.Second, Kind: ActAdd, N: 4, Place: rules.PlaceBalanced},
		"5s:+4,balanced":      {At: 5 * time.Second, Kind: ActAdd, N: 4, Place: rules.PlaceBalanced},
		"6s:=8,cluster":       {At: 6 * time.Second, Kind: ActSetTotal, N: 8, Place: rules.PlaceCluster},
	}
	for in, want := range good {
		got, err := ParseAt(rules.Kafka, in)
		if err != nil || got != want {
			t.Errorf("ParseAt(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, err := ParseAction(rules.Kafka, got.String()); err != nil || again.Place != got.Place || again.N != got.N {
			t.Errorf("ParseAction(%q) = %+v, %v: String does not read back", got.String(), again, err)
		}
	}
	bad := map[string]string{
		"10s:add=0":            "add at least 1",
		"10s:add=-3":           "add at least 1",
		"10s:add=abc":          "not a whole number",
		"10s:add":              "needs a count",
		"10s:partitions=0":     "at least 1 partition",
		"10s:partitions=20000": "over partop's limit of 10000",
		"10s:add=20000":        "over partop's limit of 10000",
		"add=4":                "OFFSET:ACTION",
		"soon:add=4":           "not a duration",
		"-1s:add=4":            "not a duration",
		"10s:explode":          "unknown action",
		"10s:rate=fast":        "records/s",
		"10s:rate=-1":          "records/s",
		"10s:rate=2e9":         "records/s",
		"10s:pause=1":          "no value",
		"10s:add=4,even":       `unknown placement "even"`,
	}
	for in, want := range bad {
		_, err := ParseAt(rules.Kafka, in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseAt(%q) error = %v, want it to mention %q", in, err, want)
		}
	}
}

// TestOneParserForBoth: --at's add=N and partitions=N and the prompt's +N
// and =N are one grammar (rules.ParseGrow) with the same errors.
func TestOneParserForBoth(t *testing.T) {
	for _, pair := range [][2]string{{"add=4", "+4"}, {"add=4", "4"}, {"partitions=9", "=9"}, {"add=0", "+0"}, {"add=x", "+x"}, {"partitions=20000", "=20000"}} {
		a, errA := ParseAction(rules.Kafka, pair[0])
		g, errB := rules.ParseGrow(rules.Kafka, pair[1])
		var b Action
		if errB == nil {
			b = GrowAction(g)
		}
		if a != b || (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Errorf("%s → %v, %v; %s → %v, %v", pair[0], a, errA, pair[1], b, errB)
		}
	}
}

func TestCheckPlan(t *testing.T) {
	plan := []Action{{Kind: ActAdd, N: 4}, {Kind: ActRate, Rate: 5}, {Kind: ActSetTotal, N: 12}}
	if err := CheckPlan(rules.Kafka, 4, plan); err != nil {
		t.Fatalf("4 → 8 → 12 refused: %v", err)
	}
	err := CheckPlan(rules.Kafka, 4, []Action{{Kind: ActAdd, N: 4}, {At: time.Second, Kind: ActSetTotal, N: 8}})
	if err == nil || !strings.Contains(err.Error(), "cannot shrink") || !strings.Contains(err.Error(), "partitions=8") {
		t.Fatalf("8 → 8 error = %v, want a shrink message naming the action", err)
	}
	if err := CheckPlan(rules.Kafka, 9990, []Action{{Kind: ActAdd, N: 20}}); err == nil || !strings.Contains(err.Error(), "10000") {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestKeysMoved(t *testing.T) {
	for _, tc := range []struct {
		n, m int
		want float64
	}{
		{4, 8, 0.5}, {6, 8, 0.75}, {4, 5, 0.8}, {1, 2, 0.5}, {8, 8, 0}, {3, 9, 2.0 / 3}, {1000, 1001, 1000.0 / 1001},
	} {
		if got := KeysMoved(tc.n, tc.m); got < tc.want-1e-12 || got > tc.want+1e-12 {
			t.Errorf("KeysMoved(%d, %d) = %v, want %v", tc.n, tc.m, got, tc.want)
		}
	}
}
