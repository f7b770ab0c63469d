package engine

import (
	"testing"
	"time"
)

// TestStepReplaces: a step the engine has not taken is replaced by the
// newer one, and replaceStep never blocks.
func TestStepReplaces(t *testing.T) {
	steps := make(chan time.Time, 1)
	t0 := time.Now()
	replaceStep(steps, t0)
	replaceStep(steps, t0.Add(time.Second))
	if got := <-steps; !got.Equal(t0.Add(time.Second)) {
		t.Fatalf("step %v, want the newer one", got)
	}
}
