package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"partop/rules"
	"partop/source"
)

// ActionKind is what an operator action does.
type ActionKind int

// Action kinds.
const (
	ActAdd      ActionKind = iota // add N partitions
	ActSetTotal                   // grow to N partitions in total
	ActRate                       // set the target rate
	ActPause
	ActResume
	// ActNote is a view's news for the event log (a viewer joined over
	// SSH); --at has no spelling for it.
	ActNote
)

// Action is an operator action: typed in a dashboard, or scheduled with
// --at OFFSET:ACTION. Views hand actions to Engine.Apply.
type Action struct {
	At   time.Duration // offset from start (scheduled actions only)
	Kind ActionKind
	N    int     // partitions for ActAdd and ActSetTotal
	Rate float64 // records/s for ActRate
	// Place is who places ActAdd's and ActSetTotal's partitions:
	// rules.PlaceBalanced (partop, by traffic), rules.PlaceCluster; empty:
	// the run's default (Config.Place).
	Place string
	// Plan is the balanced placement a view showed the operator
	// (Engine.PlanAdd): Apply places exactly this while the topic still
	// has Plan.From partitions, else it plans again. nil: plan at Apply.
	Plan *source.Plan
	// NoteKind (an event kind) and Note are ActNote's event.
	NoteKind, Note string
}

// String is the action as --at spells it.
func (a Action) String() string {
	place := ""
	if a.Place != "" {
		place = "," + a.Place
	}
	switch a.Kind {
	case ActAdd:
		return fmt.Sprintf("add=%d", a.N) + place
	case ActSetTotal:
		return fmt.Sprintf("partitions=%d", a.N) + place
	case ActRate:
		return "rate=" + strconv.FormatFloat(a.Rate, 'f', -1, 64)
	case ActPause:
		return "pause"
	case ActNote:
		return "note"
	default:
		return "resume"
	}
}

// Grows reports whether the action adds partitions.
func (a Action) Grows() bool { return a.Kind == ActAdd || a.Kind == ActSetTotal }

// Target maps the current partition count to the total an add or
// set-total action wants.
func (a Action) Target(current int) int { return a.grow().Target(current) }

func (a Action) grow() rules.Grow { return rules.Grow{N: a.N, Total: a.Kind == ActSetTotal} }

// GrowAction is the action that makes the partition change g.
func GrowAction(g rules.Grow) Action {
	if g.Total {
		return Action{Kind: ActSetTotal, N: g.N, Place: g.Place}
	}
	return Action{Kind: ActAdd, N: g.N, Place: g.Place}
}

// Check says whether the cluster, of platform, would take a partition
// action on a topic of current partitions (rules.CheckGrow).
func (a Action) Check(platform string, current int) error {
	if !a.Grows() {
		return nil
	}
	return rules.CheckGrow(platform, current, a.Target(current))
}

const actionForms = "add=N (or +N), partitions=N (or =N), either with ,balanced or ,cluster after it, rate=R, pause or resume"

// ParseAt parses a scheduled action, OFFSET:ACTION, such as 10s:add=4.
// platform names the cluster in a refused count's reason (rules.ParseGrow).
func ParseAt(platform, s string) (Action, error) {
	off, act, ok := strings.Cut(s, ":")
	if !ok {
		return Action{}, fmt.Errorf("--at %q: want OFFSET:ACTION, for example 10s:add=4 (actions: %s)", s, actionForms)
	}
	at, err := time.ParseDuration(off)
	if err != nil || at < 0 {
		return Action{}, fmt.Errorf("--at %q: offset %q is not a duration like 10s or 1m30s", s, off)
	}
	a, err := ParseAction(platform, act)
	if err != nil {
		return Action{}, fmt.Errorf("--at %q: %w", s, err)
	}
	a.At = at
	return a, nil
}

// ParseAction parses add=N, partitions=N, +N, =N (each may end in
// ,balanced or ,cluster: who places the new partitions), rate=R, pause or
// resume. Whether the platform can place partitions is the caller's check
// (rules.Platform.CheckPlacement).
// Partition changes and rates are read by rules.ParseGrow and
// rules.ParseRate, as the dashboard reads them.
func ParseAction(platform, s string) (Action, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "=") {
		return parseGrow(platform, s)
	}
	name, val, hasVal := strings.Cut(s, "=")
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
		if !hasVal || strings.TrimSpace(val) == "" {
			return Action{}, fmt.Errorf("%s needs a count, as in %s=4", name, name)
		}
		sign := "+"
		if name == "partitions" {
			sign = "="
		}
		return parseGrow(platform, sign+val)
	case "rate":
		r, err := rules.ParseRate(val)
		if err != nil {
			return Action{}, err
		}
		return Action{Kind: ActRate, Rate: r}, nil
	}
	return Action{}, fmt.Errorf("unknown action %q: want %s", s, actionForms)
}

// parseGrow reads a partition change for --at.
func parseGrow(platform, s string) (Action, error) {
	g, err := rules.ParseGrow(platform, s)
	if err != nil {
		return Action{}, err
	}
	return GrowAction(g), nil
}

// CheckPlan walks scheduled partition actions from the topic's current
// count and reports the first one the cluster would refuse, before anything
// runs. Someone else may still add partitions meanwhile; Apply checks again.
func CheckPlan(platform string, current int, actions []Action) error {
	for _, a := range actions {
		if !a.Grows() {
			continue
		}
		if err := a.Check(platform, current); err != nil {
			return fmt.Errorf("--at %s:%s: %w", a.At, a, err)
		}
		current = a.Target(current)
	}
	return nil
}
