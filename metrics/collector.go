// Package metrics exports the engine's snapshots to Prometheus. It is a
// view like the dashboard: it reads snapshots and changes nothing.
//
// Everything is a counter or a gauge read from the latest snapshot at
// scrape time, never a precomputed rate, so PromQL's rate() and
// increase() work and two scrapers see consistent values. The one series
// that is not a plain read is the pickup histogram: expansions finish one
// by one, and each is observed exactly once (see pickups).
//
// To export another figure, add a series to the catalog in series.go: a
// name, help, type, label names and a function that reads it from a
// snapshot. Nothing else changes.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"partop/engine"
)

// Engine is what the collector reads: *engine.Engine.
type Engine interface {
	// Snapshot is the engine's latest published state (shared, read only).
	Snapshot() *engine.Snapshot
}

// Collector is a prometheus.Collector over one engine.
type Collector struct {
	eng     Engine
	series  []series
	descs   []*prometheus.Desc
	pickups *pickups
}

// NewCollector returns a collector reading eng's snapshots.
func NewCollector(eng Engine) *Collector {
	c := &Collector{eng: eng, series: catalog, pickups: newPickups()}
	for _, s := range c.series {
		c.descs = append(c.descs, prometheus.NewDesc(s.name, s.help, s.labels, nil))
	}
	return c
}

// Describe sends the descriptors of every series the collector exports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
	c.pickups.hist.Describe(ch)
	c.pickups.assigned.Describe(ch)
}

// Collect reads the latest snapshot and sends every series from it. The
// histogram catches up with expansions finished since the last look
// first, so a scrape never shows fewer pickups than the snapshot has.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.eng.Snapshot()
	c.pickups.sync(s)
	for i, se := range c.series {
		desc, kind := c.descs[i], se.kind
		se.read(s, func(v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(desc, kind, v, labels...)
		})
	}
	c.pickups.hist.Collect(ch)
	c.pickups.assigned.Collect(ch)
}

// Sync brings the pickup histograms up to date with a snapshot. The
// server calls it on every engine tick, so a pickup is observed even when
// more than the 1,000 a snapshot keeps are recorded between two scrapes
// (each expansion is one pickup, and one more for every consumer group).
func (c *Collector) Sync(s *engine.Snapshot) { c.pickups.sync(s) }
