package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// Client talks to one Fluvio cluster: an admin connection to the SC, plus
// cached connections to SPUs for Produce and EndOffsets. All methods are
// safe for concurrent use.
type Client struct {
	scAddr string
	sc     *slot
	meta   metaCache // partition leaders and SPU addresses, for Produce and EndOffsets

	mu      sync.Mutex
	spus    map[int32]*slot
	watches map[*conn]struct{} // open WatchPartitions connections, ended by Close
	closed  bool
}

// errClosed is returned after Close.
var errClosed = errors.New("fluvio: client closed")

// Topic is a topic and its partitions as the SC describes them.
type Topic struct {
	Name       string      // Name is the topic name.
	Partitions []Partition // Partitions are sorted by ID.
}

// Partition is one partition, its leader SPU and the SC's view of its health.
type Partition struct {
	ID           int32           // ID is the partition number.
	Leader       int32           // Leader is the id of the SPU that accepts writes.
	Replicas     []int32         // Replicas are the SPU ids holding a copy, leader first.
	Status       PartitionStatus // Status is the SC's resolution, e.g. Online.
	LeaderAddr   string          // LeaderAddr is the leader's public host:port ("" if the SPU is unknown).
	LeaderOnline bool            // LeaderOnline: the SC sees the leader SPU online.
}

// PartitionStatus is the SC's resolution for a partition (PartitionResolution).
type PartitionStatus string

// The partition resolutions, as Fluvio names them.
const (
	StatusOffline             PartitionStatus = "Offline"             // StatusOffline: no leader available.
	StatusOnline              PartitionStatus = "Online"              // StatusOnline: serving normally.
	StatusLeaderOffline       PartitionStatus = "LeaderOffline"       // StatusLeaderOffline: the leader SPU is down.
	StatusElectionLeaderFound PartitionStatus = "ElectionLeaderFound" // StatusElectionLeaderFound: a new leader was chosen.
	StatusOutOfStorage        PartitionStatus = "OutOfStorage"        // StatusOutOfStorage: the SPU's disk is full.
)

func partitionStatus(tag uint8) PartitionStatus {
	switch tag {
	case 0:
		return StatusOffline
	case 1:
		return StatusOnline
	case 2:
		return StatusLeaderOffline
	case 3:
		return StatusElectionLeaderFound
	case 4:
		return StatusOutOfStorage
	}
	return PartitionStatus("Unknown(" + strconv.Itoa(int(tag)) + ")")
}

// Dial connects to the SC's public address (host:port) and negotiates API
// versions. ctx bounds the connect and the handshake.
func Dial(ctx context.Context, scAddr string) (*Client, error) {
	c := &Client{scAddr: scAddr, sc: newSlot(), spus: map[int32]*slot{}, watches: map[*conn]struct{}{}}
	c.meta.lock = make(chan struct{}, 1)
	if _, err := c.admin(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Close closes every connection, including those of open watches.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	slots := []*slot{c.sc}
	for _, s := range c.spus {
		slots = append(slots, s)
	}
	var watches []*conn
	for w := range c.watches {
		watches = append(watches, w)
	}
	c.mu.Unlock()
	for _, s := range slots {
		s.close()
	}
	for _, w := range watches {
		w.close(errClosed)
	}
	return nil
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// admin returns the SC connection, reconnecting if it broke.
func (c *Client) admin(ctx context.Context) (*conn, error) {
	if c.isClosed() {
		return nil, errClosed
	}
	return c.sc.get(ctx, c.scAddr, "SC "+c.scAddr)
}

// Topic returns the topic's partitions with their leaders and status, or
// an error matching ErrUnknownTopic when the SC does not know the topic.
func (c *Client) Topic(ctx context.Context, name string) (Topic, error) {
	sc, err := c.knownTopic(ctx, name)
	if err != nil {
		return Topic{}, err
	}
	parts, spus, err := c.refresh(ctx, sc)
	if err != nil {
		return Topic{}, err
	}
	return buildTopic(name, parts, spus), nil
}

// knownTopic asks the SC whether it knows the topic, with one List request,
// and returns the SC connection it asked. It is apart from Topic because
// WatchPartitions needs only this check: the watch's first messages carry
// the partitions and SPUs anyway.
func (c *Client) knownTopic(ctx context.Context, name string) (*conn, error) {
	sc, err := c.admin(ctx)
	if err != nil {
		return nil, err
	}
	topics, err := list(ctx, sc, kindTopic, name, readTopic)
	if err != nil {
		return nil, err
	}
	// The SC matches the filter as a substring, so the list may hold others.
	if !slices.ContainsFunc(topics, func(t topicMeta) bool { return t.name == name }) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTopic, name)
	}
	return sc, nil
}

