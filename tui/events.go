package tui

import (
	"fmt"
	"slices"
	"time"

	"partop/engine"

	"charm.land/lipgloss/v2"
)

// eventLines renders the newest events in n lines, oldest first: one line
// each, and a second, indented one for an expansion whose pickup the
// source can explain (why it took long).
func eventLines(events []engine.Event, n, width int, loc *time.Location, st *Styles) []string {
	if n <= 0 {
		return nil
	}
	if len(events) == 0 {
		return []string{st.Muted.Render(fitText("no events yet · press a to add partitions", width))}
	}
	avail := max(width-9, 0)
	var out []string
	// Newest first until n lines are filled, then reversed.
	for i := len(events) - 1; i >= 0 && len(out) < n; i-- {
		ev := &events[i]
		if hasNoteLine(ev) && len(out)+2 <= n {
			out = append(out, "         "+st.Muted.Render(fitText(ev.Note, avail)))
		}
		out = append(out, st.Muted.Render(ev.At.In(loc).Format("15:04:05")+" ")+eventText(ev, avail, loc, st))
	}
	slices.Reverse(out)
	return out
}

// eventLineCount is how many lines the whole log would take.
func eventLineCount(events []engine.Event) int {
	n := len(events)
	for i := range events {
		if hasNoteLine(&events[i]) {
			n++
		}
	}
	return n
}

// hasNoteLine says whether an event takes a second line for its note:
// eventLines and eventLineCount must agree, or the layout is off by one.
func hasNoteLine(ev *engine.Event) bool {
	return ev.Kind == engine.KindExpansion && ev.Done && ev.Note != ""
}

// eventText is one event's line after its time stamp, in avail cells.
func eventText(ev *engine.Event, avail int, loc *time.Location, st *Styles) string {
	text := describe(ev, detailAll, loc)
	// Drop detail before "picked up" and the latency would be cut.
	for d := detailAll - 1; ev.Kind == engine.KindExpansion && len([]rune(text)) > avail; d-- {
		if d < 0 {
			text = describeShort(ev, loc)
			break
		}
		text = describe(ev, d, loc)
	}
	var style lipgloss.Style
	switch ev.Kind {
	case engine.KindError:
		text, style = "✗ "+text, st.Bad
	case engine.KindExpansion:
		if ev.Done {
			style = st.Good
		} else {
			style = st.New
		}
	case engine.KindPause:
		style = st.Warn
	default:
		style = st.Label
	}
	return style.Render(fitText(text, avail))
}

// Detail levels of describe: what a narrow screen drops first.
const (
	detailLatency    = iota // who, how many, the pickup latency
	detailPrediction        // and the record sample's prediction against what was measured
	detailBalanced          // and when the new partitions were balanced
	detailAll               // and when routing changed, or when a poll saw the first records
)

// describe puts an event in words. Expansions tell their pickup timeline:
// who added the partitions, whether the producer has sent to all of them
// yet, and how long that took. Seen from outside with the first records
// dated by their own timestamps (observe mode), the fleet's first write is
// told as the records date it, in loc.
func describe(ev *engine.Event, detail int, loc *time.Location) string {
	if ev.Kind != engine.KindExpansion {
		return ev.Message
	}
	added := ev.To - ev.From
	what := fmt.Sprintf("+%d partition%s (%d→%d)", added, plural(added), ev.From, ev.To)
	if ev.By == engine.ByExternal {
		what += " by someone else"
	} else {
		what += " by " + ev.By
	}
	// The words operators look for come first; the routing detail last,
	// where a narrow screen cuts it.
	routed := ""
	if !ev.Routed.IsZero() && detail >= detailAll {
		routed = fmt.Sprintf(" (routing after %s)", millis(max(ev.Routed.Sub(ev.Start()), 0)))
	}
	if !ev.Done {
		return what + " · waiting for first records…" + routed
	}
	them := fmt.Sprintf("all %d", added)
	if added == 1 {
		them = "it"
	}
	s := fmt.Sprintf("%s · producer picked up %s in %s", what, them, millis(ev.Pickup))
	switch {
	case ev.Routed.IsZero() && !ev.FirstWrite.IsZero(): // observed, and dated by the records
		s = fmt.Sprintf("%s · first records on %s at %s, %s", what, them, ev.FirstWrite.In(loc).Format("15:04:05.000"), firstWriteAfter(ev))
		if detail >= detailAll {
			s += fmt.Sprintf(" (a poll saw them after %s)", millis(ev.Pickup))
		}
	case ev.Routed.IsZero(): // observed from outside: every producer's records
		s = fmt.Sprintf("%s · first records on %s after %s", what, them, millis(ev.Pickup))
		if ev.By == engine.ByExternal && detail >= detailAll {
			s += " from detection"
		}
	case ev.By == engine.ByExternal && detail >= detailAll:
		s += " from detection"
	}
	if !ev.Balanced.IsZero() && detail >= detailBalanced {
		s += " · balanced after " + seconds(ev.Balanced.Sub(ev.Start()))
	}
	if p := ev.Prediction; p != nil && detail >= detailPrediction {
		s += fmt.Sprintf(" · Jain predicted %.2f", p.Jain)
		if p.Measured {
			s += fmt.Sprintf(", measured %.2f", p.MeasuredJain)
		}
	}
	if !ev.Routed.IsZero() && ev.Routed.Before(ev.FirstRecord) {
		s += routed
	}
	return s
}

// describeShort is describe for narrow screens: the count, who, and the
// pickup latency, in about 40 columns (60 with the first write's time).
func describeShort(ev *engine.Event, loc *time.Location) string {
	s := fmt.Sprintf("+%d (%d→%d) %s", ev.To-ev.From, ev.From, ev.To, ev.By)
	if !ev.Done {
		return s + " · waiting…"
	}
	if ev.Routed.IsZero() && !ev.FirstWrite.IsZero() {
		s = fmt.Sprintf("%s · written %s, %s", s, ev.FirstWrite.In(loc).Format("15:04:05.000"), fromStart(ev))
		if ev.LogAppendTime {
			s += " (broker time)"
		}
		return s
	}
	return fmt.Sprintf("%s · picked up in %s", s, millis(ev.Pickup))
}

// firstWriteAfter says whose clock dates the fleet's first write, and how
// far it is from when partop knew of the expansion: a producer that learns
// of new partitions before partop's watcher does writes before "seen".
func firstWriteAfter(ev *engine.Event) string {
	clock := "by their timestamps"
	if ev.LogAppendTime {
		clock = "broker time"
	}
	return clock + ", " + fromStart(ev)
}

// fromStart is how far the fleet's first write is from where an
// expansion's latencies start: partop's own admin call ("added"), or the
// watcher seeing somebody else's ("seen").
func fromStart(ev *engine.Event) string {
	start := "seen"
	if !ev.Created.IsZero() {
		start = "added"
	}
	d := ev.FirstWrite.Sub(ev.Start())
	if d < 0 {
		return fmt.Sprintf("%s before %s", millis(-d), start)
	}
	return fmt.Sprintf("%s after %s", millis(d), start)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
