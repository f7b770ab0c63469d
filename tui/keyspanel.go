package tui

import (
	"fmt"
	"slices"

	"partop/keys"
)

// keysMax bounds the keys panel: title, column titles and rows.
const keysMax = 7

// keysLines is how many lines the keys panel wants: none until the record
// sampler has a sample (or was denied), and none for records without keys
// (nothing to show but that, which the prompt's prediction covers).
func (m *Model) keysLines() int {
	a := &m.es.KeyAnalysis
	switch {
	case m.es.KeysDenied && a.Sampled == 0:
		return 2
	case a.Sampled == 0, a.Partitioner == keys.Unkeyed:
		return 0
	}
	return min(2+max(len(m.keyRows()), 1), keysMax)
}

// keyRows are the keys the panel lists: the topic's hottest, or those of
// the partition chosen with Enter.
func (m *Model) keyRows() []keys.KeyShare {
	if m.keysOf >= 0 {
		return m.es.KeyAnalysis.Partitions[m.keysOf].Top
	}
	return m.es.KeyAnalysis.Top
}

// keysPanel renders what the record sample says: which client's
// partitioner placed the keyed records and the hottest keys, of the topic
// or (Enter on the table's top row) of one partition.
func (m *Model) keysPanel(lines int) []string {
	if lines <= 0 {
		return nil
	}
	st, a := &m.styles, &m.es.KeyAnalysis
	if m.es.KeysDenied && a.Sampled == 0 {
		return []string{fit(st.Title.Render("KEYS"), m.width),
			fit(st.Warn.Render("  sampling records needs Read on the topic: keys and bytes are not shown"), m.width)}
	}
	title := st.Title.Render("KEYS") + st.Muted.Render(" sampled · "+placementText(a))
	if m.keysOf >= 0 {
		pk := a.Partitions[m.keysOf]
		title = st.Title.Render(fmt.Sprintf("KEYS on partition %d", m.keysOf)) +
			st.Muted.Render(fmt.Sprintf(" · %d records sampled · %s no key · %s bytes a record · enter: next · esc: the topic's", pk.Sampled, percentWhole(pk.NullShare), compact(pk.BytesPerRecord)))
	}
	out := []string{fit(title, m.width)}
	rows := m.keyRows()
	if len(rows) == 0 {
		return append(out, fit(st.Muted.Render("  no keyed record sampled"), m.width))
	}
	of := "TOPIC"
	if m.keysOf >= 0 {
		of = "PART."
	}
	return panelTable(out, fmt.Sprintf("  %-32s %8s %8s  PARTITION", "KEY", "% "+of, "% BYTES"), len(rows),
		func(i int) string {
			k := rows[i]
			return fmt.Sprintf("  %-32s %8s %8s  %9d", keys.Display(k.Key, k.Cut, 32), percentShare(k.Share), percentShare(k.BytesShare), k.Partition)
		}, m.width, lines, st)
}

// placementText names the placement found and how much of the keyed
// traffic it explains, with its precision: a sample's count.
func placementText(a *keys.Analysis) string {
	noKey := fmt.Sprintf("%s of records have no key", percentWhole(a.NullShare))
	switch a.Partitioner {
	case keys.Unkeyed:
		return fmt.Sprintf("no keyed record in %d sampled", a.Sampled)
	case keys.Unknown:
		return fmt.Sprintf("no client's hasher explains the keys (best %s of %d keyed records) · %s", percentWhole(a.Explained), a.Keyed, noKey)
	}
	return fmt.Sprintf("%s (%s) explains %s of %d keyed records · %s", a.Partitioner, a.Clients, percentWhole(a.Explained), a.Keyed, noKey)
}

// chooseKeys shows the keys of the partition on the table's top row, then
// of each next row in the table's order (sort by rate: the hottest first),
// and after the last the topic's again.
func (m *Model) chooseKeys() {
	if len(m.table.order) == 0 || m.es.KeyAnalysis.Sampled == 0 {
		m.status.set(m.now, "no record sample yet: keys show once partop has read some records", true)
		return
	}
	next := m.table.offset
	if m.keysOf >= 0 {
		i := slices.IndexFunc(m.table.order, func(idx int) bool { return m.snap.Partitions[idx].ID == m.keysOf })
		if i < 0 || i+1 >= len(m.table.order) {
			m.keysOf = -1
			return
		}
		next = i + 1
	}
	m.keysOf = m.snap.Partitions[m.table.order[next]].ID
}
