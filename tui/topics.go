package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"partop/overview"
)

// Overview is what the topics view reads: *overview.Watcher.
type Overview interface {
	Snapshot() *overview.Snapshot
}

// TopicOpener opens one topic's dashboard from the topics view: it wires
// and starts the topic's engine (network calls: the view calls it in a
// tea.Cmd) and returns it with the function that stops it.
type TopicOpener func(ctx context.Context, topic string) (eng Engine, stop func(), err error)

// ClusterConfig is how the topics view shows a cluster.
type ClusterConfig struct {
	Name     string            // the cluster, for the header
	Internal bool              // internal topics shown at start (i toggles)
	Match    func(string) bool // a --topic pattern: only the topics it matches; nil: all
	Open     TopicOpener       // nil: Enter opens nothing
	Topic    Config            // the dashboards it opens
	Now      func() time.Time
	Context  context.Context // bounds opening a topic (default Background)
}

// Topics is the topics view: every topic of the cluster, the topics that
// most need a look first, and the brokers under them; Enter opens a
// topic's dashboard, Esc there comes back with the list as it was.
type Topics struct {
	w    Overview
	cfg  ClusterConfig
	keys topicsKeys
	st   Styles
	tp   tablePaints
	help help.Model

	width, height int
	snap          *overview.Snapshot
	rows          []int // indexes into snap.Topics, in order, filtered
	order         overview.Order
	internal      bool
	filter        string
	filtering     bool // typing the filter
	cursor        int  // the selected row, an index into rows
	pinned        bool // the operator moved the cursor: it stays on its topic as rows reorder
	offset        int  // the first visible row
	status        status
	now           time.Time
	opening       string // the topic being opened
	frame         string // the list as Update last drew it

	topic     *Model // the dashboard shown; nil in the list
	stopTopic func() // stops topic's engine; nil for home's
	// home is the run's own dashboard (partop producing, or observing one
	// topic), shown first; t shows the list, and Esc in the list, or
	// Enter on home's topic, comes back to it. nil when the run is the
	// topics view itself.
	home      *Model
	homeTopic string
	watch     func() Overview // starts the census on the first t (home only)
}

// NewHome returns the dashboard of eng, hosted so that t opens the topics
// view of its cluster: watch starts the census (on the first t only, so a
// run that never looks polls nothing more).
func NewHome(eng Engine, watch func() Overview, cfg ClusterConfig) *Topics {
	cfg.Topic.TopicsKey = true
	t := NewTopics(nil, cfg)
	t.home = New(eng, cfg.Topic)
	t.homeTopic, t.topic, t.watch = t.home.es.Topic, t.home, watch
	return t
}

// NewTopics returns the topics view of w.
func NewTopics(w Overview, cfg ClusterConfig) *Topics {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	cfg.Topic.TopicsKey = true
	t := &Topics{w: w, cfg: cfg, keys: defaultTopicsKeys(), st: DefaultStyles(true), help: help.New(), internal: cfg.Internal, now: cfg.Now()}
	t.tp = t.st.tablePaints()
	t.help.Styles = t.st.Help
	if w != nil {
		t.load()
	}
	t.frame = t.render() // "starting…" until the first size
	return t
}

// topicsTickMsg drives the topics view's refresh; the open topic's
// dashboard has its own (tickMsg).
type topicsTickMsg struct{}

// topicOpenedMsg is the outcome of opening a topic.
type topicOpenedMsg struct {
	topic string
	eng   Engine
	stop  func()
	err   error
}

const topicsTick = 250 * time.Millisecond

func (t *Topics) tick() tea.Cmd {
	return tea.Tick(topicsTick, func(time.Time) tea.Msg { return topicsTickMsg{} })
}

// Init starts the refresh loop (home's too) and asks for the background
// colour.
func (t *Topics) Init() tea.Cmd {
	if t.home != nil {
		return tea.Batch(t.tick(), t.home.Init())
	}
	return tea.Batch(t.tick(), tea.RequestBackgroundColor)
}

// Update handles one message and, while the list shows, draws it: View
// only returns the frame, as the dashboard's does.
func (t *Topics) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := t.update(msg)
	if t.topic == nil {
		t.frame = t.render()
	}
	return t, cmd
}

