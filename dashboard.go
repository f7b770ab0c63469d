package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"partop/engine"
	"partop/tui"
)

// checkTerminal refuses to draw the dashboard into a pipe or file.
func checkTerminal(stdout io.Writer) error {
	f, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return errors.New("stdout is not a terminal: the dashboard needs one; use --headless for JSON lines (for example: partop --headless --duration 30s)")
	}
	return nil
}

// runDashboard runs the engine under the full-screen dashboard until the
// operator quits, ctx ends or --duration passes; the engine then stops and
// flushes.
func runDashboard(ctx context.Context, eng *engine.Engine, stderr io.Writer) int {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- eng.Run(ctx) }()

	// In raw mode ctrl+c arrives as a key; SIGINT and SIGTERM from outside
	// end the program through its own handler or through ctx below.
	p := tea.NewProgram(tui.New(eng, tui.Config{Context: ctx}))
	go func() {
		<-ctx.Done() // --duration, SIGTERM, or the program ended
		p.Quit()
	}()
	_, uiErr := p.Run()
	stop()
	flushErr := <-runErr
	code := 0
	quitBySignal := errors.Is(uiErr, tea.ErrInterrupted) || (errors.Is(uiErr, tea.ErrProgramKilled) && !errors.Is(uiErr, tea.ErrProgramPanic))
	if uiErr != nil && !quitBySignal {
		fmt.Fprintln(stderr, "partop: dashboard:", uiErr)
		code = 1
	}
	if flushErr != nil {
		fmt.Fprintln(stderr, "partop:", flushErr)
		code = 1
	}
	return code
}
