package tui

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partop/engine"
	"partop/stats"
)

// sortKey is the partition table's order.
type sortKey int

// The orders "s" cycles through.
const (
	byID sortKey = iota
	byRate
	byShare
	sortKeys
)

func (k sortKey) String() string {
	switch k {
	case byRate:
		return "rate"
	case byShare:
		return "share"
	}
	return "id"
}

// table is the partition table's state: display order, scroll position and
// which partitions are new.
type table struct {
	sortBy sortKey
	offset int   // first visible row
	order  []int // partition indices in display order
	// isNew marks partitions an expansion added that have not yet carried
	// their share: the engine decides (Snapshot.Unsettled), so every viewer
	// agrees.
	isNew []bool
}

// refresh takes the new marks from the engine and recomputes the order.
func (t *table) refresh(snap *stats.Snapshot, isNew []bool) {
	n := len(snap.Partitions)
	t.isNew = slices.Grow(t.isNew[:0], n)[:n]
	clear(t.isNew)
	copy(t.isNew, isNew)
	t.order = slices.Grow(t.order[:0], n)[:n]
	for i := range t.order {
		t.order[i] = i
	}
	parts := snap.Partitions
	// Highest first; ties by id, so equal rows keep still between frames.
	desc := func(x, y float64, a, b int) int {
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return a - b
	}
	switch t.sortBy {
	case byRate:
		slices.SortFunc(t.order, func(a, b int) int { return desc(parts[a].Rate, parts[b].Rate, a, b) })
	case byShare:
		slices.SortFunc(t.order, func(a, b int) int { return desc(parts[a].Share, parts[b].Share, a, b) })
	}
}

// scroll moves the first visible row by delta, keeping a full page in view.
func (t *table) scroll(delta, visible int) {
	t.offset = min(max(t.offset+delta, 0), max(len(t.order)-visible, 0))
}

// columns says which optional columns fit and how wide the flexible ones are.
type columns struct {
	leader, long, acked, spark bool
	read                       bool // partop's consumer group: READ/s and LAG
	barW, sparkW               int
}

// Fixed column widths; each column is preceded by one space.
const (
	markW   = 1
	idW     = 4
	leaderW = 6
	rateW   = 6
	longW   = 7
	shareW  = 6
	ackedW  = 6
	errorsW = 6
	minBarW = 9
	maxBarW = 41
	minSpkW = 8
	readW   = 6
	lagW    = 6
)

// layoutColumns fits the table into width: the sparkline goes first, then
// partop's consumer's columns (when consuming), the long-window rate, the
// leader and the acknowledged total.
func layoutColumns(width int, consuming bool) columns {
	c := columns{leader: true, long: true, acked: true, read: consuming}
	fixed := func() int {
		w := markW + idW + 1 + rateW + 1 + shareW + 1 + errorsW + 1 // +1: the bar's space
		if c.read {
			w += 1 + readW + 1 + lagW
		}
		if c.leader {
			w += 1 + leaderW
		}
		if c.long {
			w += 1 + longW
		}
		if c.acked {
			w += 1 + ackedW
		}
		return w
	}
	if rest := width - fixed(); rest >= minBarW+1+minSpkW {
		c.spark = true
		c.barW = min(max(rest*2/5, minBarW), maxBarW)
		c.sparkW = rest - c.barW - 1
		return c
	}
	for _, drop := range []*bool{&c.read, &c.long, &c.leader, &c.acked} {
		if width-fixed() >= minBarW {
			break
		}
		*drop = false
	}
	c.barW = max(width-fixed(), 3)
	return c
}

// header renders the column titles.
func (c columns) header(snap *stats.Snapshot, tick time.Duration) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markW))
	b.WriteString(padLeft("PART", idW))
	if c.leader {
		b.WriteString(padLeft("LEADER", leaderW+1))
	}
	rate, spark := "RATE/s", "RATE, LAST "
	if snap.InBytes {
		rate, spark = "B/s", "BYTES, LAST "
	}
	b.WriteString(padLeft(rate, rateW+1))
	if c.long {
		b.WriteString(padLeft("AVG "+span(snap.Config.LongWindow), longW+1))
	}
	b.WriteString(padLeft("SHARE", shareW+1))
	b.WriteByte(' ')
	b.WriteString(barHeader(c.barW))
	if c.spark {
		b.WriteByte(' ')
		b.WriteString(padRight(fitText(spark+span(historySpan(snap, tick)), c.sparkW), c.sparkW))
	}
	if c.acked {
		b.WriteString(padLeft("ACKED", ackedW+1))
	}
	b.WriteString(padLeft("ERRORS", errorsW+1))
	if c.read {
		b.WriteString(padLeft("READ/s", readW+1) + padLeft("LAG", lagW+1))
	}
	return b.String()
}

