//go:build kafka

package e2e

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/kproducer"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
	"partop/source"
)

// TestBalancedPlacement: a topic of 6 partitions (replication factor 2)
// whose leaders sit 4 on the first broker and 1 on each other, with
// partop's producer spreading 3,000 records/s evenly over its partitions,
// so the first broker leads two thirds of the traffic. partop adds 6
// partitions twice, on two such topics: (a) at the cluster's own
// placement, (b) balanced. After each, with the producer spreading evenly
// over all 12, the traffic-weighted leader share per broker (the measured
// records/s of the partitions each broker leads, from the broker's own
// metadata) is within 10% of even (a third) after (b) and not after (a).
// The new partitions' replicas are compared with kadm's and
// kafka-topics --describe's view.
func TestBalancedPlacement(t *testing.T) {
	brokers := brokerIDs(t)
	if len(brokers) < 3 {
		t.Skipf("%d brokers: the scenario needs 3", len(brokers))
	}
	hot, b2, b3 := brokers[0], brokers[1], brokers[2]
	skewed := [][]int32{{hot, b2}, {hot, b3}, {hot, b2}, {hot, b3}, {b2, hot}, {b3, hot}}
	c := openCluster(t, env.brokers, cluster.Security{})

	var devs = map[string]float64{}
	for _, place := range []string{rules.PlaceCluster, rules.PlaceBalanced} {
		t.Run(place, func(t *testing.T) {
			topic := topicName("place-" + place)
			createAssigned(t, topic, skewed)
			p := startProducer(t, c, kproducer.Config{Config: producer.Config{Topic: topic, Rate: 3000, Partitioner: rules.RoundRobin}}, newLedger())
			waitfor.That(t, 30*time.Second, "acks on all 6 partitions", func() bool { return firstAcks(p, 0, 6) })
			time.Sleep(6 * time.Second) // a full balance window (5 s) on every partition
			before := leaderShares(t, c, topic, p.eng.Load())

			a := engine.Action{Kind: engine.ActAdd, N: 6, Place: place}
			var plan source.Plan
			if place == rules.PlaceBalanced {
				var err error
				if plan, err = p.eng.PlanAdd(context.Background(), a); err != nil {
					t.Fatal(err)
				}
				a.Plan = &plan // what the prompt previews is what is placed
			}
			if err := p.eng.Apply(context.Background(), a); err != nil {
				t.Fatal(err)
			}
			waitfor.That(t, 30*time.Second, "the new partitions picked up", func() bool {
				e, ok := lastExpansion(p, engine.ByPartop)
				return ok && e.Done
			})
			time.Sleep(6 * time.Second) // the balance window again, now over 12 partitions
			after := leaderShares(t, c, topic, p.eng.Load())
			dev := after.maxDev()
			devs[place] = dev

			got := describeReplicas(t, topic)
			tool := toolLeaders(t, topic)
			for i := 6; i < 12; i++ {
				if got[int32(i)][0] != tool[int32(i)] {
					t.Errorf("partition %d: kadm says leader %d, kafka-topics %d", i, got[int32(i)][0], tool[int32(i)])
				}
				if len(got[int32(i)]) != 2 {
					t.Errorf("partition %d has replicas %v: the replication factor is 2", i, got[int32(i)])
				}
			}
			if place == rules.PlaceBalanced {
				for i, want := range plan.Replicas {
					if g := got[int32(6+i)]; !slices.Equal(g, want) {
						t.Errorf("partition %d: the broker lists replicas %v, partop planned %v", 6+i, g, want)
					}
				}
				if dev > 0.10 {
					t.Errorf("balanced: leader shares %s, %.0f%% off even; want within 10%%", after, 100*dev)
				}
			} else if dev <= 0.10 {
				t.Errorf("the cluster's own placement came out even (%s): the scenario proves nothing", after)
			}
			leaders := make([]string, 0, 6)
			for i := 6; i < 12; i++ {
				leaders = append(leaders, fmt.Sprint(got[int32(i)][0]))
			}
			if err := p.Close(); err != nil {
				t.Error(err)
			}
			report(t, "%s placement: before %s (%.0f%% off even) | new leaders %s | after %s (%.0f%% off even)",
				place, before, 100*before.maxDev(), strings.Join(leaders, ","), after, 100*dev)
		})
	}
	if devs[rules.PlaceCluster] <= devs[rules.PlaceBalanced] {
		t.Errorf("balanced placement (%.0f%% off even) was no better than the cluster's (%.0f%%)", 100*devs[rules.PlaceBalanced], 100*devs[rules.PlaceCluster])
	}

	t.Run("refused", func(t *testing.T) {
		topic := topicName("place-refused")
		createAssigned(t, topic, skewed)
		ctx := context.Background()
		plan, err := c.Plan(ctx, topic, func(n int) int { return n + 1 }, nil)
		if err != nil {
			t.Fatal(err)
		}
		bad := plan
		bad.Replicas = [][]int32{{hot, 99}}
		_, _, errBad := c.GrowPlaced(ctx, topic, bad)
		if !strings.Contains(fmt.Sprint(errBad), "INVALID_REPLICA_ASSIGNMENT") {
			t.Errorf("a replica on broker 99: %v", errBad)
		}
		bob := openCluster(t, env.saslBrokers, scram("bob", "bob-secret"))
		bplan, err := bob.Plan(ctx, topic, func(n int) int { return n + 1 }, nil)
		if err != nil {
			t.Fatalf("bob may describe the topic, so he may plan: %v", err)
		}
		_, _, err = bob.GrowPlaced(ctx, topic, bplan)
		if !errorsIsAuth(err) || !strings.Contains(err.Error(), "placed leaders → ") {
			t.Errorf("bob adding placed partitions: %v; want an authorization error naming the placement", err)
		}
		if n := len(describeReplicas(t, topic)); n != 6 {
			t.Errorf("refused placements left %d partitions, want 6", n)
		}
		report(t, "refused: a replica on broker 99: %v | bob: %v", errBad, err)
	})
}

