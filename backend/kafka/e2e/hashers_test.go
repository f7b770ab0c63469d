//go:build kafka

package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/keys"
)

// TestHashersOnKafka checks keys.Hashers against librdkafka itself: kcat
// produces keyed records (and empty and null keys) with each of
// librdkafka's partitioners to a fresh 7-partition topic, and
// keys.Analyze, reading them back with their partitions, must name the
// placement that explains every keyed one. Empty keys go where
// src/rdkafka_msg.c says: at random under consistent_random only, hashed
// under every other partitioner. sticky.partitioning.linger.ms=0 makes
// librdkafka draw a new random partition for each unplaced record, so
// that random empty keys cannot all land, by stickiness, where a hash
// would have put them.
func TestHashersOnKafka(t *testing.T) {
	path, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat not found: install Debian's kcat (apt-get install kcat; scripts/kafka-test.sh does as root): %v", err)
	}
	const partitions, keyed, empty, null = 7, 300, 30, 20
	for _, c := range []struct {
		partitioner string
		hasher      int // index in keys.Hashers
		emptyRandom bool
	}{
		{"consistent_random", 1, true},
		{"consistent", 1, false},
		{"murmur2_random", 0, false},
		{"murmur2", 0, false},
		{"fnv1a_random", 2, false},
		{"fnv1a", 2, false},
	} {
		t.Run(c.partitioner, func(t *testing.T) {
			topic := topicName("hashers-" + strings.ReplaceAll(c.partitioner, "_", "-"))
			createTopic(t, topic, partitions, 1, nil)
			var in strings.Builder
			for i := range keyed {
				fmt.Fprintf(&in, "user-%d|value-%d\n", i, i)
			}
			for i := range empty {
				fmt.Fprintf(&in, "|empty-%d\n", i) // key "" (kcat passes a non-NULL pointer)
			}
			for i := range null {
				fmt.Fprintf(&in, "null-%d\n", i) // no delimiter: key NULL
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, path, "-P", "-b", joinComma(env.brokers), "-t", topic, "-K", "|",
				"-X", "partitioner="+c.partitioner, "-X", "sticky.partitioning.linger.ms=0")
			cmd.Stdin = strings.NewReader(in.String())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kcat -P: %v\n%s", err, out)
			}

			s, emptyOn, nulls := readKeyed(t, topic, partitions, keyed+empty+null)
			if nulls != null || len(emptyOn) == 0 {
				t.Fatalf("read back %d null keys and empty keys on %v: want %d null, %d empty", nulls, emptyOn, null, empty)
			}
			a := keys.Analyze(s, nil, []int{partitions}, 3)
			want := keys.Hashers[c.hasher]
			if a.Hasher != c.hasher || a.Partitioner != want.Name || a.Explained != 1 || a.Keyed != keyed+empty || a.Sampled != keyed+empty+null {
				t.Errorf("librdkafka %s: analysed as %s (hasher %d, %q) explaining %v of %d keyed, %d sampled; want %s (%q) explaining 1",
					c.partitioner, a.Partitioner, a.Hasher, a.Clients, a.Explained, a.Keyed, a.Sampled, want.Name, want.Clients)
			}
			if random := len(emptyOn) > 1; random != c.emptyRandom {
				t.Errorf("librdkafka %s put %d empty keys on partitions %v: random %v, want %v", c.partitioner, empty, emptyOn, random, c.emptyRandom)
			}
			h, share := runnerUp(s, partitions, c.hasher)
			report(t, "librdkafka %s %s: %s (%s) explains %.3f of %d keyed records, the next best (%s: %s) %.3f; empty keys on partitions %v",
				librdkafkaVersion(&kcatGroup{cmd: exec.Command(path)}), c.partitioner, a.Partitioner, a.Clients, a.Explained, a.Keyed,
				keys.Hashers[h].Name, keys.Hashers[h].Clients, share, emptyOn)
		})
	}
}

// readKeyed reads want records of topic back from its start over
// PLAINTEXT into a keys.Sample (every record kept), and says which
// partitions held empty keys and how many keys were null.
func readKeyed(t *testing.T, topic string, partitions, want int) (keys.Sample, map[int32]int, int) {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := range int32(partitions) {
		offsets[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := keys.Sample{Partitions: map[int32]keys.PartitionSample{}}
	emptyOn := map[int32]int{}
	read, nulls := 0, 0
	for read < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records of %s: %v", read, want, topic, ctx.Err())
		}
		fs.EachError(func(tp string, p int32, err error) { t.Logf("fetch %s/%d: %v", tp, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			read++
			switch {
			case r.Key == nil:
				nulls++
			case len(r.Key) == 0:
				emptyOn[r.Partition]++
			}
			ps := s.Partitions[r.Partition]
			ps.Records = append(ps.Records, keys.NewRecord(r.Key, len(r.Value)))
			ps.Seen++
			s.Partitions[r.Partition] = ps
		})
	}
	return s, emptyOn, nulls
}

// runnerUp is the hasher other than found that places the most of the
// sample's non-empty keys where they are, and its share: how clearly the
// sample tells the placements apart.
func runnerUp(s keys.Sample, partitions, found int) (int, float64) {
	best, bestN, total := -1, -1, 0
	for h := range keys.Hashers {
		n := 0
		total = 0
		for p, ps := range s.Partitions {
			for _, r := range ps.Records {
				if r.Len > 0 {
					total++
					if keys.Hashers[h].Place(r.Sums[h], partitions) == int(p) {
						n++
					}
				}
			}
		}
		if h != found && n > bestN {
			best, bestN = h, n
		}
	}
	return best, float64(bestN) / float64(total)
}
