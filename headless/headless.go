// Package headless is partop without a terminal: one JSON object a second
// on stdout, read from the engine's snapshots, and a summary object at the
// end. The objects' fields (Line) are partop's interface for scripts and
// CI: a field once published keeps its name and meaning.
package headless

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"partop/engine"
)

// Run runs eng and prints a line a second until ctx ends, then, once the
// engine has stopped and flushed, the summary from its final snapshot.
// Scheduled actions that fail are reported on stderr as they happen. The
// exit status is 1 when records could not be flushed, a scheduled action
// failed or stdout could not be written; else 0.
func Run(ctx context.Context, eng *engine.Engine, stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	outcomes := outcomeReporter{stderr: stderr}
	writeErr, flushErr := eng.RunView(ctx, func(ctx context.Context) error {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
				s := eng.Snapshot()
				outcomes.report(s)
				if err := enc.Encode(LineOf(s)); err != nil {
					return err // nobody reads on: stop, still flushing what is in flight
				}
			}
		}
	})
	if writeErr != nil {
		fmt.Fprintln(stderr, "partop: writing output:", writeErr)
		return 1
	}
	final := eng.Snapshot()
	outcomes.report(final)
	if err := enc.Encode(SummaryOf(final)); err != nil {
		fmt.Fprintln(stderr, "partop: writing output:", err)
	}
	code := 0
	if flushErr != nil {
		fmt.Fprintln(stderr, "partop:", flushErr)
		code = 1
	}
	if len(final.Failed()) > 0 {
		code = 1
	}
	return code
}

// outcomeReporter tells scheduled actions' failures on stderr, each once.
type outcomeReporter struct {
	stderr   io.Writer
	reported int // outcomes looked at so far
}

func (r *outcomeReporter) report(s *engine.Snapshot) {
	for _, o := range s.Outcomes[r.reported:] {
		if o.Err != "" {
			fmt.Fprintf(r.stderr, "partop: at %s: %s failed: %s\n", o.Action.At, o.Action, o.Err)
		}
	}
	r.reported = len(s.Outcomes)
}
