package overview

import (
	"slices"
	"testing"
)

func TestRowsOrderAndFilter(t *testing.T) {
	s := Snapshot{Topics: []TopicRow{
		{Name: "__consumer_offsets", Internal: true, Rate: 50, Uneven: 40, Partitions: 50},
		{Name: "audit", Rate: 0, Uneven: 0, Partitions: 1},        // idle
		{Name: "clicks", Rate: 5000, Uneven: 10, Partitions: 12},  // busy, nearly even
		{Name: "orders", Rate: 1000, Uneven: 400, Partitions: 8},  // skewed
		{Name: "payments", Rate: 100, Uneven: 0, Partitions: 3},   // even
		{Name: "quiet-skew", Rate: 1, Uneven: 0.9, Partitions: 4}, // skewed but idle-ish
	}}
	s.Topics[2].Balance.Jain, s.Topics[3].Balance.Jain, s.Topics[4].Balance.Jain, s.Topics[5].Balance.Jain = 0.99, 0.4, 1, 0.3
	names := func(idx []int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, s.Topics[i].Name)
		}
		return out
	}
	for _, tc := range []struct {
		o        Order
		filter   string
		internal bool
		want     []string
	}{
		{ByUneven, "", false, []string{"orders", "clicks", "quiet-skew", "payments", "audit"}},
		{ByUneven, "", true, []string{"orders", "__consumer_offsets", "clicks", "quiet-skew", "payments", "audit"}},
		{ByRate, "", false, []string{"clicks", "orders", "payments", "quiet-skew", "audit"}},
		{ByJain, "", false, []string{"quiet-skew", "orders", "clicks", "payments", "audit"}},
		{ByPartitions, "", false, []string{"clicks", "orders", "quiet-skew", "payments", "audit"}},
		{ByName, "", false, []string{"audit", "clicks", "orders", "payments", "quiet-skew"}},
		{ByUneven, "S", false, []string{"orders", "clicks", "quiet-skew", "payments"}},
		{ByName, "ment", false, []string{"payments"}},
		{ByName, "nothing", false, nil},
	} {
		if got := names(s.Rows(tc.o, tc.filter, tc.internal)); !slices.Equal(got, tc.want) {
			t.Errorf("Rows(%v, %q, %v) = %v, want %v", tc.o, tc.filter, tc.internal, got, tc.want)
		}
	}
}
