package engine

import (
	"context"
	"time"

	"partop/discovery"
	"partop/rules"
)

// Apply carries out an operator action now and publishes a snapshot that
// shows it. Adding partitions is an admin call that takes as long as the
// cluster does: views call Apply outside their event loop (a tea.Cmd).
// A refused action is logged as an error event; the engine goes on.
func (e *Engine) Apply(ctx context.Context, a Action) error {
	err := e.apply(ctx, a)
	if err != nil {
		e.tracker.Note(discovery.KindError, a.String()+": "+err.Error())
	}
	e.publish(nil)
	return err
}

func (e *Engine) apply(ctx context.Context, a Action) error {
	if a.Grows() {
		_, _, err := e.src.Grow(ctx, a.Target)
		return err
	}
	if e.sender == nil {
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
		e.tracker.Note(discovery.KindRate, "target rate "+FormatTarget(a.Rate))
	case ActPause, ActResume:
		pause := a.Kind == ActPause
		if e.sender.Paused() == pause {
			return nil
		}
		e.sender.SetPaused(pause)
		if pause {
			e.tracker.Note(discovery.KindPause, "paused")
		} else {
			e.tracker.Note(discovery.KindResume, "resumed")
		}
	}
	return nil
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
			e.tracker.Note(discovery.KindError, "at "+a.At.String()+": "+a.String()+": "+o.Err)
		}
		e.mu.Lock()
		e.outcomes = append(e.outcomes, o)
		e.mu.Unlock()
		e.publish(nil)
	}
}
