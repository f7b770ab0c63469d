package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkRender1024 is one frame with 1,024 partitions and full history
// at 120×40: a tick (sample, sort, pre-render) and the View. Goal: < 2 ms.
func BenchmarkRender1024(b *testing.B) {
	eng := fixture(pickedUp, 1024)
	m := New(eng, testConfig())
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.table.sortBy = byRate // the costlier order
	b.ReportAllocs()
	for b.Loop() {
		m.Update(tickMsg{})
		_ = m.View()
	}
}

// BenchmarkRender10000 is the same frame at 10,000 partitions, as observe
// mode shows a wide production topic. Goal: < 5 ms.
func BenchmarkRender10000(b *testing.B) {
	eng := fixture(pickedUp, 10000)
	m := New(eng, testConfig())
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.table.sortBy = byRate
	b.ReportAllocs()
	for b.Loop() {
		m.Update(tickMsg{})
		_ = m.View()
	}
}