// update handles one message: the open topic's dashboard gets every
// message but the view's own tick, the outcome of opening, and the Esc
// that closes it.
func (t *Topics) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case topicsTickMsg:
		t.now = t.cfg.Now()
		if t.w != nil {
			t.load()
		}
		t.status.expire(t.now)
		return t.tick()
	case topicOpenedMsg:
		return t.opened(msg)
	case tea.WindowSizeMsg:
		t.width, t.height = max(msg.Width, 0), max(msg.Height, 0)
		t.help.SetWidth(t.width)
	case tea.BackgroundColorMsg:
		t.st = DefaultStyles(msg.IsDark())
		t.tp = t.st.tablePaints()
		t.help.Styles = t.st.Help
	}
	if tick, ok := msg.(tickMsg); ok {
		if tick.from == nil {
			return nil
		}
		switch tick.from {
		case t.topic, t.home: // home's loop runs on while it is not shown
			_, cmd := tick.from.Update(msg)
			return cmd
		}
		return nil // a closed dashboard's: its loop ends here
	}
	if t.topic != nil {
		if k, ok := msg.(tea.KeyPressMsg); ok && !t.topic.prompt.open {
			switch {
			case key.Matches(k, t.topic.keys.Topics):
				t.showList()
				return nil
			case key.Matches(k, t.keys.Back) && t.topic != t.home && t.topic.keysOf == -1:
				t.closeTopic()
				return nil
			}
		}
		_, cmd := t.topic.Update(msg)
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return t.key(k)
	}
	return nil
}

// load reads the latest snapshot and recomputes the rows when it, the
// order, the filter or the internal toggle changed.
func (t *Topics) load() {
	s := t.w.Snapshot()
	if s == t.snap && t.rows != nil {
		return
	}
	t.snap = s
	t.reorder()
}

// reorder recomputes the rows, keeping the selected topic selected.
func (t *Topics) reorder() {
	selected := t.selected()
	all := t.snap.Rows(t.order, t.filter, t.internal)
	t.rows = all[:0]
	for _, i := range all {
		if t.cfg.Match == nil || t.cfg.Match(t.snap.Topics[i].Name) {
			t.rows = append(t.rows, i)
		}
	}
	t.cursor = min(t.cursor, max(len(t.rows)-1, 0))
	if selected != "" && t.pinned {
		for r, i := range t.rows {
			if t.snap.Topics[i].Name == selected {
				t.cursor = r
				break
			}
		}
	}
	t.scrollTo()
}

// selected is the name of the topic under the cursor, or "".
func (t *Topics) selected() string {
	if t.snap == nil || t.cursor >= len(t.rows) {
		return ""
	}
	return t.snap.Topics[t.rows[t.cursor]].Name
}

// key handles a key in the list.
func (t *Topics) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if t.filtering {
		return t.filterKey(msg)
	}
	k := &t.keys
	page := max(t.tableRows(), 1)
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		t.help.ShowAll = !t.help.ShowAll
	case key.Matches(msg, k.Open):
		return t.open()
	case key.Matches(msg, k.Filter):
		t.filtering = true
	case key.Matches(msg, k.Back):
		switch {
		case t.filter != "":
			t.filter = ""
			t.reorder()
		case t.home != nil:
			t.topic = t.home
			t.home.Update(tea.WindowSizeMsg{Width: t.width, Height: t.height})
		}
	case key.Matches(msg, k.Sort):
		t.order = (t.order + 1) % overview.Orders
		t.reorder()
	case key.Matches(msg, k.Internal):
		t.internal = !t.internal
		t.reorder()
	case key.Matches(msg, k.Up):
		t.move(-1)
	case key.Matches(msg, k.Down):
		t.move(1)
	case key.Matches(msg, k.PageUp):
		t.move(-page)
	case key.Matches(msg, k.PageDown):
		t.move(page)
	case key.Matches(msg, k.Home):
		t.move(-len(t.rows))
	case key.Matches(msg, k.End):
		t.move(len(t.rows))
	}
	return nil
}

// filterKey edits the filter: each key narrows the rows at once; Enter
// keeps the filter, Esc drops it.
func (t *Topics) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		t.filtering = false
	case "esc":
		t.filtering, t.filter = false, ""
	case "backspace":
		if r := []rune(t.filter); len(r) > 0 {
			t.filter = string(r[:len(r)-1])
		}
	default:
		if msg.Text == "" || len([]rune(t.filter)) >= 64 {
			return nil
		}
		t.filter += msg.Text
	}
	t.cursor = 0
	t.reorder()
	return nil
}

