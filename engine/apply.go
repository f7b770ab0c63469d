package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"partop/rules"
	"partop/source"
)

// ErrNotSending is what rate and pause actions return on a source that
// sends nothing (observe mode).
var ErrNotSending = errors.New("partop sends nothing in observe mode: rate and pause do not apply")

// Apply carries out an action now and publishes a snapshot that shows it:
// an operator's (add partitions, rate, pause) or a view's news (ActNote).
// Adding partitions is an admin call that takes as long as the cluster
// does: views call Apply outside their event loop (a tea.Cmd). A refused
// action is logged as an error event; the engine goes on.
func (e *Engine) Apply(ctx context.Context, a Action) error {
	err := e.apply(ctx, a)
	if err != nil {
		e.note(KindError, a.String()+": "+err.Error())
	}
	e.publish(nil)
	return err
}

func (e *Engine) apply(ctx context.Context, a Action) error {
	switch {
	case a.Grows():
		return e.grow(ctx, a)
	case a.Kind == ActNote:
		e.note(a.NoteKind, a.Note)
		return nil
	case e.sender == nil:
		return ErrNotSending
	}
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	switch a.Kind {
	case ActRate:
		if err := rules.CheckRate(a.Rate); err != nil {
			return err
		}
		if err := e.sender.SetRate(a.Rate); err != nil {
			return err
		}
		e.note(KindRate, "target rate "+FormatTarget(a.Rate))
	case ActPause, ActResume:
		pause := a.Kind == ActPause
		if e.sender.Paused() == pause {
			return nil
		}
		e.sender.SetPaused(pause)
		if pause {
			e.note(KindPause, "paused")
		} else {
			e.note(KindResume, "resumed")
		}
	}
	return nil
}

// grow has the source add partitions and records the expansion as
// partop's. While the admin call runs, the source's watcher may see the
// new count before the call answers: the topic state does not report it
// as someone else's.
func (e *Engine) grow(ctx context.Context, a Action) error {
	balanced := cmp.Or(a.Place, e.cfg.Place) == rules.PlaceBalanced
	var placer source.Placer
	if balanced {
		var err error
		if placer, err = e.placer(); err != nil {
			return err
		}
	}
	e.mu.Lock()
	e.topic.adding++
	current := e.topic.state.Cluster
	e.mu.Unlock()
	asked := time.Now() // no group has the new partitions before this
	var (
		from, to int
		err      error
		plan     source.Plan
	)
	if balanced {
		from, to, plan, err = e.growPlaced(ctx, placer, a, current)
	} else {
		from, to, err = e.src.Grow(ctx, a.Target)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.topic.adding--
	if err != nil {
		return err
	}
	now := time.Now()
	e.topic.expanded(from, to, ByPartop, asked, now, now)
	if balanced {
		e.topic.note(now, KindInfo, fmt.Sprintf("partitions %d-%d placed by partop (balanced by traffic): %s", from, to-1, plan.LeadersText()))
	}
	return nil
}

// growPlaced adds partitions where the operator saw them go (a.Plan, while
// the topic still has the partitions it was planned for), or where
// balanced placement puts them now. The source refuses a plan for a count
// the cluster no longer has.
func (e *Engine) growPlaced(ctx context.Context, placer source.Placer, a Action, current int) (from, to int, plan source.Plan, err error) {
	if a.Plan != nil && a.Plan.From == current && a.Plan.To == a.Target(current) {
		plan = *a.Plan
	} else if plan, err = placer.Plan(ctx, a.Target, e.Load()); err != nil {
		return 0, 0, plan, err
	}
	from, to, err = placer.GrowPlaced(ctx, plan)
	return from, to, plan, err
}

// placer is the source as a source.Placer, or the reason it cannot place
// partitions.
func (e *Engine) placer() (source.Placer, error) {
	if p, ok := e.src.(source.Placer); ok {
		return p, nil
	}
	return nil, errors.New(e.cfg.Info.NoPlacement)
}

// PlanAdd says where balanced placement would put the partitions a adds,
// at the traffic measured now (Load), without adding them: what the
// dashboard previews before Enter. It asks the cluster: views call it
// outside their event loop (a tea.Cmd).
func (e *Engine) PlanAdd(ctx context.Context, a Action) (source.Plan, error) {
	p, err := e.placer()
	if err != nil {
		return source.Plan{}, err
	}
	return p.Plan(ctx, a.Target, e.Load())
}

// Load is the topic's records/s by partition id over the balance window,
// as the latest snapshot measured them: what balanced placement evens out.
// It is the source's traffic: every producer's in observe mode, partop's
// own while it produces.
func (e *Engine) Load() []float64 {
	ps := e.Snapshot().Stats.Partitions
	out := make([]float64, len(ps))
	for _, p := range ps {
		if p.ID >= 0 && int(p.ID) < len(out) {
			out[p.ID] = p.RateBalance
		}
	}
	return out
}

func (e *Engine) note(kind, msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.topic.note(time.Now(), kind, msg)
}

// runSchedule applies the --at actions at their offsets from start, in
// order, until ctx ends. Every outcome goes into the snapshot; a failed
// action does not stop the ones after it.
func (e *Engine) runSchedule(ctx context.Context, start time.Time) {
	for _, a := range e.cfg.Schedule {
		t := time.NewTimer(time.Until(start.Add(a.At)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		err := e.apply(ctx, a)
		o := Outcome{Action: a, At: time.Now()}
		if err != nil {
			o.Err = err.Error()
			e.note(KindError, "at "+a.At.String()+": "+a.String()+": "+o.Err)
		}
		e.mu.Lock()
		e.outcomes = append(e.outcomes, o)
		e.mu.Unlock()
		e.publish(nil)
	}
}
