package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"partop/engine"
)

// KeyMap holds every key binding of the dashboard; the footer help is made
// from it, so what is shown is always what works.
type KeyMap struct {
	Add      key.Binding // open the add-partitions prompt
	Faster   key.Binding // raise the target rate one step
	Slower   key.Binding // lower the target rate one step
	Pause    key.Binding // pause or resume sending
	Sort     key.Binding // cycle the table order: id, rate, share
	Bytes    key.Binding // the table, chart and balance line by bytes or by records
	Topics   key.Binding // the topics view (every topic of the cluster), where the dashboard runs in one
	Keys     key.Binding // the keys panel: the table's top partition's keys, or the topic's again
	Back     key.Binding // the keys panel: the topic's keys
	Up       key.Binding // scroll the table one row up
	Down     key.Binding // scroll the table one row down
	PageUp   key.Binding // scroll the table one page up
	PageDown key.Binding // scroll the table one page down
	Home     key.Binding // scroll to the first row
	End      key.Binding // scroll to the last row
	Help     key.Binding // toggle the full help
	Quit     key.Binding // leave partop (the producer is flushed first)
	// rate stands for Faster and Slower together in the short help.
	rate key.Binding
}

// DefaultKeyMap returns the dashboard's standard bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Add:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add partitions")),
		Faster:   key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "raise target rate")),
		Slower:   key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "lower target rate")),
		Pause:    key.NewBinding(key.WithKeys("p", "space"), key.WithHelp("p", "pause")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Bytes:    key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "bytes/records")),
		Topics:   key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "all topics")),
		Keys:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keys by partition")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "topic's keys")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		rate:     key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+/-", "rate")),
	}
}

// ShortHelp is the one-line footer, short enough for 80 columns with quit
// still in it.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Add, k.rate, k.Pause, k.Sort, k.Topics, k.Help, k.Quit}
}

// FullHelp is the footer after "?": every binding, by column.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Add, k.Faster, k.Slower, k.Pause},
		{k.Up, k.Down, k.PageUp, k.PageDown},
		{k.Home, k.End, k.Sort, k.Bytes},
		{k.Keys, k.Topics},
		{k.Help, k.Quit},
	}
}

// promptKeys are the bindings while the add-partitions prompt has focus.
type promptKeys struct {
	Confirm key.Binding
	Place   key.Binding // switch between the cluster's placement and balanced
	Cancel  key.Binding
}

func defaultPromptKeys() promptKeys {
	return promptKeys{
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "add")),
		Place:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "placement")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp is the footer while the prompt is open.
func (k promptKeys) ShortHelp() []key.Binding { return []key.Binding{k.Confirm, k.Place, k.Cancel} }

// FullHelp is the same as ShortHelp: the prompt has three keys.
func (k promptKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// key handles a key press: the prompt gets every key while it is open.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if m.prompt.open {
		return m.promptKey(msg)
	}
	if why := m.refusal(msg); why != "" {
		m.status.set(m.now, why, true)
		return nil
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
		next, ok := stepRate(m.es.TargetRate, m.es.Stats.Rate, up)
		if !ok {
			m.status.set(m.now, "target rate stays "+engine.FormatTarget(m.es.TargetRate), false)
			return nil
		}
		a := engine.Action{Kind: engine.ActRate, Rate: next}
		m.status.working(actionText(a, m.view.Cluster))
		return m.apply(a)
	case key.Matches(msg, k.Pause):
		a := engine.Action{Kind: engine.ActPause}
		if m.es.Paused {
			a.Kind = engine.ActResume
		}
		m.status.working(actionText(a, m.view.Cluster))
		return m.apply(a)
	case key.Matches(msg, k.Sort):
		m.table.sortBy = (m.table.sortBy + 1) % sortKeys
		m.table.offset = 0
		m.table.refresh(&m.snap, m.es.Unsettled)
	case key.Matches(msg, k.Bytes):
		m.toggleBytes()
	case key.Matches(msg, k.Keys):
		m.chooseKeys()
	case key.Matches(msg, k.Back):
		m.keysOf = -1
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
	case key.Matches(msg, m.pkeys.Place):
		m.prompt.togglePlace(m.view.Cluster)
		return nil
	case key.Matches(msg, m.pkeys.Confirm):
		m.prompt.validate(m.view.Cluster)
		if m.prompt.err != nil {
			return nil // the error is on screen already
		}
		a := m.prompt.action
		if place := m.prompt.place(); place != m.prompt.runDefault {
			a.Place = place // the engine's default is the run's
		}
		a.Plan = m.prompt.previewed(m.view.Cluster)
		m.prompt.close()
		m.adding = true
		m.status.working(actionText(a, m.view.Cluster))
		return m.apply(a)
	}
	return m.prompt.update(msg, m.view.Cluster)
}

// refusal says why an action key does nothing here, or "". The keys are
// hidden from the help then, but a press still gets an answer.
func (m *Model) refusal(msg tea.KeyPressMsg) string {
	k := &m.keys
	pressed := func(b key.Binding) bool { return slices.Contains(b.Keys(), msg.String()) }
	changes := pressed(k.Faster) || pressed(k.Slower) || pressed(k.Pause)
	switch {
	case m.cfg.ViewOnly && (changes || pressed(k.Add)):
		return "view only: this session may watch, not add partitions, change the rate or pause"
	case !m.es.Sending && changes:
		return "observe mode: partop sends nothing, so there is no rate to change and nothing to pause"
	}
	return ""
}

// syncKeys hides the bindings that do nothing for this viewer and source,
// so the help shows only what works. New calls it once: m.es.Sending and
// m.cfg.ViewOnly do not change in a Model's life.
func (m *Model) syncKeys() {
	k := &m.keys
	sends := m.es.Sending && !m.cfg.ViewOnly
	for _, b := range []*key.Binding{&k.Faster, &k.Slower, &k.Pause, &k.rate} {
		b.SetEnabled(sends)
	}
	k.Add.SetEnabled(!m.cfg.ViewOnly)
	k.Topics.SetEnabled(m.cfg.TopicsKey)
}
