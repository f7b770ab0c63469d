// Package tui is partop's full-screen dashboard. It reads the producer's
// statistics, view and event log through an Engine on every tick, renders
// them in Update, and sends the operator's actions back as commands. It
// never does network I/O in Update or View: actions that may block run in
// a tea.Cmd and report back with a message.
package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"partop/producer"
	"partop/stats"
)

// Model is the dashboard. Create it with New and run it with
// tea.NewProgram; it quits on q or ctrl+c.
type Model struct {
	eng    Engine
	cfg    Config
	keys   KeyMap
	pkeys  promptKeys
	styles Styles
	isDark bool
	help   help.Model
	prompt prompt

	width, height int
	tickID        int // only the tick loop carrying the current id goes on

	// The latest data, read on each tick.
	now    time.Time
	snap   stats.Snapshot
	view   producer.View
	events []producer.Event
	rate   float64
	paused bool

	table     table
	status    status
	adding    bool // an add-partitions call is in flight
	schedDone int  // scheduled actions reported so far

	// Pre-rendered in Update; View only joins them.
	lay      layout
	sections []string
}

// New returns a dashboard reading eng.
func New(eng Engine, cfg Config) *Model {
	cfg = cfg.withDefaults()
	m := &Model{
		eng:    eng,
		cfg:    cfg,
		keys:   DefaultKeyMap(),
		pkeys:  defaultPromptKeys(),
		styles: DefaultStyles(true),
		isDark: true,
		help:   help.New(),
		now:    cfg.Now(),
	}
	m.prompt = newPrompt(&m.styles)
	m.help.Styles = m.styles.Help
	m.render() // the placeholder, until the first size arrives
	return m
}

// tickMsg drives the refresh loop.
type tickMsg struct{ id int }

func (m *Model) tick() tea.Cmd {
	id := m.tickID
	return tea.Tick(m.cfg.Tick, func(time.Time) tea.Msg { return tickMsg{id: id} })
}

// Init takes the first sample at once and asks the terminal for its
// background colour.
func (m *Model) Init() tea.Cmd {
	id := m.tickID
	return tea.Batch(func() tea.Msg { return tickMsg{id: id} }, tea.RequestBackgroundColor)
}

// Update handles one message and re-renders what it changed.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 0), max(msg.Height, 0)
		m.help.SetWidth(m.width)
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.styles = DefaultStyles(m.isDark)
		m.help.Styles = m.styles.Help
		m.prompt.setStyles(&m.styles, m.isDark)
	case tickMsg:
		if msg.id != m.tickID {
			return m, nil // a stale loop: let it end
		}
		m.refresh()
		cmd = m.tick()
	case tea.KeyPressMsg:
		cmd = m.key(msg)
	case actionDoneMsg:
		cmd = m.done(msg)
	case ScheduledMsg:
		m.scheduled(msg)
	default:
		if !m.prompt.open {
			return m, nil // nothing changed: keep the frame
		}
		cmd = m.prompt.update(msg, m.view.Cluster)
	}
	m.render()
	return m, cmd
}

// refresh reads the engine: the only place Sample is called, so samples
// are one tick apart and rates use their real timestamps.
func (m *Model) refresh() {
	m.now = m.cfg.Now()
	m.snap = m.eng.Sample(m.now)
	m.readState()
	m.table.refresh(&m.snap, m.events)
	m.status.expire(m.now)
}

// readState reads the producer's cheap, non-blocking state.
func (m *Model) readState() {
	m.view = m.eng.View()
	m.events = m.eng.Events()
	m.rate = m.eng.Rate()
	m.paused = m.eng.Paused()
	if m.prompt.open {
		m.prompt.validate(m.view.Cluster) // someone else may have added partitions
	}
}

