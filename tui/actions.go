package tui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"partop/producer"
)

// actionDoneMsg carries the outcome of an action the operator started.
type actionDoneMsg struct {
	action producer.Action
	err    error
}

// ScheduledMsg reports the outcome of a scheduled --at action. Whatever
// runs the schedule (producer.RunSchedule) sends one per action, in order.
type ScheduledMsg struct {
	Action producer.Action // the action as scheduled
	Err    error           // why it failed; nil when it was carried out
}

// apply runs an action in a tea.Cmd: adding partitions is an admin call
// that can take as long as the cluster does, and Update must never wait.
func (m *Model) apply(a producer.Action) tea.Cmd {
	eng, parent, timeout := m.eng, m.cfg.Context, m.cfg.AdminTimeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		err := eng.Apply(ctx, a)
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer from the cluster within %s (is it still up?): %w", timeout, err)
		}
		return actionDoneMsg{action: a, err: err}
	}
}

// Target rate bounds reachable with + and -.
const (
	minRate = 1
	maxRate = 1e9
)

// rateLadder are the mantissas + and - step through, about ×1.25 apart:
// the target always lands on a round number.
var rateLadder = []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8}

// stepRate returns the next target rate on the ladder above (up) or below
// the current target. From unlimited (0), - starts below the rate actually
// achieved and + has nowhere to go. ok is false when the target would not
// change.
func stepRate(target, actual float64, up bool) (next float64, ok bool) {
	if target <= 0 {
		if up {
			return 0, false
		}
		target = actual
		if target < minRate {
			target = producer.DefaultRate
		}
	}
	exp := math.Floor(math.Log10(target))
	for range 3 { // the neighbour is in this decade or the next one over
		p := math.Pow(10, exp)
		if up {
			for _, m := range rateLadder {
				if v := m * p; v > target*(1+1e-9) {
					next = v
					break
				}
			}
		} else {
			for i := len(rateLadder) - 1; i >= 0; i-- {
				if v := rateLadder[i] * p; v < target*(1-1e-9) {
					next = v
					break
				}
			}
		}
		if next > 0 {
			break
		}
		if up {
			exp++
		} else {
			exp--
		}
	}
	next, _ = strconv.ParseFloat(strconv.FormatFloat(next, 'g', 6, 64), 64) // 1.2000000000000002e+03 → 1200
	next = min(max(next, minRate), maxRate)
	return next, next != target
}

// actionText is an action in the operator's words, for the status line.
func actionText(a producer.Action, current int) string {
	switch a.Kind {
	case producer.ActAdd:
		return fmt.Sprintf("adding %d partition%s (%d → %d)", a.N, plural(a.N), current, current+a.N)
	case producer.ActSetTotal:
		return fmt.Sprintf("growing to %d partitions (+%d)", a.N, a.N-current)
	case producer.ActRate:
		return "setting the target rate to " + targetRate(a.Rate)
	case producer.ActPause:
		return "pausing"
	}
	return "resuming"
}

// done takes the outcome of an operator action.
func (m *Model) done(msg actionDoneMsg) tea.Cmd {
	m.readState()
	isAdd := msg.action.Kind == producer.ActAdd || msg.action.Kind == producer.ActSetTotal
	if isAdd {
		m.adding = false
		m.table.refresh(&m.snap, m.events)
	}
	switch {
	case msg.err != nil:
		m.status.set(m.now, failedText(msg.action)+": "+msg.err.Error(), true)
	case isAdd:
		m.status.set(m.now, "partitions added: watch the producer pick them up below", false)
	default:
		m.status.set(m.now, doneText(msg.action), false)
	}
	return nil
}

// scheduled takes the outcome of a --at action.
func (m *Model) scheduled(msg ScheduledMsg) {
	m.schedDone++
	m.readState()
	m.table.refresh(&m.snap, m.events)
	what := "at " + msg.Action.At.String() + ": " + msg.Action.String()
	if msg.Err != nil {
		m.status.set(m.now, what+" failed: "+msg.Err.Error(), true)
		return
	}
	m.status.set(m.now, what+" done", false)
}

func failedText(a producer.Action) string {
	switch a.Kind {
	case producer.ActAdd, producer.ActSetTotal:
		return "adding partitions failed"
	case producer.ActRate:
		return "setting the rate failed"
	}
	return a.String() + " failed"
}

func doneText(a producer.Action) string {
	switch a.Kind {
	case producer.ActRate:
		return "target rate now " + targetRate(a.Rate)
	case producer.ActPause:
		return "paused: nothing is sent until you press p again"
	}
	return "resumed"
}
