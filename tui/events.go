package tui

import (
	"fmt"
	"time"

	"charm.land/lipgloss/v2"

	"partop/discovery"
)

// eventLines renders the newest n events, oldest first, one line each.
func eventLines(events []discovery.Event, n, width int, loc *time.Location, st *Styles) []string {
	if n <= 0 {
		return nil
	}
	if len(events) == 0 {
		return []string{st.Muted.Render(fitText("no events yet · press a to add partitions", width))}
	}
	evs := events[max(len(events)-n, 0):]
	out := make([]string, 0, len(evs))
	for i := range evs {
		ev := &evs[i]
		stamp := st.Muted.Render(ev.At.In(loc).Format("15:04:05") + " ")
		avail := max(width-9, 0)
		text := describe(ev, true)
		if ev.Kind == discovery.KindExpansion && len([]rune(text)) > avail {
			// Drop detail before "picked up" and the latency would be cut.
			if text = describe(ev, false); len([]rune(text)) > avail {
				text = describeShort(ev)
			}
		}
		var style lipgloss.Style
		switch ev.Kind {
		case discovery.KindError:
			text, style = "✗ "+text, st.Bad
		case discovery.KindExpansion:
			if ev.Done {
				style = st.Good
			} else {
				style = st.New
			}
		case discovery.KindPause:
			style = st.Warn
		default:
			style = st.Label
		}
		out = append(out, stamp+style.Render(fitText(text, avail)))
	}
	return out
}

// describe puts an event in words. Expansions tell their pickup timeline:
// who added the partitions, whether the producer has sent to all of them
// yet, and how long that took.
func describe(ev *discovery.Event, withRouting bool) string {
	if ev.Kind != discovery.KindExpansion {
		return ev.Message
	}
	added := ev.To - ev.From
	what := fmt.Sprintf("+%d partition%s (%d→%d)", added, plural(added), ev.From, ev.To)
	if ev.By == discovery.ByExternal {
		what += " detected (external)"
	} else {
		what += " by " + ev.By
	}
	// The words operators look for come first; the routing detail last,
	// where a narrow screen cuts it.
	routed := ""
	if !ev.Routed.IsZero() && withRouting {
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
	if ev.By == discovery.ByExternal {
		s += " after detection"
	}
	if ev.Routed.Before(ev.FirstAck) {
		s += routed
	}
	return s
}

// describeShort is describe for narrow screens: the count, who, and the
// pickup latency, in about 40 columns.
func describeShort(ev *discovery.Event) string {
	s := fmt.Sprintf("+%d (%d→%d) %s", ev.To-ev.From, ev.From, ev.To, ev.By)
	if !ev.Done {
		return s + " · waiting…"
	}
	return fmt.Sprintf("%s · picked up in %s", s, millis(ev.Pickup))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