func (t *Topics) move(delta int) {
	t.pinned = true
	t.cursor = min(max(t.cursor+delta, 0), max(len(t.rows)-1, 0))
	t.scrollTo()
}

// scrollTo keeps the cursor's row in view.
func (t *Topics) scrollTo() {
	n := max(t.tableRows(), 1)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+n {
		t.offset = t.cursor - n + 1
	}
	t.offset = min(max(t.offset, 0), max(len(t.rows)-n, 0))
}

// open starts opening the selected topic's dashboard, in a tea.Cmd.
func (t *Topics) open() tea.Cmd {
	name := t.selected()
	switch {
	case name == "":
		return nil
	case t.cfg.Open == nil && (t.home == nil || name != t.homeTopic):
		t.status.set(t.now, "this view cannot open a topic's dashboard", true)
		return nil
	case t.opening != "":
		t.status.set(t.now, "opening "+t.opening+" already", true)
		return nil
	}
	if t.home != nil && name == t.homeTopic {
		t.topic = t.home // the run's own dashboard: nothing to open
		t.home.Update(tea.WindowSizeMsg{Width: t.width, Height: t.height})
		return nil
	}
	t.opening = name
	t.status.working("opening " + name)
	ctx, open := t.cfg.Context, t.cfg.Open
	return func() tea.Msg {
		eng, stop, err := open(ctx, name)
		return topicOpenedMsg{topic: name, eng: eng, stop: stop, err: err}
	}
}

// opened shows the dashboard a topicOpenedMsg brings, or why not.
func (t *Topics) opened(msg topicOpenedMsg) tea.Cmd {
	t.opening = ""
	if msg.err != nil {
		t.status.set(t.now, "cannot open "+msg.topic+": "+msg.err.Error(), true)
		return nil
	}
	t.status = status{}
	t.topic, t.stopTopic = New(msg.eng, t.cfg.Topic), msg.stop
	t.topic.Update(tea.WindowSizeMsg{Width: t.width, Height: t.height})
	return t.topic.Init()
}

// closeTopic stops the open topic's engine and shows the list again, as
// it was.
func (t *Topics) closeTopic() {
	if t.stopTopic != nil {
		go t.stopTopic() // it flushes nothing (observe mode), but never block Update
	}
	t.topic, t.stopTopic = nil, nil
}

// showList leaves the dashboard shown for the list: an opened topic's
// engine stops; home's runs on. The first time, home's census starts.
func (t *Topics) showList() {
	if t.topic != t.home {
		t.closeTopic()
	}
	t.topic = nil
	if t.w == nil && t.watch != nil {
		t.w = t.watch()
		t.status.set(t.now, "taking a census of the cluster: every topic, every 5 s while partop runs", false)
	}
	if t.w != nil {
		t.load()
	}
}

// Close stops the open topic's engine, if any (home's is the caller's);
// for when the program ends.
func (t *Topics) Close() {
	if t.stopTopic != nil {
		t.stopTopic()
		t.topic, t.stopTopic = nil, nil
	}
}

// View shows the open topic's dashboard, or the list.
func (t *Topics) View() tea.View {
	if t.topic != nil {
		return t.topic.View()
	}
	v := tea.NewView(t.frame)
	v.AltScreen = true
	v.WindowTitle = "partop · topics"
	return v
}

// topicsKeys are the topics view's bindings.
type topicsKeys struct {
	Open, Back, Filter, Sort, Internal    key.Binding
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Help, Quit                            key.Binding
}

func defaultTopicsKeys() topicsKeys {
	k := DefaultKeyMap() // moving, sorting, help and quitting as on a dashboard
	return topicsKeys{
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open topic")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / clear filter")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Internal: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "internal topics")),
		Sort:     k.Sort, Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown,
		Home: k.Home, End: k.End, Help: k.Help, Quit: k.Quit,
	}
}

// ShortHelp is the footer.
func (k topicsKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Filter, k.Sort, k.Internal, k.Help, k.Quit}
}

// FullHelp is the footer after "?".
func (k topicsKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Open, k.Back, k.Filter}, {k.Sort, k.Internal, k.Up, k.Down}, {k.PageUp, k.PageDown, k.Home, k.End}, {k.Help, k.Quit}}
}
