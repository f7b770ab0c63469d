package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"partop/engine"
)

// TestFirstWriteWords: an expansion seen from outside whose first records
// are dated by their own timestamps tells the fleet's first write as the
// records date it, whose clock that is (the producers', or the broker's
// under LogAppendTime), how far from when partop saw the expansion (before
// it, when producers found the partitions first), and, with room, when a
// poll saw them.
func TestFirstWriteWords(t *testing.T) {
	seen := time.Date(2026, 3, 14, 12, 3, 4, 202_000_000, time.UTC)
	exp := engine.Event{Kind: engine.KindExpansion, At: seen, From: 4, To: 8, By: engine.ByExternal, Seen: seen,
		FirstRecord: seen.Add(1012 * time.Millisecond), Pickup: 1012 * time.Millisecond, Done: true,
		FirstWrite: seen.Add(310 * time.Millisecond)}
	cet := time.FixedZone("CET", 3600)
	broker := exp
	broker.LogAppendTime = true
	early := exp
	early.FirstWrite = seen.Add(-45 * time.Millisecond)
	mine := exp
	mine.By, mine.Created = engine.ByPartop, seen.Add(-8*time.Millisecond)
	for _, tc := range []struct {
		name   string
		ev     engine.Event
		detail int
		loc    *time.Location
		want   string
	}{
		{"all", exp, detailAll, time.UTC, "+4 partitions (4→8) by someone else · first records on all 4 at 12:03:04.512, by their timestamps, 310 ms after seen (a poll saw them after 1,012 ms)"},
		{"narrower", exp, detailBalanced, time.UTC, "+4 partitions (4→8) by someone else · first records on all 4 at 12:03:04.512, by their timestamps, 310 ms after seen"},
		{"in the viewer's zone", exp, detailLatency, cet, "+4 partitions (4→8) by someone else · first records on all 4 at 13:03:04.512, by their timestamps, 310 ms after seen"},
		{"broker time", broker, detailLatency, time.UTC, "+4 partitions (4→8) by someone else · first records on all 4 at 12:03:04.512, broker time, 310 ms after seen"},
		{"before seen", early, detailLatency, time.UTC, "+4 partitions (4→8) by someone else · first records on all 4 at 12:03:04.157, by their timestamps, 45 ms before seen"},
		{"partop's own, observed", mine, detailLatency, time.UTC, "+4 partitions (4→8) by partop · first records on all 4 at 12:03:04.512, by their timestamps, 318 ms after added"},
	} {
		if got := describe(&tc.ev, tc.detail, tc.loc); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		ev   engine.Event
		want string
	}{
		{exp, "+4 (4→8) external · written 12:03:04.512, 310 ms after seen"},
		{early, "+4 (4→8) external · written 12:03:04.157, 45 ms before seen"},
		{broker, "+4 (4→8) external · written 12:03:04.512, 310 ms after seen (broker time)"},
	} {
		if got := describeShort(&tc.ev, time.UTC); got != tc.want {
			t.Errorf("short: got %q, want %q", got, tc.want)
		}
	}

	// Without a date from the records, the poll's words as before.
	polled := exp
	polled.FirstWrite = time.Time{}
	if got := describe(&polled, detailAll, time.UTC); !strings.Contains(got, "first records on all 4 after 1,012 ms from detection") {
		t.Errorf("undated: %q", got)
	}

	// However narrow, the log line keeps the first write's time and how
	// far it is from seen.
	st := DefaultStyles(true)
	for _, width := range []int{200, 100, 72} {
		line := ansi.Strip(eventLines([]engine.Event{exp}, 1, width, time.UTC, &st)[0])
		if !strings.Contains(line, "12:03:04.512") || !strings.Contains(line, "310 ms after seen") || ansi.StringWidth(line) > width {
			t.Errorf("width %d: %q", width, line)
		}
	}
}
