package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// TestSmallScreens renders the tiny sizes: the chart goes first, then the
// sparklines, and below 40×10 one line says the terminal is too small.
func TestSmallScreens(t *testing.T) {
	cases := []struct {
		name       string
		w, h       int
		want, omit []string
	}{
		{"60x15", 60, 15, []string{"PART", "   6 ", "1–7/8", "balance", "q quit"}, []string{"RATE/s, LAST", "RATE, LAST"}},
		{"45x12", 45, 12, []string{"PART", "balance", "a add partitions", "q quit"}, []string{"RATE/s, LAST", "LEADER"}},
		{"20x5", 20, 5, []string{"terminal too small"}, []string{"PART"}},
		{"1x1", 1, 1, []string{"t"}, []string{"PART"}},
		{"0x0", 0, 0, []string{"partop: starting…"}, []string{"PART"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := New(fixture(midExpansion, 8), testConfig())
			if tc.w > 0 || tc.h > 0 {
				m.Update(tea.WindowSizeMsg{Width: tc.w, Height: tc.h})
			}
			m.Update(tickMsg{})
			s := screen(m)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("%s: screen lacks %q:\n%s", tc.name, w, s)
				}
			}
			for _, o := range tc.omit {
				if strings.Contains(s, o) {
					t.Errorf("%s: screen should not show %q:\n%s", tc.name, o, s)
				}
			}
			golden.RequireEqual(t, s)
		})
	}
}

// TestEverySizeFits resizes through many sizes, with the prompt open and
// closed and the full help shown, and checks the screen never has more
// lines or wider lines than the terminal (which would scroll or wrap and
// garble it).
func TestEverySizeFits(t *testing.T) {
	eng := fixture(midExpansion, 8)
	m := newTestModel(eng, 80, 24)
	big := fixture(pickedUp, 1024) // scrolling table, no expansion
	mb := newTestModel(big, 80, 24)
	press(mb, "?")
	for w := 0; w <= 130; w += 9 {
		for h := 0; h <= 45; h += 2 {
			for i, model := range []*Model{m, mb} {
				model.Update(tea.WindowSizeMsg{Width: w, Height: h})
				if i == 0 && (w+h)%2 == 0 {
					press(model, "a")
					typeText(model, "=3")
				}
				checkFits(t, model, w, h)
				press(model, "esc")
				checkFits(t, model, w, h)
			}
		}
	}
}

func checkFits(t *testing.T, m *Model, w, h int) {
	t.Helper()
	content := m.View().Content
	lines := strings.Split(content, "\n")
	if w > 0 && h > 0 && len(lines) > h {
		t.Fatalf("%d×%d: %d lines:\n%s", w, h, len(lines), ansi.Strip(content))
	}
	for _, l := range lines {
		if lw := ansi.StringWidth(l); w > 0 && lw > w {
			t.Fatalf("%d×%d: a line is %d wide: %q", w, h, lw, ansi.Strip(l))
		}
	}
}
