package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Routing requests to SPUs. Produce and fetch-offsets must go to the
// partition's leader SPU, whose id comes from the partition's spec and
// whose address comes from the SPU's spec. The client caches both, fills
// the cache from the SC's List API when a partition or SPU is missing, and
// drops it when an SPU answers "not leader" or cannot be reached, so the
// next call asks the SC again. (Fluvio's own client keeps the cache fresh
// with Watch streams instead; for partop's call pattern one List on a
// miss is simpler and as fast.)

// metaCache holds partition leaders and SPU addresses.
type metaCache struct {
	mu    sync.Mutex
	parts map[string]map[int32]partitionMeta // topic -> partition -> meta
	spus  map[int32]spuMeta
	stale bool
	lock  chan struct{} // held while refreshing, so concurrent misses cause one List
}

// leaderGroup is the partitions of one topic led by one SPU.
type leaderGroup struct {
	spu   int32
	addr  string
	parts []int32
}

// refresh lists partitions and SPUs and replaces the cache.
func (c *Client) refresh(ctx context.Context, sc *conn) ([]partitionMeta, map[int32]spuMeta, error) {
	parts, err := list(ctx, sc, kindPartition, "", readPartition)
	if err != nil {
		return nil, nil, err
	}
	spuList, err := list(ctx, sc, kindSPU, "", readSPU)
	if err != nil {
		return nil, nil, err
	}
	spus := make(map[int32]spuMeta, len(spuList))
	for _, s := range spuList {
		spus[s.id] = s
	}
	byTopic := map[string]map[int32]partitionMeta{}
	for _, p := range parts {
		if byTopic[p.topic] == nil {
			byTopic[p.topic] = map[int32]partitionMeta{}
		}
		byTopic[p.topic][p.id] = p
	}
	m := &c.meta
	m.mu.Lock()
	m.parts, m.spus, m.stale = byTopic, spus, false
	m.mu.Unlock()
	return parts, spus, nil
}

// invalidate makes the next lookup ask the SC again.
func (m *metaCache) invalidate() {
	m.mu.Lock()
	m.stale = true
	m.mu.Unlock()
}

// lookup groups parts by leader from the cache. ok is false when the cache
// is stale or lacks a partition or its leader's address.
func (m *metaCache) lookup(topic string, parts []int32) (groups []leaderGroup, missing []int32, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	index := map[int32]int{}
	for _, id := range parts {
		p, found := m.parts[topic][id]
		spu, known := m.spus[p.leader]
		if !found || !known {
			missing = append(missing, id)
			continue
		}
		i, seen := index[p.leader]
		if !seen {
			i = len(groups)
			index[p.leader] = i
			groups = append(groups, leaderGroup{spu: p.leader, addr: spu.addr})
		}
		groups[i].parts = append(groups[i].parts, id)
	}
	return groups, missing, !m.stale && len(missing) == 0 && m.parts != nil
}

// groupByLeader routes partitions to their leaders, refreshing the cache
// once when needed. Partitions the SC does not know are returned in
// missing; a topic the SC has no partitions for is ErrUnknownTopic.
func (c *Client) groupByLeader(ctx context.Context, topic string, parts []int32) ([]leaderGroup, []int32, error) {
	if groups, missing, ok := c.meta.lookup(topic, parts); ok {
		return groups, missing, nil
	}
	select {
	case c.meta.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-c.meta.lock }()
	if groups, missing, ok := c.meta.lookup(topic, parts); ok { // refreshed while we waited
		return groups, missing, nil
	}
	sc, err := c.admin(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := c.refresh(ctx, sc); err != nil {
		return nil, nil, err
	}
	groups, missing, _ := c.meta.lookup(topic, parts)
	c.meta.mu.Lock()
	known := len(c.meta.parts[topic]) > 0
	c.meta.mu.Unlock()
	if !known {
		return nil, nil, fmt.Errorf("%w: %q", ErrUnknownTopic, topic)
	}
	return groups, missing, nil
}

// spuConn returns the cached connection to an SPU, dialing if needed.
// Failing to connect means the SPU is down: the error matches ErrSPUOffline.
func (c *Client) spuConn(ctx context.Context, g leaderGroup) (*conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errClosed
	}
	s := c.spus[g.spu]
	if s == nil {
		s = newSlot()
		c.spus[g.spu] = s
	}
	c.mu.Unlock()
	cn, err := s.get(ctx, g.addr, fmt.Sprintf("SPU %d %s", g.spu, g.addr))
	if err != nil && ctx.Err() == nil && !errors.Is(err, errClosed) {
		return nil, fmt.Errorf("%w: %w", ErrSPUOffline, err)
	}
	return cn, err
}

// atLeaders runs fn once per leader SPU, concurrently, each with that
// SPU's connection, and returns each group's error (nil on success) in
// group order. A connection that died during fn is reported as
// ErrSPUOffline. The caller passes these errors, with the per-partition
// ones, to dropStaleRoutes.
func (c *Client) atLeaders(ctx context.Context, groups []leaderGroup, fn func(*conn, leaderGroup) error) []error {
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Go(func() {
			cn, err := c.spuConn(ctx, g)
			if err == nil {
				err = fn(cn, g)
				if err != nil && cn.closed() && ctx.Err() == nil && !errors.Is(err, errClosed) {
					err = fmt.Errorf("%w: %w", ErrSPUOffline, err)
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return errs
}

// staleRoute reports whether err means the cached route was wrong: the
// SPU no longer leads the partition, the SC does not know it, or it is
// down (its partitions get new leaders, or it comes back elsewhere).
func staleRoute(err error) bool {
	return errors.Is(err, ErrNotLeader) || errors.Is(err, ErrSPUNotFound) || errors.Is(err, ErrSPUOffline)
}

// dropStaleRoutes drops the metadata cache once if any of a call's errors
// is a staleRoute, so that the next call asks the SC for leaders again.
func (c *Client) dropStaleRoutes(errs []error) {
	if slices.ContainsFunc(errs, staleRoute) {
		c.meta.invalidate()
	}
}
