// Package waitfor is how partop's tests wait for something that happens
// on its own time (records acknowledged, a poll, a session joining): poll
// a condition until it holds, and fail the test, saying what was awaited,
// if it does not within a bound generous enough never to flake.
package waitfor

import (
	"testing"
	"time"
)

// That polls cond every 5 ms until it holds, or fails the test after d.
func That(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
