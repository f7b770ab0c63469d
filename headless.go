package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"partop/engine"
)

// runHeadless runs the engine and prints one JSON line a second from its
// snapshots, then a summary from the final one. Scheduled actions that fail
// are reported on stderr as they happen and make the exit status 1.
func runHeadless(ctx context.Context, eng *engine.Engine, stdout, stderr io.Writer) int {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- eng.Run(ctx) }()

	enc := json.NewEncoder(stdout)
	reported := 0 // scheduled outcomes told on stderr so far
	report := func(s *engine.Snapshot) {
		for _, o := range s.Outcomes[reported:] {
			if o.Err != "" {
				fmt.Fprintf(stderr, "partop: at %s: %s failed: %s\n", o.Action.At, o.Action, o.Err)
			}
		}
		reported = len(s.Outcomes)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case flushErr := <-runErr:
			final := eng.Snapshot()
			report(final)
			if err := enc.Encode(summaryOf(final)); err != nil {
				fmt.Fprintln(stderr, "partop: writing output:", err)
			}
			return exitCode(final, flushErr, stderr)
		case <-tick.C:
			s := eng.Snapshot()
			report(s)
			if err := enc.Encode(lineOf(s)); err != nil {
				// Nobody reads on: stop, still flushing what is in flight.
				fmt.Fprintln(stderr, "partop: writing output:", err)
				stop()
				<-runErr
				return 1
			}
		}
	}
}

// exitCode is 1 when records could not be flushed or a scheduled action
// failed, else 0.
func exitCode(final *engine.Snapshot, flushErr error, stderr io.Writer) int {
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