// key handles a key press: the prompt gets every key while it is open.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if m.prompt.open {
		return m.promptKey(msg)
	}
	k := &m.keys
	page := max(m.lay.tableRows, 1)
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(msg, k.Add):
		if m.adding {
			m.status.set(m.now, "partitions are being added already: wait for the outcome", true)
			return nil
		}
		return m.prompt.start(m.view.Cluster)
	case key.Matches(msg, k.Faster), key.Matches(msg, k.Slower):
		up := key.Matches(msg, k.Faster)
		next, ok := stepRate(m.rate, m.snap.Rate, up)
		if !ok {
			m.status.set(m.now, "target rate stays "+targetRate(m.rate), false)
			return nil
		}
		a := producer.Action{Kind: producer.ActRate, Rate: next}
		m.status.working(actionText(a, m.view.Cluster))
		return m.apply(a)
	case key.Matches(msg, k.Pause):
		a := producer.Action{Kind: producer.ActPause}
		if m.paused {
			a.Kind = producer.ActResume
		}
		m.status.working(actionText(a, m.view.Cluster))
		return m.apply(a)
	case key.Matches(msg, k.Sort):
		m.table.sortBy = (m.table.sortBy + 1) % sortKeys
		m.table.offset = 0
		m.table.refresh(&m.snap, m.events)
	case key.Matches(msg, k.Up):
		m.table.scroll(-1, m.lay.tableRows)
	case key.Matches(msg, k.Down):
		m.table.scroll(1, m.lay.tableRows)
	case key.Matches(msg, k.PageUp):
		m.table.scroll(-page, m.lay.tableRows)
	case key.Matches(msg, k.PageDown):
		m.table.scroll(page, m.lay.tableRows)
	case key.Matches(msg, k.Home):
		m.table.scroll(-len(m.table.order), m.lay.tableRows)
	case key.Matches(msg, k.End):
		m.table.scroll(len(m.table.order), m.lay.tableRows)
	}
	return nil
}

// promptKey handles a key while the add-partitions prompt is open. Enter
// only acts on valid input: invalid input never reaches the cluster.
func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.pkeys.Cancel):
		m.prompt.close()
		return nil
	case key.Matches(msg, m.pkeys.Confirm):
		m.prompt.validate(m.view.Cluster)
		if m.prompt.err != nil {
			return nil // the error is on screen already
		}
		a := m.prompt.action
		m.prompt.close()
		m.adding = true
		m.status.working(actionText(a, m.view.Cluster))
		return m.apply(a)
	}
	return m.prompt.update(msg, m.view.Cluster)
}

// done takes the outcome of an operator action.
func (m *Model) done(msg actionDoneMsg) tea.Cmd {
	m.readState()
	isAdd := msg.action.Kind == producer.ActAdd || msg.action.Kind == producer.ActSetTotal
	if isAdd {
		m.adding = false
		m.table.refresh(&m.snap, m.events)
	}
	switch {
	case msg.err != nil:
		m.status.set(m.now, failedText(msg.action)+": "+msg.err.Error(), true)
	case isAdd:
		m.status.set(m.now, "partitions added: watch the producer pick them up below", false)
	default:
		m.status.set(m.now, doneText(msg.action), false)
	}
	return nil
}

// scheduled takes the outcome of a --at action.
func (m *Model) scheduled(msg ScheduledMsg) {
	m.schedDone++
	m.readState()
	m.table.refresh(&m.snap, m.events)
	what := "at " + msg.Action.At.String() + ": " + msg.Action.String()
	if msg.Err != nil {
		m.status.set(m.now, what+" failed: "+msg.Err.Error(), true)
		return
	}
	m.status.set(m.now, what+" done", false)
}

func failedText(a producer.Action) string {
	switch a.Kind {
	case producer.ActAdd, producer.ActSetTotal:
		return "adding partitions failed"
	case producer.ActRate:
		return "setting the rate failed"
	}
	return a.String() + " failed"
}

func doneText(a producer.Action) string {
	switch a.Kind {
	case producer.ActRate:
		return "target rate now " + targetRate(a.Rate)
	case producer.ActPause:
		return "paused: nothing is sent until you press p again"
	}
	return "resumed"
}

