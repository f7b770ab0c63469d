package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"partop/engine"
	"partop/rules"
	"partop/source"
)

// Planner is an Engine that can preview balanced placement
// (*engine.Engine): where the partitions an action adds would go, asked of
// the cluster, so the dashboard calls it in a tea.Cmd. An Engine that is
// not a Planner adds at the cluster's placement only.
type Planner interface {
	PlanAdd(ctx context.Context, a engine.Action) (source.Plan, error)
}

// askedPlan is what a placement preview was asked for: the counts.
type askedPlan struct{ from, to int }

// planMsg is balanced placement's preview for growing from to to.
type planMsg struct {
	askedPlan
	plan source.Plan
	err  error
}

// place is who places the partitions the prompt would add: what was typed
// after the count (",balanced"), else what tab chose.
func (p *prompt) place() string {
	if p.action.Place != "" {
		return p.action.Place
	}
	return p.placeDefault
}

// balanced says whether the prompt would have partop place the partitions.
func (p *prompt) balanced() bool { return p.err == nil && p.place() == rules.PlaceBalanced }

// togglePlace switches the prompt between the cluster's placement and
// balanced placement.
func (p *prompt) togglePlace(current int) {
	if p.placeDefault == rules.PlaceBalanced {
		p.placeDefault = rules.PlaceCluster
	} else {
		p.placeDefault = rules.PlaceBalanced
	}
	p.validate(current)
}

// askPlan starts previewing balanced placement for the count the prompt
// would grow to, once per count, when the prompt would place partitions.
func (m *Model) askPlan() tea.Cmd {
	pl, ok := m.eng.(Planner)
	if !ok || !m.prompt.open || !m.prompt.balanced() {
		return nil
	}
	from := m.view.Cluster
	asked := askedPlan{from: from, to: m.prompt.action.Target(from)}
	if asked == m.prompt.askedPlan {
		return nil
	}
	m.prompt.askedPlan = asked
	a, parent, timeout := m.prompt.action, m.cfg.Context, m.cfg.AdminTimeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		plan, err := pl.PlanAdd(ctx, a)
		return planMsg{askedPlan: asked, plan: plan, err: err}
	}
}

// previewed is the plan the prompt showed for its action, for Enter to
// place exactly; nil when none has come for this count.
func (p *prompt) previewed(current int) *source.Plan {
	r := p.plan
	to := p.action.Target(current)
	if !p.balanced() || r.err != nil || r.from != current || r.to != to || r.plan.From != current || r.plan.To != to {
		return nil
	}
	plan := r.plan
	return &plan
}

// placementLine says where balanced placement would put the new
// partitions, or that the preview is coming, or why it cannot: "" at the
// cluster's placement.
func (p *prompt) placementLine(current, width int, st *Styles) []string {
	if !p.balanced() {
		return nil
	}
	if !p.previews {
		return []string{fit(st.Muted.Render("balanced placement: partop chooses the brokers at Enter"), width)}
	}
	to := p.action.Target(current)
	r := p.plan
	if r.from != current || r.to != to {
		return []string{fit(st.Muted.Render("balanced placement: asking the cluster for its brokers…"), width)}
	}
	if r.err != nil {
		return wrapLines("✗ balanced placement: "+r.err.Error(), width, 2, st.Bad)
	}
	loads := make([]string, len(r.plan.Brokers))
	for i, b := range r.plan.Brokers {
		loads[i] = fmt.Sprintf("%d: %s → %s", b.ID, formatLoad(b.Before), formatLoad(b.Then))
	}
	return []string{joinFit(width, st.Muted.Render(" · "),
		segment{long: st.Good.Render("balanced: " + r.plan.LeadersText()), short: st.Good.Render(r.plan.LeaderCounts())},
		segment{long: st.Muted.Render("led records/s by broker " + strings.Join(loads, ", ")), prio: 1},
	)}
}

// formatLoad is a broker's led records/s, short.
func formatLoad(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.1fM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.0fk", r/1e3)
	case r >= 1e3:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

// errNoPlacement is the prompt's refusal of balanced placement where the
// engine cannot place partitions (its reason, say Fluvio's).
func errNoPlacement(why string) error { return errors.New(why) }
