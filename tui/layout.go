package tui

// Smallest terminal the dashboard draws in; below it, one line says so.
const (
	minWidth  = 40
	minHeight = 10
)

// Chart sizing: it appears once the table can keep a useful number of rows.
const (
	chartMinAvail = 16 // rows left for table + chart before the chart is drawn
	chartMinWidth = 50
	chartMin      = 6
	tableMinAvail = 6 // rows the table keeps before the panel may take any
	chartFloor    = 5 // a chart shrunk for the prompt or the help: title and 4 rows
	chartMax      = 40
	eventsMax     = 8
)

// layout is how the screen's rows are shared out for one size and state.
type layout struct {
	tooSmall  bool
	cols      columns
	tableRows int // visible partition rows (below the column titles)
	chart     int // chart rows including its title; 0: no chart
	panel     int // producers and groups panel rows; 0: none
	events    int // event log lines
	status    int // status (or prompt) lines
	footer    int // help lines
	pad       int // blank lines that keep the footer at the bottom
}

// plan shares out width × height. partitions and events say how many rows
// the table and the log could use; statusLines and footerLines are the
// heights of the status area and the help as they will be rendered.
//
// The sections are sized as if status and help took one line each, and the
// extra lines of an open prompt, a long error or the full help are then
// taken from spare rows, the chart, the events and the table in that order,
// so opening the prompt does not make the chart jump out and back.
func plan(width, height, partitions, events, panel, statusLines, footerLines int, consuming bool) layout {
	if width < minWidth || height < minHeight {
		return layout{tooSmall: true}
	}
	l := layout{cols: layoutColumns(width, consuming), status: 1, footer: 1}
	fixed := 2 + 1 + l.status + l.footer // header, balance, status, footer
	l.events = min(max((height-fixed)/5, 1), eventsMax, max(events, 1))
	avail := height - fixed - l.events
	// The producers panel comes before the chart: in observe mode it names
	// the producers an operator must act on. Both leave the table rows.
	for _, want := range []int{panel, 2} {
		if panel > 0 && avail-want >= tableMinAvail {
			l.panel = want
			avail -= want
			break
		}
	}
	if avail >= chartMinAvail && width >= chartMinWidth {
		l.chart = min(max(avail*2/5, chartMin), chartMax)
	}
	table := avail - l.chart // includes the column titles
	l.tableRows = min(max(table-1, 0), partitions)
	spare := table - 1 - l.tableRows
	if l.chart > 0 && spare > 0 { // few partitions: the chart gets their room
		grow := min(spare, chartMax-l.chart)
		l.chart += grow
		spare -= grow
	}
	if l.chart == 0 && spare >= chartFloor-1 && width >= chartMinWidth {
		l.chart, spare = min(spare, chartMax), spare-min(spare, chartMax) // the balance chart fits in what the table leaves
	}
	l.pad = max(spare, 0)

	l.status = statusLines - l.shrink(statusLines-1) // whatever did not fit is cut
	// The full help shows only if all of it fits.
	if trial := l; trial.shrink(footerLines-1) == 0 {
		l = trial
		l.footer = footerLines
	}
	return l
}

// shrink takes n rows from spare rows, the chart (down to chartFloor, then
// all of it), the events and the table, in that order, and returns how
// many it could not find.
func (l *layout) shrink(n int) int {
	n = max(n, 0)
	take := func(from *int, floor int) {
		k := min(n, max(*from-floor, 0))
		*from -= k
		n -= k
	}
	take(&l.pad, 0)
	if l.chart > 0 {
		take(&l.chart, chartFloor)
		if n > 0 { // too small to keep: give it up whole
			l.pad += l.chart
			l.chart = 0
			take(&l.pad, 0)
		}
	}
	if l.panel > 0 {
		take(&l.panel, 2)
	}
	take(&l.events, 1)
	take(&l.tableRows, 1)
	return n
}