// render lays the screen out for the current size and state and renders
// every section, so View has nothing left to do but join them.
func (m *Model) render() {
	m.sections = m.sections[:0]
	if m.width == 0 && m.height == 0 {
		m.lay = layout{}
		m.sections = append(m.sections, "partop: starting…")
		return
	}
	var status []string
	if m.prompt.open {
		status = m.prompt.lines(m.view.Cluster, m.width, &m.styles)
	} else {
		status = m.statusLines()
	}
	footer := m.footer()
	m.lay = plan(m.width, m.height, len(m.snap.Partitions), len(m.events), len(status), strings.Count(footer, "\n")+1)
	if m.lay.tooSmall {
		m.sections = append(m.sections, tooSmall(m.width, m.height))
		return
	}
	if m.lay.footer == 1 && m.help.ShowAll { // full help did not fit
		footer = m.shortHelp()
	}
	if !m.prompt.open {
		status = m.statusLines() // it names the visible rows, known only now
	}
	st := &m.styles
	m.sections = append(m.sections, m.header()...)
	m.sections = append(m.sections, fit(st.Header.Render(m.lay.cols.header(&m.snap, m.cfg.Tick)), m.width))
	m.sections = append(m.sections, padLines(m.table.rows(&m.snap, &m.view, m.lay.cols, m.lay.tableRows, st), m.lay.tableRows)...)
	if m.lay.chart > 0 {
		m.sections = append(m.sections, padLines(chart(&m.snap, m.width, m.lay.chart, m.cfg.Tick, st), m.lay.chart)...)
	}
	m.sections = append(m.sections, m.balanceLine())
	m.sections = append(m.sections, padLines(eventLines(m.events, m.lay.events, m.width, m.cfg.Location, st), m.lay.events)...)
	m.sections = padLines(m.sections, len(m.sections)+m.lay.pad)
	m.sections = append(m.sections, status...)
	m.sections = append(m.sections, footer)
}

// footer renders the key help for whatever has focus. bubbles/help cuts a
// line that is too long at its end, which would lose "q quit", so the short
// help drops its least needed keys first; every line is cut to the width
// anyway, since help overflows when not even its ellipsis fits.
func (m *Model) footer() string {
	if m.prompt.open {
		return fit(m.help.ShortHelpView(m.pkeys.ShortHelp()), m.width)
	}
	if m.help.ShowAll {
		lines := strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")
		for i, l := range lines {
			lines[i] = fit(l, m.width)
		}
		return strings.Join(lines, "\n")
	}
	return m.shortHelp()
}

// shortHelp is the one-line help that fits the width.
func (m *Model) shortHelp() string {
	bindings := m.keys.ShortHelp()
	uncut := m.help
	uncut.SetWidth(0)
	for _, drop := range []key.Binding{m.keys.Sort, m.keys.Pause, m.keys.rate, m.keys.Help} {
		if ansi.StringWidth(uncut.ShortHelpView(bindings)) <= m.width {
			break
		}
		bindings = slices.DeleteFunc(bindings, func(b key.Binding) bool { return b.Help() == drop.Help() })
	}
	return fit(m.help.ShortHelpView(bindings), m.width)
}

// tooSmall is the one line shown when the dashboard cannot fit. On the
// tiniest screens it is cut without an ellipsis: "ter" beats "…".
func tooSmall(w, h int) string {
	s := "terminal too small"
	if w >= minWidth {
		s += fmt.Sprintf(" (%d×%d): partop needs %d×%d", w, h, minWidth, minHeight)
	}
	if w < 10 {
		return ansi.Truncate(s, w, "")
	}
	return fit(s, w)
}

// View joins the sections rendered in Update.
func (m *Model) View() tea.View {
	v := tea.NewView(strings.Join(m.sections, "\n"))
	v.AltScreen = true
	v.WindowTitle = "partop · " + m.cfg.Topic
	return v
}
