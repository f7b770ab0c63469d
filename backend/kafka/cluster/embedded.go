package cluster

import (
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// EmbeddedConfig shapes the in-process cluster.
type EmbeddedConfig struct {
	Brokers int // default 3
	// Port is the first broker's port (default 9092, so kcat and friends
	// find it where they look); when it is taken, every broker gets a free
	// port. -1 means always use free ports (tests).
	Port int
	// RetainBytes is the topic's retention budget, split over its
	// partitions (default 128 MiB). kfake keeps every record in memory
	// unless retention is set, so this is what keeps a long run bounded.
	RetainBytes int64
}

const (
	defaultRetainBytes = 128 << 20
	// segmentBytes is small because kfake frees memory a whole segment at
	// a time: retention can only drop what a closed segment holds.
	segmentBytes = 1 << 20
	// minRetainPerPartition keeps a few segments on even the widest topic,
	// so records stay readable.
	minRetainPerPartition = 4 * segmentBytes
)

func (e EmbeddedConfig) withDefaults() EmbeddedConfig {
	if e.Brokers <= 0 {
		e.Brokers = 3
	}
	if e.Port == 0 {
		e.Port = 9092
	}
	if e.RetainBytes <= 0 {
		e.RetainBytes = defaultRetainBytes
	}
	return e
}

// EmbeddedClusterID is the embedded cluster's id, as Metadata answers it:
// how a client that reached it with --brokers (observe mode) knows it is
// partop's kfake. Kafka's own ids are base64 UUIDs.
const EmbeddedClusterID = "partop"

func startEmbedded(e EmbeddedConfig) (*kfake.Cluster, error) {
	e = e.withDefaults()
	opts := []kfake.Opt{
		kfake.ClusterID(EmbeddedClusterID),
		kfake.BrokerConfigs(map[string]string{
			// The retention ticker only runs when this is set; once a
			// second keeps memory close to the budget even at full speed.
			"log.cleaner.backoff.ms": "1000",
			// A KIP-848 group learns of new partitions on its members'
			// next heartbeat: at Kafka's default of 5 s, partop's demo
			// would show its consumer group taking up to 5 s to be
			// assigned an expansion, which is the broker's setting, not
			// what the demo is about (what the group's reset policy
			// skips). 1 s is Kafka's floor for this setting
			// (group.consumer.min.heartbeat.interval.ms), so the demo
			// shows what a real cluster can be tuned to, within about a
			// second as partop's producer and its classic group do.
			"group.consumer.heartbeat.interval.ms": "1000",
		}),
	}
	if e.Port > 0 {
		ports := make([]int, e.Brokers)
		ports[0] = e.Port
		if c, err := kfake.NewCluster(append(opts, kfake.Ports(ports...))...); err == nil {
			return c, nil
		}
	}
	c, err := kfake.NewCluster(append(opts, kfake.NumBrokers(e.Brokers))...)
	if err != nil {
		return nil, fmt.Errorf("start embedded cluster: %w", err)
	}
	return c, nil
}

// topicConfigs are the configs the embedded cluster gives partop's topic.
func (e EmbeddedConfig) topicConfigs(partitions int) map[string]*string {
	seg := strconv.Itoa(segmentBytes)
	ret := strconv.FormatInt(e.retainPerPartition(partitions), 10)
	return map[string]*string{"segment.bytes": &seg, "retention.bytes": &ret}
}

func (e EmbeddedConfig) retainPerPartition(partitions int) int64 {
	per := e.RetainBytes / int64(max(partitions, 1))
	return max(per, minRetainPerPartition)
}
