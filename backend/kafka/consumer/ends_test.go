package consumer

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/rules"
	"partop/source"
)

// TestEndsAtAssignmentLeaderBehind: partitions assigned just after an
// expansion whose leaders do not know them yet (they answer
// UNKNOWN_TOPIC_OR_PARTITION, as a Kafka broker that has not applied the
// new partitions does) still get their end offsets at assignment, asked
// again, and no problem is reported.
func TestEndsAtAssignmentLeaderBehind(t *testing.T) {
	t.Parallel()
	const topic = "behind"
	fake, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(2, topic),
		kfake.BrokerConfigs(map[string]string{"group.consumer.heartbeat.interval.ms": "1000"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	opts := []kgo.Opt{kgo.SeedBrokers(fake.ListenAddrs()...)}
	// earliest: the group's own ListOffsets asks for the start (-2); only
	// the end offsets at assignment (-1) meet the fault.
	_, rec := running(t, Config{Topic: topic, ClientOpts: opts, ConsumerConfig: group(rules.ProtocolConsumer, rules.ResetEarliest)})
	waitAll(t, wait, "the first partitions' ends at assignment", []int32{0, 1}, func(p int32) bool { _, ok := endAtAssignment(rec, p); return ok })

	h := fake.Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: topic, Partitions: []int32{2, 3},
		Err: kerr.UnknownTopicOrPartition, Count: 4,
		When: func(r kmsg.Request) bool {
			for _, rt := range r.(*kmsg.ListOffsetsRequest).Topics {
				for _, rp := range rt.Partitions {
					if rp.Timestamp == -1 {
						return true
					}
				}
			}
			return false
		},
	})
	adm := kadm.NewClient(kgoClient(t, opts))
	if resp, err := adm.UpdatePartitions(context.Background(), 4, topic); err != nil || resp.Error() != nil {
		t.Fatalf("UpdatePartitions: %v %v", err, resp.Error())
	}
	waitAll(t, wait, "the new partitions' ends at assignment", []int32{2, 3}, func(p int32) bool { _, ok := endAtAssignment(rec, p); return ok })
	for _, p := range []int32{2, 3} {
		if end, _ := endAtAssignment(rec, p); end != 0 {
			t.Errorf("partition %d: end at assignment %d, want 0", p, end)
		}
	}
	if h.Hits() == 0 {
		t.Fatal("the fault answered no request: the test tested nothing")
	}
	for _, pr := range factsOf[source.Problem](rec) {
		t.Errorf("problem: %s", pr.Message)
	}
	t.Logf("%d ListOffsets requests answered UNKNOWN_TOPIC_OR_PARTITION", h.Hits())
}

func kgoClient(t *testing.T, opts []kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
