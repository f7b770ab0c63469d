package tui

import (
	"cmp"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"partop/engine"
	"partop/rules"
)

// prompt is the inline "add partitions" input. It checks the input as it is
// typed, so only an action the cluster can accept is ever sent.
type prompt struct {
	input    textinput.Model
	open     bool
	platform string        // whose rule a refusal names (engine.Info.Platform)
	action   engine.Action // what Enter would do, when err is nil
	err      error
	asked    askedFor      // what the latest prediction was asked for
	pred     predictionMsg // the latest prediction that came
	// placeDefault is who places the partitions unless the input says
	// (tab switches it); noPlacement why balanced placement is refused
	// here (engine.Info's), empty where it works.
	placeDefault, runDefault, noPlacement string
	previews                              bool    // the engine previews balanced placement (a Planner)
	askedPlan                                     // what the latest placement preview was asked for
	plan                                  planMsg // the latest placement preview that came
}

func newPrompt(st *Styles, platform, place, noPlacement string) prompt {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = "1"
	in.CharLimit = 20 // "=10000,balanced"
	in.SetWidth(16)
	p := prompt{input: in, platform: platform, runDefault: cmp.Or(place, rules.PlaceCluster), noPlacement: noPlacement}
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
	p.open, p.asked, p.pred = true, askedFor{}, predictionMsg{}
	p.placeDefault, p.askedPlan, p.plan = p.runDefault, askedPlan{}, planMsg{}
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
	p.action, p.err = parseAdd(p.platform, p.input.Value(), current)
	if p.err == nil && p.place() == rules.PlaceBalanced && p.noPlacement != "" {
		p.err = errNoPlacement(p.noPlacement)
	}
}

// parseAdd reads the prompt with the parser --at uses (rules.ParseGrow: N
// or +N adds N, =N grows to N in total); empty adds one. A refusal names
// platform's rule. current is the cluster's partition count: the result
// passes the check the admin call enforces.
func parseAdd(platform, s string, current int) (engine.Action, error) {
	if strings.TrimSpace(s) == "" {
		s = "1"
	}
	g, err := rules.ParseGrow(platform, s)
	if err != nil {
		return engine.Action{}, err
	}
	a := engine.GrowAction(g)
	if err := a.Check(platform, current); err != nil {
		return engine.Action{}, err
	}
	return a, nil
}

// lines renders the prompt: the input with what Enter would do, then what
// it does to keyed records, or the error wrapped to at most two lines (the
// reason is usually at the end of the platform's rule).
func (p *prompt) lines(current, width int, keyed bool, st *Styles) []string {
	line := st.PromptLabel.Render("add partitions › ") + p.input.View()
	if p.err != nil {
		return append([]string{fit(line, width)}, wrapLines("✗ "+p.err.Error(), width, 2, st.Bad)...)
	}
	to := p.action.Target(current)
	line += st.Good.Render(fmt.Sprintf("  %d → %d partitions (+%d)", current, to, to-current))
	if p.balanced() {
		line += st.Good.Render(", placed by partop")
	}
	out := []string{fit(line, width)}
	out = append(out, p.placementLine(current, width, st)...)
	if pl := p.predictionLine(to, width, st); pl != "" {
		out = append(out, pl)
	}
	moved, seen := engine.KeysMoved(current, to), false
	if p.pred.to == to && p.pred.p.Known && p.pred.p.Moved > 0 {
		moved, seen = p.pred.p.Moved, true // weighted by the traffic sampled
	}
	return append(out, remapLine(moved, seen, width, keyed, st))
}

// remapLine says what growing from n to m does to keyed records: under
// hash-mod partitioning a share of the keys changes partition, and their
// order is not kept across the change. It is a warning when partop's own
// records are keyed, a note otherwise (other producers may key theirs).
//
// share is the keys' share that changes partition, or (seen) the keyed
// traffic's, from the record sample.
func remapLine(share float64, seen bool, width int, keyed bool, st *Styles) string {
	moved := percentWhole(share)
	of := "keys change"
	if seen {
		of = "keyed traffic changes"
	}
	if keyed {
		return joinFit(width, " ",
			segment{long: st.Warn.Render(fmt.Sprintf("! %s of %s partition; per-key order is not kept across the change", moved, of)),
				short: st.Warn.Render(fmt.Sprintf("! %s of keys move partition", moved))},
		)
	}
	return joinFit(width, st.Muted.Render(" · "),
		segment{long: st.Muted.Render("N or +N adds N · =N grows to N in total"), short: st.Muted.Render("N/+N adds · =N total"), prio: 2},
		segment{long: st.Muted.Render(fmt.Sprintf("producers that hash keys: %s of %s partition", moved, of)), short: st.Muted.Render(fmt.Sprintf("hashed keys: %s move", moved)), prio: 1},
	)
}

// percentWhole renders a fraction as a whole percentage, or with one
// decimal near the ends so "0%" and "100%" mean exactly that.
func percentWhole(f float64) string {
	p := f * 100
	if (p > 0 && p < 1) || (p > 99 && p < 100) {
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}
