// Command partop is a terminal dashboard for partition balance on
// Kafka-protocol clusters and Fluvio: it runs a live producer against a
// topic, shows what every partition receives, and lets an operator add
// partitions and watch the producer pick them up. See README.md.
//
// main is the composition root: flags (package cmdline, with each
// backend's platform.Platform from the list below) -> the backend the flags
// chose -> the engine (start.go) -> the views: the dashboard (tui) or
// headless JSON lines, and SSH dashboards and /metrics beside either
// (package servers).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"partop/backend/fluvio"
	"partop/backend/kafka"
	"partop/cmdline"
	"partop/cmdline/platform"
	"partop/headless"
	"partop/servers"
	"partop/tui"
)

// platforms are the backends partop runs on, fresh for each parse, the
// default first (used when no platform's flags are given). A new backend is
// one more entry here.
func platforms() []platform.Platform {
	return []platform.Platform{kafka.NewFlags(), fluvio.NewFlags()}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without os.Exit, so tests can drive the whole command. Bad
// flags exit 2, anything that fails once partop starts exits 1.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := cmdline.Parse(args, stderr, platforms()...)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, cmdline.ErrVersion):
		fmt.Fprintln(stdout, cmdline.Version())
		return 0
	case err != nil:
		fmt.Fprintln(stderr, "partop:", err)
		return 2
	}
	if !o.Headless {
		if err := tui.CheckTerminal(stdout); err != nil {
			fmt.Fprintln(stderr, "partop:", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := servers.Listen(o)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	defer srv.Close()
	if o.Cluster {
		return runCluster(ctx, o, srv, stdout, stderr)
	}
	eng, b, err := start(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	defer b.Close()               // after the engine has stopped and flushed
	access := clusterAccess(b, o) // t, the topics view, for every dashboard of the run
	srv.Serve(ctx, eng, access, stderr)
	ctx, cancel := forDuration(ctx, o)
	defer cancel()
	if o.Headless {
		return headless.Run(ctx, eng, stdout, stderr)
	}
	return tui.Run(ctx, eng, access, stderr)
}

// forDuration bounds ctx by --duration, when given.
func forDuration(ctx context.Context, o cmdline.Options) (context.Context, context.CancelFunc) {
	if o.Duration > 0 {
		return context.WithTimeout(ctx, o.Duration)
	}
	return context.WithCancel(ctx)
}
