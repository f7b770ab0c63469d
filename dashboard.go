package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"partop/producer"
	"partop/stats"
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

// dashboardEngine is what the dashboard reads: the producer as it is, plus
// sampling, which the dashboard drives from its tick.
type dashboardEngine struct {
	*producer.Producer
	sampler *stats.Sampler
}

// Sample takes a sample as of now and returns the snapshot.
func (d dashboardEngine) Sample(now time.Time) stats.Snapshot {
	d.sampler.Sample(now)
	return d.sampler.Snapshot()
}

// runDashboard runs the producer and the --at schedule under the full-screen
// dashboard until the operator quits, ctx ends or --duration passes, then
// flushes the producer.
func runDashboard(ctx context.Context, e *engine, o options, stderr io.Writer) int {
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	model := tui.New(dashboardEngine{e.producer, e.sampler}, tui.Config{
		Cluster:     e.cluster.Name(),
		Topic:       o.topic,
		Partitioner: e.producer.Config().Partitioner,
		Tick:        o.tick,
		Start:       e.started,
		Schedule:    o.at,
		Context:     ctx,
	})
	e.sampler.Sample(e.started)
	// In raw mode ctrl+c arrives as a key; SIGINT and SIGTERM from outside
	// end the program through its own handler or through ctx below.
	p := tea.NewProgram(model)

	produced := make(chan struct{})
	go func() {
		defer close(produced)
		e.producer.Run(ctx)
	}()
	actionsDone := make(chan struct{})
	go func() {
		defer close(actionsDone)
		e.producer.RunSchedule(ctx, e.started, o.at, func(a producer.Action, err error) {
			p.Send(tui.ScheduledMsg{Action: a, Err: err})
		})
	}()
	go func() {
		<-ctx.Done() // --duration, SIGTERM, or the program ended
		p.Quit()
	}()

	_, runErr := p.Run()
	stop()
	<-actionsDone
	flushErr := e.close()
	<-produced
	code := 0
	quitBySignal := errors.Is(runErr, tea.ErrInterrupted) || (errors.Is(runErr, tea.ErrProgramKilled) && !errors.Is(runErr, tea.ErrProgramPanic))
	if runErr != nil && !quitBySignal {
		fmt.Fprintln(stderr, "partop: dashboard:", runErr)
		code = 1
	}
	if flushErr != nil {
		fmt.Fprintln(stderr, "partop:", flushErr)
		code = 1
	}
	return code
}
