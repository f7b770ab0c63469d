package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding of the dashboard; the footer help is made
// from it, so what is shown is always what works.
type KeyMap struct {
	Add      key.Binding
	Faster   key.Binding
	Slower   key.Binding
	Pause    key.Binding
	Sort     key.Binding
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Help     key.Binding
	Quit     key.Binding
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
	return []key.Binding{k.Add, k.rate, k.Pause, k.Sort, k.Help, k.Quit}
}

// FullHelp is the footer after "?": every binding, by column.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Add, k.Faster, k.Slower, k.Pause},
		{k.Up, k.Down, k.PageUp, k.PageDown},
		{k.Home, k.End, k.Sort},
		{k.Help, k.Quit},
	}
}

// promptKeys are the bindings while the add-partitions prompt has focus.
type promptKeys struct {
	Confirm key.Binding
	Cancel  key.Binding
}

func defaultPromptKeys() promptKeys {
	return promptKeys{
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "add")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp is the footer while the prompt is open.
func (k promptKeys) ShortHelp() []key.Binding { return []key.Binding{k.Confirm, k.Cancel} }

// FullHelp is the same as ShortHelp: the prompt has two keys.
func (k promptKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
