package rules

import (
	"strings"
	"testing"
)

func TestCheckGrow(t *testing.T) {
	for _, tc := range []struct {
		cur, target int
		ok          bool
	}{{4, 8, true}, {4, 4, false}, {4, 3, false}, {0, 1, true}, {0, 0, false}, {4, MaxPartitions, true}, {4, MaxPartitions + 1, false}} {
		if err := CheckGrow(Kafka, tc.cur, tc.target); (err == nil) != tc.ok {
			t.Errorf("CheckGrow(%d, %d) = %v", tc.cur, tc.target, err)
		}
	}
}

// TestParseGrow: the forms operators type, the checks that need no
// cluster, and a refusal that names the platform it runs on.
func TestParseGrow(t *testing.T) {
	for in, want := range map[string]Grow{"4": {N: 4}, "+4": {N: 4}, " + 4 ": {N: 4}, "=16": {N: 16, Total: true}, "= 6": {N: 6, Total: true},
		"4,balanced": {N: 4, Place: PlaceBalanced}, "+4 balanced": {N: 4, Place: PlaceBalanced}, "=8, cluster": {N: 8, Total: true, Place: PlaceCluster}, "4,": {N: 4}} {
		if g, err := ParseGrow(Kafka, in); err != nil || g != want {
			t.Errorf("ParseGrow(%q) = %+v, %v; want %+v", in, g, err, want)
		}
	}
	for in, want := range map[string]string{
		"":          "type a number",
		"=":         "type a number after =",
		"x":         "not a whole number",
		"++4":       "not a whole number",
		"=0":        "at least 1 partition",
		"=20000":    "over partop's limit of 10000",
		"20000":     "over partop's limit of 10000",
		"4,even":    `unknown placement "even" after the count: want ,cluster or ,balanced`,
		"4 even":    "not a whole number",
		",balanced": "type a number",
	} {
		if _, err := ParseGrow(Kafka, in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseGrow(%q) error %v, want it to mention %q", in, err, want)
		}
	}
	for platform, want := range map[string]string{
		Kafka:  "add at least 1 partition (got 0): Kafka cannot remove partitions",
		Fluvio: "add at least 1 partition (got 0): Fluvio cannot remove partitions",
		"":     "add at least 1 partition (got 0): the cluster cannot remove partitions",
	} {
		if _, err := ParseGrow(platform, "+0"); err == nil || err.Error() != want {
			t.Errorf("ParseGrow(%q, +0) error %v, want %q", platform, err, want)
		}
	}
	if err := FluvioRules.CheckPlacement(PlaceBalanced); err == nil || !strings.HasPrefix(err.Error(), "balanced placement is not available on Fluvio: Fluvio's SC places") {
		t.Errorf("Fluvio's balanced placement: %v", err)
	}
	for _, p := range []string{"", PlaceCluster, PlaceBalanced} {
		if err := KafkaRules.CheckPlacement(p); err != nil {
			t.Errorf("Kafka's %q placement: %v", p, err)
		}
	}
	if err := KafkaRules.CheckPlacement("even"); err == nil || !strings.Contains(err.Error(), "want cluster or balanced") {
		t.Errorf("an unknown placement: %v", err)
	}
	if err := CheckGrow(Fluvio, 4, 4); err == nil || !strings.Contains(err.Error(), "Fluvio cannot shrink a topic") {
		t.Errorf("CheckGrow(Fluvio, 4, 4) = %v, want Fluvio's rule", err)
	}
	if g := (Grow{N: 4}); g.Target(8) != 12 {
		t.Errorf("+4 on 8: %d", g.Target(8))
	}
	if g := (Grow{N: 4, Total: true}); g.Target(2) != 4 {
		t.Errorf("=4 on 2: %d", g.Target(2))
	}
}

// TestParseRate: one message for a rate that is not a number and one out
// of range.
func TestParseRate(t *testing.T) {
	if r, err := ParseRate(" 500 "); err != nil || r != 500 {
		t.Errorf("ParseRate(500) = %v, %v", r, err)
	}
	for _, in := range []string{"fast", "", "-1", "2e9", "NaN"} {
		if _, err := ParseRate(in); err == nil || !strings.Contains(err.Error(), "want records/s, 0 (as fast as possible) to 1e+09") {
			t.Errorf("ParseRate(%q) error %v", in, err)
		}
	}
}

func TestTopicNames(t *testing.T) {
	for _, tc := range []struct {
		platform, name string
		want           string // "" = accepted
	}{
		{Kafka, "orders.v1_eu-west", ""},
		{Kafka, "", "empty"},
		{Kafka, "..", `"." or ".."`},
		{Kafka, strings.Repeat("t", 250), "at most 249"},
		{Kafka, "bad/name", "only letters, digits"},
		{Fluvio, "orders-v1", ""},
		{Fluvio, "Orders_v1", "Fluvio topic names"},
		{Fluvio, "-orders", "Fluvio topic names"},
		{Fluvio, strings.Repeat("t", 64), "Fluvio topic names"},
	} {
		err := map[string]Platform{Kafka: KafkaRules, Fluvio: FluvioRules}[tc.platform].CheckTopicName(tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %q: %v", tc.platform, tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %q: error %v, want one with %q", tc.platform, tc.name, err, tc.want)
		}
	}
}

func TestPartitionersByPlatform(t *testing.T) {
	if err := KafkaRules.CheckPartitioner(LeastBackup); err != nil {
		t.Errorf("least-backup on Kafka: %v", err)
	}
	if err := FluvioRules.CheckPartitioner(LeastBackup); err == nil || !strings.Contains(err.Error(), "not available on Fluvio") {
		t.Errorf("least-backup on Fluvio: %v", err)
	}
	if err := KafkaRules.CheckPartitioner("random"); err == nil || !strings.Contains(err.Error(), "unknown partitioner") {
		t.Errorf("random: %v", err)
	}
}

func TestGroupRules(t *testing.T) {
	for _, bad := range []string{"", "  ", strings.Repeat("g", MaxGroupName+1)} {
		if CheckGroupName(bad) == nil {
			t.Errorf("group name %q accepted", bad)
		}
	}
	if err := CheckGroupName(strings.Repeat("g", MaxGroupName)); err != nil {
		t.Errorf("a %d-character name: %v", MaxGroupName, err)
	}
	if CheckConsumerProtocol("eager") == nil || CheckConsumerProtocol("") != nil || CheckConsumerProtocol(ProtocolClassic) != nil {
		t.Error("protocol check")
	}
	for in, want := range map[string]string{"earliest": "earliest/0s", "latest": "latest/0s", "by-duration:90m": "by-duration/1h30m0s"} {
		p, d, err := ParseReset(in)
		if err != nil || p+"/"+d.String() != want {
			t.Errorf("ParseReset(%q) = %q, %s, %v", in, p, d, err)
		}
	}
	for _, bad := range []string{"", "none", "by-duration", "by-duration:", "by-duration:-5m", "by-duration:soon"} {
		if _, _, err := ParseReset(bad); err == nil {
			t.Errorf("ParseReset(%q) accepted", bad)
		}
	}
}