func errorsIsAuth(err error) bool {
	return err != nil && (strings.Contains(err.Error(), kerr.TopicAuthorizationFailed.Message) || strings.Contains(err.Error(), kerr.ClusterAuthorizationFailed.Message))
}

// shares are each broker's share of the topic's traffic: the measured
// records/s of the partitions it leads, over the total.
type shares map[int32]float64

// maxDev is the largest relative distance of a broker's share from even.
func (s shares) maxDev() float64 {
	var dev float64
	for _, v := range s {
		dev = math.Max(dev, math.Abs(v*float64(len(s))-1))
	}
	return dev
}

func (s shares) String() string {
	ids := make([]int32, 0, len(s))
	for id := range s {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("broker %d %.1f%%", id, 100*s[id])
	}
	return strings.Join(out, ", ")
}

// leaderShares weighs each partition's measured rate by its leader as the
// brokers' metadata has it now.
func leaderShares(t *testing.T, c *cluster.Cluster, topic string, load []float64) shares {
	t.Helper()
	top, err := c.Describe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := shares{}
	for _, id := range brokerIDs(t) {
		out[id] = 0
	}
	var total float64
	for _, p := range top.Partitions {
		if int(p.ID) < len(load) {
			out[p.Leader] += load[p.ID]
			total += load[p.ID]
		}
	}
	if total == 0 {
		t.Fatalf("no traffic measured on %s", topic)
	}
	for id := range out {
		out[id] /= total
	}
	return out
}

// brokerIDs are the cluster's brokers, ascending.
func brokerIDs(t *testing.T) []int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bs, err := admin(t).ListBrokers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := bs.NodeIDs()
	slices.Sort(ids)
	return ids
}

// createAssigned creates topic with an explicit replica assignment (the
// leader first), as kadm's CreateTopic cannot.
func createAssigned(t *testing.T, topic string, replicas [][]int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, -1, -1
	for i, r := range replicas {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = int32(i), r
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
	}
	req.Topics = append(req.Topics, rt)
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := req.RequestWith(ctx, cl)
	if err == nil && len(resp.Topics) == 1 {
		err = kerr.ErrorForCode(resp.Topics[0].ErrorCode)
	}
	if err != nil {
		t.Fatalf("create %s assigned %v: %v", topic, replicas, err)
	}
	waitKnownEverywhere(t, topic)
}

// describeReplicas is kadm's view of the topic's replicas (the leader
// first, as Kafka lists them when leaders are the preferred ones), by
// partition, with the leader checked to be the first replica.
func describeReplicas(t *testing.T, topic string) map[int32][]int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tds, err := admin(t).ListTopics(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32][]int32{}
	for _, p := range tds[topic].Partitions {
		if len(p.Replicas) == 0 || p.Leader != p.Replicas[0] {
			t.Errorf("partition %d: leader %d, replicas %v: the leader is not the preferred one", p.Partition, p.Leader, p.Replicas)
		}
		out[p.Partition] = p.Replicas
	}
	return out
}

var toolLine = regexp.MustCompile(`Partition:\s*(\d+)\s+Leader:\s*(-?\d+)`)

// toolLeaders is kafka-topics --describe's view of the topic's leaders.
func toolLeaders(t *testing.T, topic string) map[int32]int32 {
	t.Helper()
	out := map[int32]int32{}
	for _, m := range toolLine.FindAllStringSubmatch(kafkaSh(t, 2*time.Minute, "topics", "--describe", "--topic", topic), -1) {
		p, _ := strconv.Atoi(m[1])
		l, _ := strconv.Atoi(m[2])
		out[int32(p)] = int32(l)
	}
	return out
}
