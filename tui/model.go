// Package tui is partop's full-screen dashboard. It reads the producer's
// statistics, view and event log through an Engine on every tick, renders
// them in Update, and sends the operator's actions back as commands. It
// never does network I/O in Update or View: actions that may block run in
// a tea.Cmd and report back with a message.
package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

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
	paints tablePaints
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
	// The help changes only with size, focus, ? and colours: it is kept
	// until one of them changes.
	footerKey  footerKey
	footerText string
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
	m.paints = m.styles.tablePaints()
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
		m.paints = m.styles.tablePaints()
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

// View joins the sections rendered in Update.
func (m *Model) View() tea.View {
	v := tea.NewView(strings.Join(m.sections, "\n"))
	v.AltScreen = true
	v.WindowTitle = "partop · " + m.cfg.Topic
	return v
}
