package tui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"partop/overview"
)

// bigCluster is a tracker's snapshot of 10,000 topics of 10 partitions
// (issue 22's 100,000), with uneven rates.
func bigCluster() *overview.Snapshot {
	tr := overview.NewTracker()
	census := func(sec int) overview.Census {
		c := overview.Census{At: testNow.Add(time.Duration(sec) * time.Second), Brokers: []overview.Broker{{ID: 0}, {ID: 1}, {ID: 2}}}
		c.Topics = make([]overview.Topic, 10000)
		for i := range c.Topics {
			parts := make([]overview.Partition, 10)
			for p := range parts {
				parts[p] = overview.Partition{Leader: int32(p % 3), Replicas: []int32{int32(p % 3)}, End: int64(sec * (i%97 + 1) * (p + 1))}
			}
			c.Topics[i] = overview.Topic{Name: fmt.Sprintf("orders.region-%04d.events", i), Partitions: parts}
		}
		return c
	}
	tr.Take(census(0))
	s := tr.Take(census(5))
	s.Polls = 2
	return &s
}

// BenchmarkTopicsFrame is one frame of the topics view at 10,000 topics:
// "render" draws the screen, "snapshot" is the work a new census costs
// (sorting the rows), "filter" a key typed into the filter (refiltering
// and sorting every topic). The goal is a frame under 5 ms, the filter
// answering within one.
func BenchmarkTopicsFrame(b *testing.B) {
	snap := bigCluster()
	m := NewTopics(&fakeOverview{snap}, ClusterConfig{Name: "bench", Now: func() time.Time { return testNow }})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_ = m.render()
		}
	})
	b.Run("snapshot", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			m.reorder()
		}
	})
	b.Run("filter", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			if i%2 == 0 {
				m.filterKey(keyMsg("7"))
			} else {
				m.filterKey(keyMsg("backspace"))
			}
		}
	})
}
