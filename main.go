// Command partop is a terminal dashboard for partition balance on
// Kafka-protocol clusters: it runs a live producer against a topic, shows
// what every partition receives, and lets an operator add partitions and
// watch the producer pick them up. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"partop/cluster"
	"partop/producer"
	"partop/stats"
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
	eng, err := start(ctx, opts, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	if opts.headless {
		return runHeadless(ctx, eng, opts, stdout, stderr)
	}
	return runDashboard(ctx, eng, opts, stderr)
}

// engine is everything below the UI: the cluster, the producer and its
// statistics.
type engine struct {
	cluster  *cluster.Cluster
	producer *producer.Producer
	sampler  *stats.Sampler
	started  time.Time
}

func start(ctx context.Context, o options, stderr io.Writer) (*engine, error) {
	cl, err := cluster.Open(ctx, cluster.Config{Brokers: o.brokers, Opts: o.security, Embedded: cluster.EmbeddedConfig{Port: o.port}})
	if err != nil {
		return nil, err
	}
	if cl.Embedded() {
		fmt.Fprintf(stderr, "partop: embedded cluster on %s (kcat -b %s -L)\n", strings.Join(cl.Seeds(), ","), cl.Seeds()[0])
	}
	t, err := cl.EnsureTopic(ctx, o.topic, o.partitions, o.create)
	if err != nil {
		cl.Close()
		return nil, err
	}
	sort.SliceStable(o.at, func(i, j int) bool { return o.at[i].At < o.at[j].At })
	if err := producer.CheckPlan(t.Count(), o.at); err != nil {
		cl.Close()
		return nil, err
	}
	counters := stats.NewCounters(t.Count())
	o.producer.ClientOpts = cl.ClientOpts()
	p, err := producer.New(o.producer, cl, counters, t)
	if err != nil {
		cl.Close()
		return nil, err
	}
	return &engine{cluster: cl, producer: p, sampler: stats.NewSampler(counters, stats.Config{}), started: time.Now()}, nil
}

// close flushes the producer and stops the cluster.
func (e *engine) close() error {
	err := e.producer.Close()
	e.cluster.Close()
	return err
}
