package source

import "testing"

func TestPlanText(t *testing.T) {
	p := Plan{From: 4, To: 8, Replicas: [][]int32{{2, 1}, {3, 1}, {2, 3}, {3, 2}}}
	if got := p.LeadersText(); got != "leaders → 2, 3, 2, 3" {
		t.Errorf("LeadersText = %q", got)
	}
	if got := p.LeaderCounts(); got != "leaders → broker 2 ×2, broker 3 ×2" {
		t.Errorf("LeaderCounts = %q", got)
	}
}
