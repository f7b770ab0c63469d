package census_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/census"
	"partop/backend/kafka/cluster/embeddedtest"
	"partop/overview"
)

// TestCensusOnEmbedded: a census names every topic with its partitions,
// each partition's leader and replicas, and end offsets equal to the
// records written; the brokers are the cluster's.
func TestCensusOnEmbedded(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := map[string][]int{"alpha": {3, 0, 5}, "beta": {1}, "gamma": {0, 0, 0, 0, 2}}
	cl, err := kgo.NewClient(append(c.ClientOpts(), kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for name, counts := range want {
		if _, err := c.EnsureTopic(ctx, name, len(counts), true); err != nil {
			t.Fatal(err)
		}
		for p, n := range counts {
			for i := range n {
				r := &kgo.Record{Topic: name, Partition: int32(p), Value: fmt.Appendf(nil, "%d", i)}
				if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// A group with commits (an admin's commit, no member): 1 and 4
	// records behind on alpha's partitions 0 and 2.
	var offs kadm.Offsets
	offs.Add(kadm.Offset{Topic: "alpha", Partition: 0, At: 2})
	offs.Add(kadm.Offset{Topic: "alpha", Partition: 2, At: 1})
	if _, err := kadm.NewClient(cl).CommitOffsets(ctx, "billing", offs); err != nil {
		t.Fatal(err)
	}
	p := census.New(cl)
	p.Groups = true
	got, err := p.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 1 || got.Groups[0].Group != "billing" || got.Groups[0].Commits["alpha"][0] != 2 || got.Groups[0].Commits["alpha"][2] != 1 {
		t.Errorf("groups %+v, want billing at 2 and 1 on alpha 0 and 2", got.Groups)
	}
	if got.Partial != "" {
		t.Errorf("Partial = %q, want nothing missed", got.Partial)
	}
	if len(got.Brokers) == 0 {
		t.Fatalf("no brokers")
	}
	brokers := map[int32]bool{}
	for _, b := range got.Brokers {
		brokers[b.ID] = true
	}
	seen := map[string]bool{}
	for _, tp := range got.Topics {
		counts, ok := want[tp.Name]
		if !ok {
			continue
		}
		seen[tp.Name] = true
		if len(tp.Partitions) != len(counts) {
			t.Errorf("%s: %d partitions, want %d", tp.Name, len(tp.Partitions), len(counts))
			continue
		}
		for p, part := range tp.Partitions {
			if part.End != int64(counts[p]) {
				t.Errorf("%s/%d: end %d, want %d", tp.Name, p, part.End, counts[p])
			}
			if !brokers[part.Leader] || len(part.Replicas) == 0 {
				t.Errorf("%s/%d: leader %d, replicas %v: not the cluster's brokers %v", tp.Name, p, part.Leader, part.Replicas, got.Brokers)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("census topics %v lack some of %v", names(got.Topics), want)
	}
	for i := 1; i < len(got.Topics); i++ {
		if got.Topics[i-1].Name >= got.Topics[i].Name {
			t.Errorf("topics not sorted by name: %v", names(got.Topics))
		}
	}
}

func names(ts []overview.Topic) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

// TestCensusNoGroups: a census that looks at groups on a cluster with
// none says so (an empty list), not "not looked at" (nil).
func TestCensusNoGroups(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "lonely", 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(c.ClientOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	p := census.New(cl)
	p.Groups = true
	got, err := p.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Groups == nil || len(got.Groups) != 0 {
		t.Fatalf("groups %#v, want an empty list", got.Groups)
	}
}
