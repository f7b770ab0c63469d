package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"partop/engine"
)

// CheckTerminal refuses to draw the dashboard into a pipe or file.
func CheckTerminal(stdout io.Writer) error {
	f, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return errors.New("stdout is not a terminal: the dashboard needs one; use --headless for JSON lines (for example: partop --headless --duration 30s)")
	}
	return nil
}

// Cluster is how a dashboard reaches the topics view of its cluster (t):
// Watch starts the census (on the first t), Open opens another topic's
// dashboard from the list.
type Cluster struct {
	Name  string
	Watch func(ctx context.Context) Overview
	Open  TopicOpener
}

// Run runs eng under the full-screen dashboard on the process's terminal
// until the operator quits or ctx ends; the engine then stops and flushes.
// With cluster, t opens the topics view. The exit status is 1 when the
// dashboard failed or records could not be flushed, else 0.
func Run(ctx context.Context, eng *engine.Engine, cluster *Cluster, stderr io.Writer) int {
	uiErr, flushErr := eng.RunView(ctx, func(ctx context.Context) error {
		// In raw mode ctrl+c arrives as a key; SIGINT and SIGTERM from
		// outside end the program through its own handler or through ctx.
		var m tea.Model = New(eng, Config{Context: ctx})
		if cluster != nil {
			home := NewHome(eng, func() Overview { return cluster.Watch(ctx) }, ClusterConfig{Name: cluster.Name, Open: cluster.Open, Context: ctx, Topic: Config{Context: ctx}})
			defer home.Close()
			m = home
		}
		p := tea.NewProgram(m)
		go func() {
			<-ctx.Done() // --duration, SIGTERM, or the program ended
			p.Quit()
		}()
		_, err := p.Run()
		return err
	})
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

// RunCluster runs the topics view of w on the process's terminal until
// the operator quits or ctx ends; a topic's dashboard opened from it is
// stopped before it returns. The exit status is 1 when the view failed.
func RunCluster(ctx context.Context, w Overview, cfg ClusterConfig, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg.Context = ctx
	cfg.Topic.Context = ctx
	m := NewTopics(w, cfg)
	p := tea.NewProgram(m)
	go func() {
		<-ctx.Done() // --duration, SIGTERM, or the program ended
		p.Quit()
	}()
	_, err := p.Run()
	m.Close()
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && !(errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrProgramPanic)) {
		fmt.Fprintln(stderr, "partop: topics view:", err)
		return 1
	}
	return 0
}
