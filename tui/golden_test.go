package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

func TestScreen(t *testing.T) {
	cases := []struct {
		name  string
		stage stage
	}{
		{"cluster-ahead", beforeRouting},
		{"mid-expansion", midExpansion},
		{"picked-up", pickedUp},
	}
	for _, tc := range cases {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				m := newTestModel(fixture(tc.stage, 8), size[0], size[1])
				golden.RequireEqual(t, screen(m))
			})
		}
	}
}

// TestObserveScreen is observe mode after someone else's expansion: no
// producer of partop's, the fleet's pickup, the producers panel naming the
// stale producer, and the header flagging it.
func TestObserveScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := newTestModel(observing(), size[0], size[1])
			s := screen(m)
			for _, want := range []string{"◉ observing", "! 1 stale", "4002", "adopted"} {
				if !strings.Contains(s, want) {
					t.Errorf("observe screen lacks %q", want)
				}
			}
			golden.RequireEqual(t, s)
		})
	}
}
