package engine

import (
	"context"
	"errors"
	"time"

	"partop/rules"
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
	e.mu.Lock()
	e.topic.adding++
	e.mu.Unlock()
	asked := time.Now() // no group has the new partitions before this
	from, to, err := e.src.Grow(ctx, a.Target)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.topic.adding--
	if err != nil {
		return err
	}
	now := time.Now()
	e.topic.expanded(from, to, ByPartop, asked, now, now)
	return nil
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
