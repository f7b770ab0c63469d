package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"partop/cluster"
	"partop/producer"
)

// prompt is the inline "add partitions" input. It checks the input as it is
// typed, so only an action the cluster can accept is ever sent.
type prompt struct {
	input  textinput.Model
	open   bool
	action producer.Action // what Enter would do, when err is nil
	err    error
}

func newPrompt(st *Styles) prompt {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = "1"
	in.CharLimit = 12
	in.SetWidth(12)
	p := prompt{input: in}
	p.setStyles(st, true)
	return p
}

func (p *prompt) setStyles(st *Styles, isDark bool) {
	s := textinput.DefaultStyles(isDark)
	s.Cursor.Blink = false // a blinking cursor re-renders the screen twice a second for nothing
	s.Focused.Text = st.Value
	p.input.SetStyles(s)
}

// start opens the prompt, empty.
func (p *prompt) start(current int) tea.Cmd {
	p.open = true
	p.input.Reset()
	p.validate(current)
	return p.input.Focus()
}

// close closes the prompt.
func (p *prompt) close() {
	p.open = false
	p.input.Blur()
}

// update feeds a message to the input and re-checks it against the
// cluster's current partition count.
func (p *prompt) update(msg tea.Msg, current int) tea.Cmd {
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	p.validate(current)
	return cmd
}

func (p *prompt) validate(current int) {
	p.action, p.err = parseAdd(p.input.Value(), current)
}

// parseAdd reads the prompt: N or +N adds N partitions, =N grows the topic
// to N in total, empty adds one. current is the cluster's partition count;
// the result passes cluster.CheckCount, the rule the admin call enforces.
func parseAdd(s string, current int) (producer.Action, error) {
	s = strings.TrimSpace(s)
	kind, num := producer.ActAdd, s
	switch {
	case s == "":
		num = "1"
	case strings.HasPrefix(s, "="):
		kind, num = producer.ActSetTotal, strings.TrimSpace(s[1:])
	case strings.HasPrefix(s, "+"):
		num = strings.TrimSpace(s[1:])
	}
	n, err := strconv.Atoi(num)
	if err != nil || strings.HasPrefix(num, "+") {
		if num == "" {
			return producer.Action{}, errors.New("type a number after " + s[:1])
		}
		return producer.Action{}, fmt.Errorf("%q is not a whole number: type N or +N to add N, =N for N in total", num)
	}
	a := producer.Action{Kind: kind, N: n}
	if kind == producer.ActAdd && n < 1 {
		return producer.Action{}, fmt.Errorf("add at least 1 partition (got %d): Kafka cannot remove partitions", n)
	}
	if kind == producer.ActAdd && n > cluster.MaxPartitions {
		// current+n could overflow for absurd n; the limit applies anyway.
		return producer.Action{}, fmt.Errorf("adding %d is over partop's limit of %d partitions", n, cluster.MaxPartitions)
	}
	if err := cluster.CheckCount(current, a.Target(current)); err != nil {
		return producer.Action{}, err
	}
	return a, nil
}

// lines renders the prompt: the input with what Enter would do, then a
// hint, or the error wrapped to at most two lines (the reason is usually at
// the end of Kafka's rule).
func (p *prompt) lines(current, width int, st *Styles) []string {
	line := st.PromptLabel.Render("add partitions › ") + p.input.View()
	if p.err == nil {
		to := p.action.Target(current)
		line += st.Good.Render(fmt.Sprintf("  %d → %d partitions (+%d)", current, to, to-current))
	}
	if p.err == nil {
		return []string{fit(line, width), fit(st.Muted.Render("N or +N adds N · =N grows to N in total · empty adds 1"), width)}
	}
	return append([]string{fit(line, width)}, wrapLines("✗ "+p.err.Error(), width, 2, st.Bad)...)
}
