package tui

import (
	"fmt"
	"time"

	"partop/producer"
)

// eventLines renders the newest n events, oldest first, one line each.
func eventLines(events []producer.Event, n, width int, loc *time.Location, st *Styles) []string {
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
		text, style := describe(ev), st.Value
		switch ev.Kind {
		case producer.KindError:
			text, style = "✗ "+text, st.Bad
		case producer.KindExpansion:
			if ev.Done {
				style = st.Good
			} else {
				style = st.New
			}
		case producer.KindPause:
			style = st.Warn
		default:
			style = st.Label
		}
		out = append(out, stamp+style.Render(fitText(text, max(width-9, 0))))
	}
	return out
}

// describe puts an event in words. Expansions tell their pickup timeline:
// who added the partitions, whether the producer has sent to all of them
// yet, and how long that took.
func describe(ev *producer.Event) string {
	if ev.Kind != producer.KindExpansion {
		return ev.Message
	}
	added := ev.To - ev.From
	what := fmt.Sprintf("+%d partition%s (%d→%d)", added, plural(added), ev.From, ev.To)
	if ev.By == producer.ByExternal {
		what += " detected (external)"
	} else {
		what += " by " + ev.By
	}
	// The words operators look for come first; the routing detail last,
	// where a narrow screen cuts it.
	routed := ""
	if !ev.Routed.IsZero() {
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
	if ev.By == producer.ByExternal {
		s += " after detection"
	}
	if ev.Routed.Before(ev.FirstAck) {
		s += routed
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
