package tui

import "partop/stats"

// toggleBytes switches the table, the chart and the balance line between
// records and key+value bytes. Bytes are exact for partop's own producer
// (it counts what it sends); in observe mode they are records times each
// partition's sampled bytes per record, so an estimate, and unknown until
// the record sampler's first round: then the switch is refused, saying
// why, rather than showing zeros.
func (m *Model) toggleBytes() {
	if !m.bytes && m.es.Stats.Bytes == 0 {
		why := "no bytes known yet: partop counts them for its own records once it sends"
		if !m.es.Sending {
			why = "no bytes known yet: observe mode estimates them from the record sample, and has none (is --sample-bytes 0, or Read denied?)"
		}
		m.status.set(m.now, why, true)
		return
	}
	m.bytes = !m.bytes
	m.readState()
	m.table.refresh(&m.snap, m.es.Unsettled)
	m.status.set(m.now, "showing "+m.unit()+" (b switches back)", false)
}

// unit names what the table, chart and balance line count now.
func (m *Model) unit() string {
	switch {
	case !m.bytes:
		return "records"
	case m.es.Sending:
		return "bytes"
	}
	return "bytes (estimated from the sample)"
}

// bytesRate renders a bytes/s figure: "1.25MB/s".
func bytesRate(v float64) string { return compact(v) + "B/s" }

// rateText renders the snapshot's total rate in its unit.
func rateText(snap *stats.Snapshot) string {
	if snap.InBytes {
		return bytesRate(snap.Rate)
	}
	return stats.FormatRate(snap.Rate)
}