// Leaders are the partitions' leader SPU ids, by partition id, as
// cluster.Topic.Leaders gives Kafka's, for the engine's view of the topic.
func (t Topic) Leaders() []int32 {
	out := make([]int32, len(t.Partitions))
	for i, p := range t.Partitions {
		out[i] = p.Leader
	}
	return out
}

// buildTopic assembles a Topic from partition and SPU metadata.
func buildTopic(name string, parts []partitionMeta, spus map[int32]spuMeta) Topic {
	t := Topic{Name: name, Partitions: []Partition{}}
	for _, p := range parts {
		if p.topic != name {
			continue
		}
		spu, known := spus[p.leader]
		t.Partitions = append(t.Partitions, Partition{
			ID: p.id, Leader: p.leader, Replicas: p.replicas, Status: p.resolution,
			LeaderAddr: spu.addr, LeaderOnline: known && spu.online,
		})
	}
	slices.SortFunc(t.Partitions, func(a, b Partition) int { return int(a.ID) - int(b.ID) })
	return t
}

// CreateTopic creates a topic with the given number of partitions and
// replication factor 1. The SC answers once every partition is online (or
// after its own 90 s limit). An existing topic gives an error matching
// ErrTopicExists.
func (c *Client) CreateTopic(ctx context.Context, name string, partitions int) error {
	if partitions < 1 {
		return fmt.Errorf("fluvio: create topic %q: need at least one partition, got %d", name, partitions)
	}
	sc, err := c.admin(ctx)
	if err != nil {
		return err
	}
	resp, _, err := sc.call(ctx, apiCreate, func(w *writer, v int16) {
		writeObject(w, kindTopic, func(w *writer) {
			// CommonCreateRequest { name, dry_run, timeout Option<u32> (v7, unused by the SC) }
			w.str(name)
			w.bool(false)
			if v >= 7 {
				w.none()
			}
			writeTopicSpec(w, v, uint32(partitions))
		})
	})
	if err != nil {
		return fmt.Errorf("create topic %q: %w", name, err)
	}
	if err := readStatus(resp); err != nil {
		return fmt.Errorf("create topic: %w", err)
	}
	return nil
}

// writeTopicSpec encodes a TopicSpec with computed replicas and defaults,
// which is what `fluvio topic create NAME -p N` sends.
func writeTopicSpec(w *writer, v int16, partitions uint32) {
	w.u8(1) // ReplicaSpec::Computed
	w.u32(partitions)
	w.u32(1)      // replication factor
	w.bool(false) // ignore rack assignment
	if v >= 3 {
		w.none() // cleanup policy: SC default
	}
	if v >= 4 {
		w.none() // storage: SC default
	}
	if v >= 6 {
		w.u8(4) // CompressionAlgorithm::Any, the default: producers choose
	}
	if v >= 12 {
		w.none() // no deduplication
	}
	if v >= 13 {
		w.bool(false) // not a system topic
	}
}

// AddPartitions adds n partitions to a topic, as `fluvio topic add-partition
// TOPIC -c n` does (Update API, UpdateTopicAction::AddPartition). The SC
// answers when the topic spec is updated; the partitions appear (and come
// online) shortly after, which WatchPartitions reports. Errors carry the
// SC's message.
func (c *Client) AddPartitions(ctx context.Context, topic string, n int) error {
	if n < 1 {
		return fmt.Errorf("fluvio: add partitions to %q: count must be positive, got %d", topic, n)
	}
	sc, err := c.admin(ctx)
	if err != nil {
		return err
	}
	resp, _, err := sc.call(ctx, apiUpdate, func(w *writer, v int16) {
		writeObject(w, kindTopic, func(w *writer) {
			w.str(topic) // UpdateRequest.key
			w.u8(0)      // UpdateTopicAction::AddPartition
			w.u32(uint32(n))
		})
	})
	if err != nil {
		return fmt.Errorf("add partitions to %q: %w", topic, err)
	}
	if err := readStatus(resp); err != nil {
		return fmt.Errorf("add partitions: %w", err)
	}
	return nil
}
