package sourcetest

import (
	"context"
	"fmt"
	"sync"

	"partop/source"
)

// Placer is a fake source.Placer: a Source whose balanced placement puts
// each new partition's leader on the next of Brokers brokers in turn,
// starting after the broker leading the most traffic, and remembers the
// load it was given.
type Placer struct {
	*Source
	Brokers int

	pmu   sync.Mutex
	loads [][]float64
}

// NewPlacer makes a fake Placer on a topic of partitions over brokers
// brokers.
func NewPlacer(partitions, brokers int, about source.About) *Placer {
	return &Placer{Source: NewSource(partitions, about), Brokers: brokers}
}

// Plan implements source.Placer.
func (p *Placer) Plan(ctx context.Context, target func(int) int, load []float64) (source.Plan, error) {
	p.pmu.Lock()
	p.loads = append(p.loads, append([]float64(nil), load...))
	p.pmu.Unlock()
	p.mu.Lock()
	from := p.partitions
	p.mu.Unlock()
	to := target(from)
	if to <= from {
		return source.Plan{}, fmt.Errorf("the topic has %d partitions: nothing to place for %d", from, to)
	}
	hot, max := 0, -1.0
	for i, l := range load {
		if l > max {
			hot, max = i, l
		}
	}
	plan := source.Plan{From: from, To: to}
	for i := range to - from {
		plan.Replicas = append(plan.Replicas, []int32{int32((hot + 1 + i) % p.Brokers)})
	}
	return plan, nil
}

// GrowPlaced implements source.Placer: Grow, refused when the topic no
// longer has plan.From partitions.
func (p *Placer) GrowPlaced(ctx context.Context, plan source.Plan) (from, to int, err error) {
	p.mu.Lock()
	n := p.partitions
	p.mu.Unlock()
	if n != plan.From {
		return n, n, fmt.Errorf("the topic has %d partitions now, not the %d the placement was planned for", n, plan.From)
	}
	return p.Grow(ctx, func(int) int { return plan.To })
}

// Loads are the loads Plan was given, oldest first.
func (p *Placer) Loads() [][]float64 {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return append([][]float64(nil), p.loads...)
}
