package fluvio

import (
	"context"
	"fmt"
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
	if _, err := c.Topic(ctx, topic); err != nil {
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
	v, err := negotiate(apiWatch, cn.versions)
	var parts, spus *call
	if err == nil {
		parts, err = startWatch(ctx, cn, v, kindPartition)
	}
	if err == nil {
		spus, err = startWatch(ctx, cn, v, kindSPU)
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

func startWatch(ctx context.Context, cn *conn, v int16, kind string) (*call, error) {
	w := writer{}
	watchRequest(kind)(&w, v)
	cl, _, err := cn.stream(ctx, apiWatch, v, w.b) // stopped by closing cn
	return cl, err
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
		t := buildTopic(topic, slicesOf(st.parts), st.spus)
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
	if u.full || !st.gotParts { // the first message is the snapshot, even if empty
		clear(st.parts)
	}
	st.gotParts = true
	for i, p := range u.objects {
		switch {
		case p.topic != st.topic:
		case u.deleted[i]:
			delete(st.parts, p.id)
		default:
			st.parts[p.id] = p
		}
	}
	return nil
}

func (st *watchState) applySPUs(body []byte, v int16) error {
	u, err := readUpdate(body, kindSPU, v, readSPU)
	if err != nil {
		return err
	}
	if u.full || !st.gotSPU {
		clear(st.spus)
	}
	st.gotSPU = true
	for i, s := range u.objects {
		if u.deleted[i] {
			delete(st.spus, s.id)
		} else {
			st.spus[s.id] = s
		}
	}
	return nil
}

func slicesOf(m map[int32]partitionMeta) []partitionMeta {
	out := make([]partitionMeta, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return out
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