// reading is what partop's consumer group read, for the table's READ/s
// and LAG columns: rates from its own counts, lags from the groups poll.
type reading struct {
	rates []float64 // by partition
	lags  []int64   // by partition; -1: not known
}

// readReading takes partop's group's figures from the snapshot into
// m.rd, once per snapshot (not per frame), reusing its slices; nil without
// --consume.
func (m *Model) readReading() {
	if m.es.Group == "" {
		m.rd = nil
		return
	}
	n := len(m.snap.Partitions)
	r := m.rdBuf
	r.rates = slices.Grow(r.rates[:0], n)[:n]
	r.lags = slices.Grow(r.lags[:0], n)[:n]
	clear(r.rates)
	for i := range r.lags {
		r.lags[i] = -1
	}
	for _, p := range m.es.Reads.Partitions {
		if int(p.ID) < n {
			r.rates[p.ID] = p.Rate
		}
	}
	for _, g := range m.es.Groups.List {
		if g.Name != m.es.Group {
			continue
		}
		for _, p := range g.Partitions {
			if int(p.Partition) < n && p.End >= 0 {
				r.lags[p.Partition] = p.Lag
			}
		}
	}
	m.rdBuf, m.rd = r, &m.rdBuf
}

// barHeader labels the share bar's fair-share tick and its right end
// (twice the fair share).
func barHeader(w int) string {
	left := (w - 1) / 2
	right := w - 1 - left
	h := padLeft(fitText("fair", left), left) + "│"
	if right >= 3 {
		return h + padRight(" 2×", right)
	}
	return h + strings.Repeat(" ", right)
}

// historySpan is how much time a partition's full history ring covers at
// one sample per tick.
func historySpan(snap *stats.Snapshot, tick time.Duration) time.Duration {
	return time.Duration(max(snap.Config.History, 1)) * tick
}

// rows renders the visible rows of the table.
func (t *table) rows(snap *stats.Snapshot, ts *engine.TopicState, rd *reading, c columns, visible int, st *tablePaints) []string {
	t.scroll(0, visible) // the partition count or the height may have changed
	end := min(t.offset+visible, len(t.order))
	out := make([]string, 0, end-t.offset)
	fair := snap.Balance.FairShare
	var b strings.Builder
	for _, idx := range t.order[t.offset:end] {
		p := &snap.Partitions[idx]
		b.Reset()
		id := padLeft(strconv.Itoa(int(p.ID)), idW)
		if t.isNew[idx] {
			b.WriteString(st.isNew.on("+" + id))
		} else {
			b.WriteString(" " + id)
		}
		if c.leader {
			leader := "–"
			if idx < len(ts.Leaders) && ts.Leaders[idx] >= 0 {
				leader = strconv.Itoa(int(ts.Leaders[idx]))
			}
			b.WriteString(padLeft(leader, leaderW+1))
		}
		b.WriteString(padLeft(compact(p.Rate), rateW+1))
		if c.long {
			b.WriteString(padLeft(compact(p.RateLong), longW+1))
		}
		b.WriteString(padLeft(percent(p.Share), shareW+1))
		b.WriteByte(' ')
		b.WriteString(shareBar(p.Share, fair, c.barW, st))
		if c.spark {
			b.WriteByte(' ')
			// One scale for every row, found by stats once per snapshot.
			b.WriteString(st.spark.on(sparkline(p.History, c.sparkW, snap.HistoryMax)))
		}
		if c.acked {
			b.WriteString(padLeft(compact(float64(p.Acked)), ackedW+1))
		}
		errs := padLeft(compact(float64(p.Errors)), errorsW+1)
		if p.Errors > 0 {
			errs = st.bad.on(errs)
		}
		b.WriteString(errs)
		if c.read && rd != nil {
			lag := "–"
			if rd.lags[idx] >= 0 {
				lag = compact(float64(rd.lags[idx]))
			}
			b.WriteString(padLeft(compact(rd.rates[idx]), readW+1) + padLeft(lag, lagW+1))
		}
		out = append(out, b.String())
	}
	return out
}

// padLeft right-aligns plain text in w cells.
func padLeft(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// padRight left-aligns plain text in w cells.
func padRight(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// fitText cuts plain text to w cells.
func fitText(s string, w int) string {
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	r := []rune(s)
	return string(r[:max(w, 0)])
}
