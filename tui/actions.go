package tui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"partop/engine"
	"partop/rules"
)

// actionDoneMsg carries the outcome of an action the operator started.
type actionDoneMsg struct {
	action engine.Action
	err    error
}

// apply runs an action in a tea.Cmd: adding partitions is an admin call
// that can take as long as the cluster does, and Update must never wait.
func (m *Model) apply(a engine.Action) tea.Cmd {
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
		if target < rules.MinStepRate {
			target = rules.DefaultRate // where - starts from unlimited when nothing flows
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
	next = min(max(next, rules.MinStepRate), rules.MaxRate)
	return next, next != target
}

// actionText is an action in the operator's words, for the status line.
func actionText(a engine.Action, current int) string {
	switch a.Kind {
	case engine.ActAdd:
		return fmt.Sprintf("adding %d partition%s (%d → %d)", a.N, plural(a.N), current, current+a.N)
	case engine.ActSetTotal:
		return fmt.Sprintf("growing to %d partitions (+%d)", a.N, a.N-current)
	case engine.ActRate:
		return "setting the target rate to " + engine.FormatTarget(a.Rate)
	case engine.ActPause:
		return "pausing"
	}
	return "resuming"
}

// done takes the outcome of an operator action.
func (m *Model) done(msg actionDoneMsg) tea.Cmd {
	isAdd := msg.action.Grows()
	if isAdd {
		m.adding = false
	}
	m.load() // Apply published the outcome
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

// reportScheduled shows the newest --at outcome this dashboard has not
// shown yet: every viewer learns of them from the snapshots.
func (m *Model) reportScheduled() {
	outs := m.es.Outcomes
	if len(outs) <= m.schedDone {
		return
	}
	m.schedDone = len(outs)
	o := outs[len(outs)-1]
	what := "at " + o.Action.At.String() + ": " + o.Action.String()
	if o.Err != "" {
		m.status.set(m.now, what+" failed: "+o.Err, true)
		return
	}
	m.status.set(m.now, what+" done", false)
}

func failedText(a engine.Action) string {
	switch a.Kind {
	case engine.ActAdd, engine.ActSetTotal:
		return "adding partitions failed"
	case engine.ActRate:
		return "setting the rate failed"
	}
	return a.String() + " failed"
}

func doneText(a engine.Action) string {
	switch a.Kind {
	case engine.ActRate:
		return "target rate now " + engine.FormatTarget(a.Rate)
	case engine.ActPause:
		return "paused: nothing is sent until you press p again"
	}
	return "resumed"
}
