// Package fanout is how partop asks a topic's leaders: one request per
// leader, all at once, each about that leader's partitions, and the answers
// gathered. A request some leaders or partitions could not answer fails
// with *Errors, on both platforms, modelled on kadm's ShardErrors: what
// failed, each with its own error, and AllFailed when nothing was answered
// (the caller then has nothing to show and backs off; otherwise it shows
// what came and reports the rest as a problem).
package fanout

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Errors is a fanned-out request that partly or wholly failed.
type Errors struct {
	What      string  // the request: "end offsets", "producers"
	AllFailed bool    // nothing answered
	Errs      []error // each leader or partition that failed, saying which
}

func (e *Errors) Error() string {
	if len(e.Errs) == 0 {
		return e.What + ": failed"
	}
	msg := e.What + ": " + e.Errs[0].Error()
	if n := len(e.Errs) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg
}

// Unwrap lets errors.Is and errors.As see every failure.
func (e *Errors) Unwrap() []error { return e.Errs }

// Err is e as an error: nil when nothing failed.
func (e *Errors) Err() error {
	if e == nil || (len(e.Errs) == 0 && !e.AllFailed) {
		return nil
	}
	return e
}

// Add records one failure.
func (e *Errors) Add(err error) { e.Errs = append(e.Errs, err) }

// Answer is one leader's answer.
type Answer[R any] struct {
	Leader     int32
	Partitions []int32
	Resp       R
	Err        error     // the request to this leader failed
	At         time.Time // when the answer came
}

// ByLeader groups partitions by leader from leaders indexed by partition
// id; partitions without a leader (-1) are left out.
func ByLeader(leaders []int32) map[int32][]int32 {
	out := map[int32][]int32{}
	for p, l := range leaders {
		if l >= 0 {
			out[l] = append(out[l], int32(p))
		}
	}
	return out
}

// Ask sends ask to every leader in byLeader at once, each with its
// partitions, and returns the answers in leader order.
func Ask[R any](ctx context.Context, byLeader map[int32][]int32, ask func(ctx context.Context, leader int32, parts []int32) (R, error)) []Answer[R] {
	answers := make([]Answer[R], 0, len(byLeader))
	for l, parts := range byLeader {
		answers = append(answers, Answer[R]{Leader: l, Partitions: parts})
	}
	slices.SortFunc(answers, func(a, b Answer[R]) int { return int(a.Leader - b.Leader) })
	var wg sync.WaitGroup
	for i := range answers {
		a := &answers[i]
		wg.Go(func() {
			a.Resp, a.Err = ask(ctx, a.Leader, a.Partitions)
			a.At = time.Now()
		})
	}
	wg.Wait()
	return answers
}

// Partitions renders partition ids as "partition 2" or "partitions 0, 1, 3".
func Partitions(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	if len(s) == 1 {
		return "partition " + s[0]
	}
	return "partitions " + strings.Join(s, ", ")
}
