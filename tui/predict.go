package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"partop/engine"
	"partop/keys"
)

// askedFor is what a prediction was asked for: a count, with the
// analysis of a sample.
type askedFor struct{ to, version int }

// predictionMsg is the record sample's prediction for growing to `to`
// partitions, computed in a tea.Cmd: at 1,000 partitions it takes
// milliseconds, and the smallest balancing count many times that.
type predictionMsg struct {
	to       int
	p        keys.Prediction
	balanced int     // the smallest count up to engine.MaxPredict that reaches Jain 0.9; 0: none
	nowJain  float64 // the balance line's, for comparison
	nowMax   float64
	skewKey  string // the hottest key, printed safely
	limit    int    // the highest count balanced looked at
}

// askPrediction starts computing the prediction for the count the prompt
// would grow to, once per count typed, when there is a sample.
func (m *Model) askPrediction() tea.Cmd {
	if !m.prompt.open || m.prompt.err != nil || len(m.es.Keys.Partitions) == 0 {
		return nil
	}
	to := m.prompt.action.Target(m.view.Cluster)
	asked := askedFor{to: to, version: m.es.KeysVersion} // a newer sample: ask again
	if asked == m.prompt.asked {
		return nil
	}
	m.prompt.asked = asked
	s := m.es.Keys
	a := m.es.KeyAnalysis
	rates := make([]float64, len(m.snap.Partitions))
	for i, p := range m.snap.Partitions {
		rates[i] = p.RateBalance
	}
	from, bal := m.view.Cluster, m.snap.Balance
	return func() tea.Msg {
		p := keys.Predict(s, rates, a, to)
		return predictionMsg{to: to, p: p, nowJain: bal.Jain, nowMax: bal.MaxMean,
			balanced: keys.Balanced(s, rates, a, from, engine.MaxPredict(from), 0.9), skewKey: keys.Display(p.HotKey, p.HotCut, 24), limit: engine.MaxPredict(from)}
	}
}

// predictionLine says what the sample predicts for `to`, or "" when the
// prediction for that count has not come yet.
func (p *prompt) predictionLine(to, width int, st *Styles) string {
	r := p.pred
	if r.to != to || to == 0 {
		return ""
	}
	what := fmt.Sprintf("predicted Jain %.2f · max/mean %.2f (now %.2f · %.2f)", r.p.Jain, r.p.MaxMean, r.nowJain, r.nowMax)
	short := fmt.Sprintf("predicted Jain %.2f (now %.2f)", r.p.Jain, r.nowJain)
	if !r.p.Known {
		what += ", keyed records left in place: no client's hasher explains them"
	}
	segs := []segment{{long: st.Value.Render(what), short: st.Value.Render(short), prio: 3}}
	switch {
	case r.p.SkewFloor > 0:
		segs = append(segs, segment{
			long: st.Warn.Render(fmt.Sprintf("key %s carries %s of records; at %d partitions fair share is %s: no partition count balances this topic",
				r.skewKey, percentShare(r.p.SkewFloor), to, percentShare(1/float64(to)))),
			short: st.Warn.Render(fmt.Sprintf("hot key %s: %s", r.skewKey, percentShare(r.p.SkewFloor))), prio: 2})
	case r.p.Jain >= 0.9:
		// even enough already: no count to suggest
	case r.balanced > 0:
		segs = append(segs, segment{long: st.Muted.Render(fmt.Sprintf("Jain 0.9 from %d partitions", r.balanced)), prio: 1})
	default:
		segs = append(segs, segment{long: st.Muted.Render(fmt.Sprintf("no count up to %d reaches Jain 0.9", r.limit)), prio: 1})
	}
	return joinFit(width, st.Muted.Render(" · "), segs...)
}

// percentShare is a share with one decimal where it has one: a fair
// share of 1/8 is 12.5%, not 12%.
func percentShare(f float64) string {
	s := fmt.Sprintf("%.1f", f*100)
	return strings.TrimSuffix(s, ".0") + "%"
}
