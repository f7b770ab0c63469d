package tui

import "partop/overview"

// brokersLines is the brokers panel's height: a title, column titles and
// a row per broker (at most maxBrokerRows); none before the metadata
// names the brokers (or where the platform does not: Fluvio).
func (m *Model) brokersLines() int {
	if m.view.Brokers == nil {
		return 0
	}
	return 2 + min(len(m.view.Brokers), maxBrokerRows)
}

// brokersPanel is the topic's part on each broker: the partitions it
// leads and their records/s (the table's unit: bytes with b) against its
// fair share, and its replicas; the title says where the latest
// expansion's new leaders went, flagged when one broker took more than
// its part.
func (m *Model) brokersPanel(lines int) []string {
	if lines <= 0 {
		return nil
	}
	st := &m.styles
	rates := make([]float64, len(m.snap.Partitions))
	for i, p := range m.snap.Partitions {
		rates[i] = p.RateBalance
	}
	bs := overview.BrokersOf(m.view.Brokers, m.view.Leaders, m.view.Replicas, rates)
	title := st.Title.Render("BROKERS") + st.Muted.Render(" · this topic's leaders on each, their "+m.unit()+"/s over "+span(m.snap.Config.BalanceWindow)+", its replicas")
	if e := latestExpansion(m.events); e != nil && e.From > 0 {
		text, uneven := overview.NewLeaders(m.view.Leaders, e.From, e.To, len(bs))
		switch {
		case uneven:
			title += st.Muted.Render(" · ") + st.Warn.Render(text+" (uneven)")
		case text != "":
			title += st.Muted.Render(" · " + text)
		}
	}
	return padLines(brokerPanel(bs, lines-2, m.width, title, st, &m.paints), lines)
}
