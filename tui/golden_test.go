package tui

import (
	"fmt"
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
