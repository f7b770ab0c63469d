package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"partop/engine"
	"partop/source"
)

// panelMax bounds the producers panel: title, rows, and the line that says
// what it cannot see.
const panelMax = 8

// producersPanel renders observe mode's producers, stale first, at most
// lines lines: who writes to the topic, where, how fast, and whether each
// picked up the latest expansion. A list that cannot come (Fluvio, or
// turned off), failed, or has not come yet says which.
func producersPanel(ps *source.Producers, now time.Time, width, lines int, st *Styles) []string {
	if lines <= 0 {
		return nil
	}
	title := st.Title.Render("PRODUCERS") + st.Muted.Render(" by id, from DescribeProducers · producers without idempotence have no id and are not listed")
	if ps.Off != "" {
		title = st.Title.Render("PRODUCERS") // nothing is asked of the cluster
	}
	out := []string{fit(title, width)}
	switch {
	case lines == 1:
		return out
	case ps.Off != "":
		return append(out, noteLines(ps.Off, width, lines-1, st)...)
	case ps.Err != "":
		return append(out, wrapLines("✗ "+ps.Err, width, lines-1, st.Warn)...)
	case ps.At.IsZero():
		return append(out, fit(st.Muted.Render("  asking the partition leaders…"), width))
	case len(ps.List) == 0:
		return append(out, noteLines(emptyNote(ps), width, lines-1, st)...)
	}
	rows := ps.List // stale first: source.SortProducers' order
	return panelTable(out, "  PRODUCER ID  EPOCH  STATE     RATE/s  LAST WRITE  PARTITIONS", len(rows),
		func(i int) string { return producerRow(&rows[i], now, st) }, width, lines, st)
}

// panelTable appends a panel's column titles and as many of its n rows as
// fit in lines (the title already in out), the last line saying how many
// are not shown when they do not all fit.
func panelTable(out []string, header string, n int, row func(i int) string, width, lines int, st *Styles) []string {
	out = append(out, fit(st.Header.Render(header), width))
	room := lines - 2
	shown := min(n, room)
	if shown < n {
		shown = max(room-1, 0) // a line to say how many are not shown
	}
	for i := range shown {
		out = append(out, fit(row(i), width))
	}
	if shown < n && room > 0 {
		out = append(out, fit(st.Muted.Render(fmt.Sprintf("  … and %d more", n-shown)), width))
	}
	return out
}

// noteLines word-wraps a muted note to width, indented, in at most n
// lines.
func noteLines(note string, width, n int, st *Styles) []string {
	var out []string
	for _, l := range wrapLines(note, width-2, n, st.Muted) {
		out = append(out, fit("  "+l, width))
	}
	return out
}

// noteHeight is how many lines noteLines wants for note, unbounded.
func noteHeight(note string, width int) int {
	return 1 + strings.Count(ansi.Wrap(note, max(width-2, 1), ""), "\n")
}

// emptyNote says why the list is empty: the observer's note when it
// knows (records are written, yet nobody is listed), else the usual reason.
func emptyNote(ps *source.Producers) string {
	if ps.Note != "" {
		return ps.Note
	}
	return "no producer ids: producers with idempotence off (librdkafka's default) have none"
}

func producerRow(p *source.Producer, now time.Time, st *Styles) string {
	state := padRight(p.State, 8)
	switch p.State {
	case source.ProducerStale:
		state = st.Bad.Render("! " + padRight(p.State, 6))
	case source.ProducerAdopted:
		state = st.Good.Render(state)
	case source.ProducerIdle:
		state = st.Muted.Render(state)
	}
	age := "–"
	if !p.LastWrite.IsZero() {
		age = uptime(now.Sub(p.LastWrite)) + " ago"
	}
	parts := partitionList(p.Partitions)
	if p.State == source.ProducerStale && len(p.Partitions) == 1 {
		// One key, or a partition chosen by hand, also stays off the new
		// partitions: from offsets alone it looks the same as a producer
		// that never refreshed its metadata.
		parts += st.Muted.Render("  one partition: keyed or pinned?")
	}
	return fmt.Sprintf("  %11d  %5d  %s %7s  %10s  %s",
		p.ID, p.Epoch, state, compact(p.Rate), age, parts)
}

// partitionList renders ids compactly: 0-3,5,7-9.
func partitionList(ids []int32) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(ids[i])))
		if j > i {
			b.WriteString("-" + strconv.Itoa(int(ids[j])))
		}
		i = j + 1
	}
	return b.String()
}

// panelLines is how many lines the producers panel wants: none outside
// observe mode.
func (m *Model) panelLines() int {
	if m.es.Mode != engine.ModeObserve {
		return 0
	}
	ps := &m.es.Producers
	switch {
	case ps.Off != "": // the title and why, wrapped
		return min(1+noteHeight(ps.Off, m.width), panelMax)
	case ps.Err != "", ps.At.IsZero():
		return 2
	case len(ps.List) == 0:
		return min(1+noteHeight(emptyNote(ps), m.width), panelMax)
	}
	return min(2+len(ps.List), panelMax)
}

// staleCount is how many producers did not pick up the latest expansion.
func staleCount(ps *source.Producers) int {
	n := 0
	for _, p := range ps.List {
		if p.State == source.ProducerStale {
			n++
		}
	}
	return n
}
