package rules

import "testing"

func TestTopicPattern(t *testing.T) {
	for s, want := range map[string]bool{"orders": false, "orders.eu": false, "a_b-c.d": false, "orders.*": true, "(a|b)": true, "x+": true} {
		if IsTopicPattern(s) != want {
			t.Errorf("IsTopicPattern(%q) = %v", s, !want)
		}
	}
	m, err := TopicMatcher("orders.*")
	if err != nil || !m.MatchString("orders.eu") || m.MatchString("xorders") {
		t.Errorf("TopicMatcher(orders.*): %v", err)
	}
	if _, err := TopicMatcher("orders.(*"); err == nil {
		t.Errorf("a broken pattern compiled")
	}
}
