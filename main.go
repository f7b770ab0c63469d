// Command partop is a terminal dashboard for partition balance on
// Kafka-protocol clusters: it runs a live producer against a topic, shows
// what every partition receives, and lets an operator add partitions and
// watch the producer pick them up. See README.md.
//
// main parses flags, wires a cluster and a traffic source into an engine
// (start.go), and runs the views the flags ask for: the dashboard or
// headless JSON lines.
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
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without os.Exit, so tests can drive the whole command.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !opts.headless {
		if err := checkTerminal(stdout); err != nil {
			fmt.Fprintln(stderr, "partop:", err)
			return 2
		}
	}
	srv, err := listenServers(opts.serve)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	defer srv.close()
	eng, b, err := start(ctx, opts, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	defer b.Close() // after the engine has stopped and flushed
	srv.serve(ctx, eng, stderr)
	if opts.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.duration)
		defer cancel()
	}
	if opts.headless {
		return runHeadless(ctx, eng, stdout, stderr)
	}
	return runDashboard(ctx, eng, stderr)
}
