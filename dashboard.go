package main

import (
	"context"
	"errors"
	"io"
	"os"

	"golang.org/x/term"
)

// checkTerminal refuses to draw the dashboard into a pipe or file.
func checkTerminal(stdout io.Writer) error {
	f, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return errors.New("stdout is not a terminal: the dashboard needs one; use --headless for JSON lines (for example: partop --headless --duration 30s)")
	}
	return nil
}

func runDashboard(ctx context.Context, e *engine, o options, stderr io.Writer) int {
	return runHeadless(ctx, e, o, io.Discard, stderr)
}
