package producer

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partop/cluster"
)

// ActionKind is what a scheduled action does.
type ActionKind int

// Action kinds.
const (
	ActAdd      ActionKind = iota // add N partitions
	ActSetTotal                   // grow to N partitions in total
	ActRate                       // set the target rate
	ActPause
	ActResume
)

// Action is an operator action, typed in the dashboard or scheduled with
// --at OFFSET:ACTION.
type Action struct {
	At   time.Duration // offset from start (scheduled actions only)
	Kind ActionKind
	N    int     // partitions for ActAdd and ActSetTotal
	Rate float64 // records/s for ActRate
}

func (a Action) String() string {
	switch a.Kind {
	case ActAdd:
		return fmt.Sprintf("add=%d", a.N)
	case ActSetTotal:
		return fmt.Sprintf("partitions=%d", a.N)
	case ActRate:
		return fmt.Sprintf("rate=%g", a.Rate)
	case ActPause:
		return "pause"
	default:
		return "resume"
	}
}

const actionForms = "add=N, partitions=N, rate=R, pause or resume"

// ParseAt parses a scheduled action, OFFSET:ACTION, such as 10s:add=4.
func ParseAt(s string) (Action, error) {
	off, act, ok := strings.Cut(s, ":")
	if !ok {
		return Action{}, fmt.Errorf("--at %q: want OFFSET:ACTION, for example 10s:add=4 (actions: %s)", s, actionForms)
	}
	at, err := time.ParseDuration(off)
	if err != nil || at < 0 {
		return Action{}, fmt.Errorf("--at %q: offset %q is not a duration like 10s or 1m30s", s, off)
	}
	a, err := ParseAction(act)
	if err != nil {
		return Action{}, fmt.Errorf("--at %q: %w", s, err)
	}
	a.At = at
	return a, nil
}

// ParseAction parses add=N, partitions=N, rate=R, pause or resume.
func ParseAction(s string) (Action, error) {
	name, val, hasVal := strings.Cut(strings.TrimSpace(s), "=")
	switch name {
	case "pause", "resume":
		if hasVal {
			return Action{}, fmt.Errorf("%s takes no value", name)
		}
		if name == "pause" {
			return Action{Kind: ActPause}, nil
		}
		return Action{Kind: ActResume}, nil
	case "add", "partitions":
		if !hasVal {
			return Action{}, fmt.Errorf("%s needs a count, as in %s=4", name, name)
		}
		n, err := strconv.Atoi(val)
		if err != nil {
			return Action{}, fmt.Errorf("%s=%s: %q is not a whole number", name, val, val)
		}
		if name == "add" {
			if n < 1 {
				return Action{}, fmt.Errorf("add=%d: add at least 1 partition", n)
			}
			if n > cluster.MaxPartitions {
				return Action{}, fmt.Errorf("add=%d: over partop's limit of %d partitions", n, cluster.MaxPartitions)
			}
			return Action{Kind: ActAdd, N: n}, nil
		}
		if n < 1 || n > cluster.MaxPartitions {
			return Action{}, fmt.Errorf("partitions=%d: the total must be between 1 and %d", n, cluster.MaxPartitions)
		}
		return Action{Kind: ActSetTotal, N: n}, nil
	case "rate":
		r, err := strconv.ParseFloat(val, 64)
		if !hasVal || err != nil || r < 0 || r > 1e9 {
			return Action{}, fmt.Errorf("rate=%s: want records/s, 0 (as fast as possible) to 1e9", val)
		}
		return Action{Kind: ActRate, Rate: r}, nil
	}
	return Action{}, fmt.Errorf("unknown action %q: want %s", s, actionForms)
}

// Target maps the current partition count to the total an add or
// set-total action wants.
func (a Action) Target(current int) int {
	if a.Kind == ActAdd {
		return current + a.N
	}
	return a.N
}

// CheckPlan walks scheduled partition actions from the topic's current
// count and reports the first one Kafka would refuse, before anything runs.
// Someone else may still add partitions meanwhile; Apply checks again.
func CheckPlan(current int, actions []Action) error {
	for _, a := range actions {
		if a.Kind != ActAdd && a.Kind != ActSetTotal {
			continue
		}
		next := a.Target(current)
		if err := cluster.CheckCount(current, next); err != nil {
			return fmt.Errorf("--at %s:%s: %w", a.At, a, err)
		}
		current = next
	}
	return nil
}

// Apply carries out an action now.
func (p *Producer) Apply(ctx context.Context, a Action) error {
	switch a.Kind {
	case ActAdd, ActSetTotal:
		_, _, err := p.Grow(ctx, a.Target)
		return err
	case ActRate:
		return p.SetRate(a.Rate)
	case ActPause:
		p.SetPaused(true)
	case ActResume:
		p.SetPaused(false)
	}
	return nil
}

// RunSchedule applies actions at their offsets from start, in order, until
// ctx ends. report (may be nil) hears every outcome; an action that fails
// is also logged as an event, and the schedule goes on.
func (p *Producer) RunSchedule(ctx context.Context, start time.Time, actions []Action, report func(Action, error)) {
	for _, a := range actions {
		t := time.NewTimer(time.Until(start.Add(a.At)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		err := p.Apply(ctx, a)
		if report != nil {
			report(a, err)
		}
	}
}
