package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"partop/engine"
	"partop/rules"
	"partop/source"
)

// TestPromptPlacesBalanced: tab (or ",balanced" after the count) has
// partop place the new partitions; the prompt previews the leaders, asked
// of the engine in a tea.Cmd, and Enter sends the previewed plan.
func TestPromptPlacesBalanced(t *testing.T) {
	for _, how := range []struct{ name, input string }{{"tab", "4"}, {"typed", "4,balanced"}} {
		t.Run(how.name, func(t *testing.T) {
			eng := fixture(midExpansion, 8)
			m := newTestModel(eng, 120, 40)
			press(m, "a")
			var cmd tea.Cmd
			if how.name == "tab" {
				typeText(m, how.input)
				if s := screen(m); strings.Contains(s, "placed by partop") {
					t.Fatalf("balanced before tab:\n%s", promptArea(s))
				}
				cmd = press(m, "tab")
			} else {
				typeText(m, how.input[:len(how.input)-1])
				cmd = press(m, how.input[len(how.input)-1:]) // the last key asks
			}
			s := screen(m)
			if !strings.Contains(s, "8 → 12 partitions (+4), placed by partop") || !strings.Contains(s, "asking the cluster for its brokers") {
				t.Fatalf("no balanced placement asked:\n%s", promptArea(s))
			}
			if eng.plans != 0 {
				t.Fatal("PlanAdd ran inside Update; it must run in a tea.Cmd")
			}
			run(m, cmd)
			s = screen(m)
			if !strings.Contains(s, "balanced: leaders → 0, 1, 0, 1") || !strings.Contains(s, "led records/s by broker 0: 3.0k → 3.0k, 1: 1.0k → 3.0k") {
				t.Fatalf("no preview:\n%s", promptArea(s))
			}
			run(m, press(m, "enter"))
			got := eng.appliedActions()
			if len(got) != 1 || got[0].Place != rules.PlaceBalanced || got[0].Plan == nil || got[0].Plan.LeadersText() != "leaders → 0, 1, 0, 1" {
				t.Fatalf("applied %+v: want add=4,balanced with the previewed plan", got)
			}
		})
	}
}

// TestPromptPlacementErrors: a refused plan (too few brokers) is on
// screen and Enter still asks the engine, which plans again and refuses
// with the reason; where the engine cannot place (Fluvio), tab is refused
// in the prompt and nothing is sent.
func TestPromptPlacementErrors(t *testing.T) {
	eng := fixture(midExpansion, 8)
	eng.planFn = func(engine.Action, int) (source.Plan, error) {
		return source.Plan{}, errors.New("the topic's replication factor is 3 but the cluster lists 2 brokers")
	}
	m := newTestModel(eng, 120, 40)
	press(m, "a")
	typeText(m, "2,balance")
	run(m, press(m, "d"))
	if s := screen(m); !strings.Contains(s, "✗ balanced placement: the topic's replication factor is 3 but the cluster lists 2 brokers") {
		t.Fatalf("no refusal:\n%s", promptArea(s))
	}

	fl := fixture(midExpansion, 8)
	s := *fl.snap
	s.Platform, s.NoPlacement = rules.Fluvio, rules.FluvioRules.CheckPlacement(rules.PlaceBalanced).Error()
	fl.set(&s)
	m = newTestModel(fl, 120, 40)
	press(m, "a")
	typeText(m, "2")
	press(m, "tab")
	if s := screen(m); !strings.Contains(strings.ReplaceAll(promptError(s), "\n", " "), "balanced placement is not available on Fluvio") {
		t.Fatalf("tab on Fluvio:\n%s", promptArea(s))
	}
	run(m, press(m, "enter"))
	if got := fl.appliedActions(); len(got) != 0 || fl.plans != 0 {
		t.Fatalf("Fluvio: applied %v, %d plans", got, fl.plans)
	}
	press(m, "tab") // back to the cluster's placement
	run(m, press(m, "enter"))
	if got := fl.appliedActions(); len(got) != 1 || got[0].Place != "" {
		t.Fatalf("Fluvio, the cluster's placement: applied %v", got)
	}
}

// TestPromptPlacementFits: the preview's line takes rows from the chart,
// never more than the terminal has.
func TestPromptPlacementFits(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 16}, {120, 40}} {
		eng := fixture(midExpansion, 8)
		m := newTestModel(eng, size[0], size[1])
		press(m, "a")
		typeText(m, "4,balance")
		run(m, press(m, "d"))
		s := screen(m)
		if n := strings.Count(s, "\n") + 1; n > size[1] {
			t.Errorf("%dx%d: %d lines:\n%s", size[0], size[1], n, s)
		}
		if !strings.Contains(s, "leaders → 0, 1, 0, 1") && !strings.Contains(s, "leaders → broker 0 ×2, broker 1 ×2") {
			t.Errorf("%dx%d: no leaders in the preview:\n%s", size[0], size[1], promptArea(s))
		}
		for _, line := range strings.Split(s, "\n") {
			if w := ansi.StringWidth(line); w > size[0] {
				t.Errorf("%dx%d: a line of %d columns: %q", size[0], size[1], w, line)
			}
		}
	}
}
