// Package tui is partop's full-screen dashboard, a view of the engine. It
// reads the engine's latest snapshot on every tick, renders it in Update,
// and sends the operator's actions back through Engine.Apply. It
// never does network I/O in Update or View: actions that may block run in
// a tea.Cmd and report back with a message.
package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"partop/engine"
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

	// The latest data, read on each tick: the engine's snapshot and,
	// for brevity, its parts.
	now    time.Time
	es     *engine.Snapshot
	snap   stats.Snapshot
	view   engine.TopicState
	events []engine.Event

	table     table
	rd        *reading // partop's consumer's reads and lags; nil without --consume
	rdBuf     reading
	status    status
	adding    bool  // an add-partitions call is in flight
	schedDone int   // scheduled outcomes reported so far
	keysOf    int32 // the partition whose keys the keys panel shows; -1: the topic's
	bytes     bool  // the table, chart and balance line by bytes (snap is the bytes view)

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
	es := eng.Snapshot()
	cfg = cfg.withDefaults(es)
	m := &Model{
		es:     es,
		eng:    eng,
		cfg:    cfg,
		keys:   DefaultKeyMap(),
		pkeys:  defaultPromptKeys(),
		styles: DefaultStyles(true),
		isDark: true,
		help:   help.New(),
		now:    cfg.Now(),
		keysOf: -1,
	}
	m.schedDone = len(es.Outcomes) // a viewer joining late is not told old news
	// Once: what it reads (whether the engine sends, whether this viewer
	// may act) is fixed for the Model's life.
	m.syncKeys()
	m.readState()
	m.prompt = newPrompt(&m.styles, es.Platform, es.AddPlace, es.NoPlacement)
	_, m.prompt.previews = eng.(Planner)
	m.help.Styles = m.styles.Help
	m.paints = m.styles.tablePaints()
	m.render() // the placeholder, until the first size arrives
	return m
}

// tickMsg drives the refresh loop. There is one loop per dashboard,
// started by Init and carried on by each tick; nothing else starts one (a
// resize does not). from names the dashboard whose loop it is: the topics
// view hosts several (Topics routes each tick to its own); nil is any.
type tickMsg struct{ from *Model }

func (m *Model) tick() tea.Cmd {
	return tea.Tick(m.cfg.Tick, func(time.Time) tea.Msg { return tickMsg{from: m} })
}

// Init takes the first sample at once and asks the terminal for its
// background colour.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(func() tea.Msg { return tickMsg{from: m} }, tea.RequestBackgroundColor)
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
		m.refresh()
		cmd = m.tick()
	case tea.KeyPressMsg:
		cmd = m.key(msg)
	case actionDoneMsg:
		cmd = m.done(msg)
	case predictionMsg:
		m.prompt.pred = msg
	case planMsg:
		m.prompt.plan = msg
	default:
		if !m.prompt.open {
			return m, nil // nothing changed: keep the frame
		}
		cmd = m.prompt.update(msg, m.view.Cluster)
	}
	if m.prompt.open {
		cmd = tea.Batch(cmd, m.askPrediction(), m.askPlan())
	}
	m.render()
	return m, cmd
}

// refresh reads the engine's latest snapshot. The engine samples on its
// own clock; any number of dashboards read the same snapshots.
func (m *Model) refresh() {
	m.now = m.cfg.Now()
	m.load()
	m.reportScheduled()
	m.status.expire(m.now)
}

// load reads the engine's latest snapshot and reorders the table by it.
func (m *Model) load() {
	m.es = m.eng.Snapshot()
	m.readState()
	m.table.refresh(&m.snap, m.es.Unsettled)
}

// readState takes the parts of the snapshot the sections read.
func (m *Model) readState() {
	m.snap = m.es.Stats
	if m.bytes {
		m.snap = m.es.Stats.ByBytes()
	}
	m.view = m.es.TopicState
	m.events = m.es.Events
	m.readReading()
	if m.prompt.open {
		m.prompt.validate(m.view.Cluster) // someone else may have added partitions
	}
}

// View joins the sections rendered in Update.
func (m *Model) View() tea.View {
	v := tea.NewView(strings.Join(m.sections, "\n"))
	v.AltScreen = true
	v.WindowTitle = "partop · " + m.es.Topic
	return v
}
