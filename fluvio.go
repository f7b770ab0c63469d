package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"partop/engine"
	"partop/fluvio"
	"partop/fluvio/source"
	"partop/rules"
)

// fluvioFlags are the settings for a Fluvio cluster (--fluvio).
type fluvioFlags struct {
	sc string // the SC's public address; empty: Kafka
}

func addFluvioFlags(fs *flag.FlagSet) *fluvioFlags {
	f := &fluvioFlags{}
	fs.StringVar(&f.sc, "fluvio", "", "a Fluvio cluster: its SC's public `host:port` (instead of --brokers)")
	return f
}

// check validates the Fluvio flags against the rest after parsing.
func (f *fluvioFlags) check(fs *flag.FlagSet, o options) error {
	if f.sc == "" {
		return nil
	}
	var conflict error
	fs.Visit(func(fl *flag.Flag) {
		name := fl.Name
		switch {
		case conflict != nil:
		case name == "brokers":
			conflict = errors.New("--fluvio and --brokers: give one cluster, Fluvio's SC or Kafka brokers")
		case strings.HasPrefix(name, "tls") || strings.HasPrefix(name, "sasl"):
			conflict = fmt.Errorf("--fluvio with --%s: partop speaks plaintext to Fluvio; TLS and SASL are for Kafka", name)
		case name == "port":
			conflict = errors.New("--fluvio with --port: --port is the embedded Kafka cluster's; there is no embedded Fluvio")
		case name == "discovery-interval":
			conflict = errors.New("--fluvio with --discovery-interval: the Fluvio SC pushes partition changes as they happen, there is no interval to set")
		}
	})
	if conflict != nil {
		return conflict
	}
	if err := rules.CheckTopicName(rules.Fluvio, o.topic); err != nil {
		return fmt.Errorf("--topic: %w", err)
	}
	if o.producer.Partitioner == rules.LeastBackup {
		return fmt.Errorf("--partitioner %s is not available with --fluvio: use %s", rules.LeastBackup, strings.Join(rules.Partitioners(rules.Fluvio), ", "))
	}
	if host, port, err := net.SplitHostPort(f.sc); err != nil || host == "" || port == "" {
		return fmt.Errorf("--fluvio %q: want the SC's public address as host:port, e.g. 127.0.0.1:9003", f.sc)
	}
	return nil
}

// fluvioConnectTimeout bounds connecting to the SC and the API-versions
// handshake: an SC that accepts but never answers fails with a message.
const fluvioConnectTimeout = 10 * time.Second

// startFluvio connects to the Fluvio cluster and wires the source the
// flags ask for into an engine: partop's producer (with the whole topic's
// rate beside it), or in observe mode the topic's end offsets.
func startFluvio(ctx context.Context, o options, stderr io.Writer) (*engine.Engine, error) {
	dctx, cancel := context.WithTimeout(ctx, fluvioConnectTimeout)
	defer cancel()
	cl, err := fluvio.Dial(dctx, o.fluvio.sc)
	if err != nil {
		return nil, fmt.Errorf("--fluvio %s: %w", o.fluvio.sc, err)
	}
	eng, err := wireFluvio(ctx, cl, o, stderr)
	if err != nil {
		cl.Close()
		return nil, err
	}
	return eng, nil
}

// fluvioConn lets the engine close the client after its source.
type fluvioConn struct{ cl *fluvio.Client }

func (c fluvioConn) Close() { _ = c.cl.Close() }

func wireFluvio(ctx context.Context, cl *fluvio.Client, o options, stderr io.Writer) (*engine.Engine, error) {
	t, err := fluvioTopic(ctx, cl, o, stderr)
	if err != nil {
		return nil, err
	}
	cfg, err := engineConfig(o, "fluvio "+o.fluvio.sc, len(t.Partitions))
	if err != nil {
		return nil, err
	}
	ocfg := source.ObserverConfig{Topic: o.topic, Interval: o.observeInt}
	conn := fluvioConn{cl}
	if o.observe {
		src, err := source.NewObserver(ocfg, cl, t)
		if err != nil {
			return nil, err
		}
		return engine.New(src, conn, observing(cfg)), nil
	}
	p, err := source.NewProducer(o.producer.Config, cl, t)
	if err != nil {
		return nil, err
	}
	// The whole topic beside partop's own records, on the producer's
	// watch: no second stream.
	ocfg.Leaders = func() []int32 { return p.Tracker().View().Leaders }
	whole, err := source.NewObserver(ocfg, cl, t)
	if err != nil {
		_ = p.Close()
		return nil, err
	}
	return engine.New(p, conn, producing(cfg, p.Config(), whole)), nil
}

// fluvioTopic finds the topic, creating it with --create (produce mode
// only), and says what to do when it is missing.
func fluvioTopic(ctx context.Context, cl *fluvio.Client, o options, stderr io.Writer) (fluvio.Topic, error) {
	actx, cancel := context.WithTimeout(ctx, fluvioConnectTimeout)
	defer cancel()
	t, err := cl.Topic(actx, o.topic)
	switch {
	case err == nil:
		return t, nil
	case !errors.Is(err, fluvio.ErrUnknownTopic):
		return t, fmt.Errorf("--fluvio %s: describing topic %q: %w", o.fluvio.sc, o.topic, err)
	case o.observe:
		return t, fmt.Errorf("topic %q does not exist on Fluvio %s: observe mode watches an existing topic and creates nothing", o.topic, o.fluvio.sc)
	case !o.create:
		return t, fmt.Errorf("topic %q does not exist on Fluvio %s: pass --create to create it with --partitions (%d)", o.topic, o.fluvio.sc, o.partitions)
	}
	// The SC answers once every partition is online, or after 90 s.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Second)
	defer cancel()
	err = cl.CreateTopic(cctx, o.topic, o.partitions)
	if errors.Is(err, fluvio.ErrTopicExists) { // someone else was quicker
		return cl.Topic(cctx, o.topic)
	}
	if err != nil {
		return t, fmt.Errorf("--create on Fluvio %s: %w", o.fluvio.sc, err)
	}
	fmt.Fprintf(stderr, "partop: created topic %q with %d partitions on Fluvio %s\n", o.topic, o.partitions, o.fluvio.sc)
	return cl.Topic(cctx, o.topic)
}
