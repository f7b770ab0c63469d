package client

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// TopicUpdate is a topic's state right after the SC announced a change to
// its partitions, their leaders or status, or the leaders' SPUs.
type TopicUpdate struct {
	Topic              // Topic is the full state after the change.
	Received time.Time // Received is when the SC's message arrived.
}

// PartitionWatch is a running WatchPartitions stream.
type PartitionWatch struct {
	updates chan TopicUpdate
	done    chan struct{} // closed once err is set
	err     error
}

// Updates delivers the first state, then one TopicUpdate per change. It is
// closed when the stream ends; Err then says why. A reader that falls
// behind gets the latest state, not every intermediate one.
func (w *PartitionWatch) Updates() <-chan TopicUpdate { return w.updates }

// Err returns why the stream ended (ctx's error, a broken connection, a
// decoding error); nil while Updates is open.
func (w *PartitionWatch) Err() error {
	select {
	case <-w.done:
		return w.err
	default:
		return nil
	}
}

// WatchPartitions follows a topic with the SC's Watch API: it subscribes
// to partition and SPU changes on a connection of its own and reports the
// topic's state whenever the SC announces something that changes it, e.g.
// partitions added by anyone, a leader going offline. It returns an error
// matching ErrUnknownTopic when the topic does not exist; the watch ends
// when ctx ends, the connection breaks or the Client is closed.
func (c *Client) WatchPartitions(ctx context.Context, topic string) (*PartitionWatch, error) {
	if _, err := c.knownTopic(ctx, topic); err != nil {
		return nil, err
	}
	// Its own connection, because the only way to end a watch is to close
	// the connection it runs on.
	cn, err := dialConn(ctx, c.scAddr, "SC "+c.scAddr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cn.close(errClosed)
		return nil, errClosed
	}
	c.watches[cn] = struct{}{}
	c.mu.Unlock()
	parts, v, err := startWatch(ctx, cn, kindPartition)
	var spus *call
	if err == nil {
		spus, _, err = startWatch(ctx, cn, kindSPU) // same conn and API: same version
	}
	if err != nil {
		c.endWatch(cn, err)
		return nil, fmt.Errorf("watching %q: %w", topic, err)
	}
	w := &PartitionWatch{updates: make(chan TopicUpdate), done: make(chan struct{})}
	go func() {
		w.err = w.run(ctx, cn, v, topic, parts, spus)
		c.endWatch(cn, w.err)
		close(w.done)
		close(w.updates)
	}()
	return w, nil
}

// startWatch subscribes to one kind of object and returns the stream and
// the version its messages are encoded at. The stream ends with cn.
func startWatch(ctx context.Context, cn *conn, kind string) (*call, int16, error) {
	body, v, err := cn.request(apiWatch, watchRequest(kind))
	if err != nil {
		return nil, 0, err
	}
	cl, err := cn.stream(ctx, apiWatch, v, body)
	return cl, v, err
}

func (c *Client) endWatch(cn *conn, err error) {
	cn.close(err)
	c.mu.Lock()
	delete(c.watches, cn)
	c.mu.Unlock()
}

// watchState is the partitions and SPUs a watch has heard of.
type watchState struct {
	topic            string
	parts            map[int32]partitionMeta
	spus             map[int32]spuMeta
	gotParts, gotSPU bool // first message (the snapshot) seen
}

// run merges the two streams until one fails or ctx ends, and returns why.
// It never blocks on the reader of Updates: it keeps the latest unsent
// state and offers it while it goes on reading the connection.
func (w *PartitionWatch) run(ctx context.Context, cn *conn, v int16, topic string, parts, spus *call) error {
	st := &watchState{topic: topic, parts: map[int32]partitionMeta{}, spus: map[int32]spuMeta{}}
	var pending *TopicUpdate
	var last *Topic
	for {
		var out chan TopicUpdate // nil (never ready) while nothing is pending
		var next TopicUpdate
		if pending != nil {
			out, next = w.updates, *pending
		}
		var err error
		select {
		case body := <-parts.frames:
			err = st.applyParts(body, v)
		case body := <-spus.frames:
			err = st.applySPUs(body, v)
		case out <- next:
			pending = nil
			continue
		case <-cn.dead:
			return cn.err
		case <-ctx.Done():
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		if !st.gotParts || !st.gotSPU {
			continue
		}
		t := buildTopic(topic, slices.Collect(maps.Values(st.parts)), st.spus)
		if last == nil || !sameTopic(*last, t) {
			last = &t
			pending = &TopicUpdate{Topic: t, Received: time.Now()}
		}
	}
}

func (st *watchState) applyParts(body []byte, v int16) error {
	u, err := readUpdate(body, kindPartition, v, readPartition)
	if err != nil {
		return err
	}
	merge(st.parts, u, !st.gotParts, func(p partitionMeta) (int32, bool) { return p.id, p.topic == st.topic })
	st.gotParts = true
	return nil
}

func (st *watchState) applySPUs(body []byte, v int16) error {
	u, err := readUpdate(body, kindSPU, v, readSPU)
	if err != nil {
		return err
	}
	merge(st.spus, u, !st.gotSPU, func(s spuMeta) (int32, bool) { return s.id, true })
	st.gotSPU = true
	return nil
}

// merge applies one watch message to m, the objects of one kind by id.
// The first message is the snapshot, even if empty, so it replaces m as a
// full one does. key gives an object's id and whether this watch keeps it.
func merge[T any](m map[int32]T, u update[T], first bool, key func(T) (int32, bool)) {
	if u.full || first {
		clear(m)
	}
	for i, obj := range u.objects {
		id, keep := key(obj)
		switch {
		case !keep:
		case u.deleted[i]:
			delete(m, id)
		default:
			m[id] = obj
		}
	}
}

// sameTopic compares what a TopicUpdate reports. Partition statuses also
// change when replica offsets move, which is not a change partop cares about.
func sameTopic(a, b Topic) bool {
	return slices.EqualFunc(a.Partitions, b.Partitions, func(x, y Partition) bool {
		return x.ID == y.ID && x.Leader == y.Leader && x.Status == y.Status &&
			x.LeaderAddr == y.LeaderAddr && x.LeaderOnline == y.LeaderOnline &&
			slices.Equal(x.Replicas, y.Replicas)
	})
}
