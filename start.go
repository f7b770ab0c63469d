package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"partop/backend/fluvio"
	"partop/backend/kafka"
	"partop/backend/kafka/cluster"
	"partop/cmdline"
	"partop/engine"
	"partop/source"
)

// openBackend opens the cluster the flags name: a Fluvio SC with --fluvio,
// else Kafka (the user's brokers, or the embedded cluster). It is the one
// place the platform is chosen.
func openBackend(ctx context.Context, o cmdline.Options, stderr io.Writer) (source.Backend, error) {
	if o.Fluvio != "" {
		return fluvio.Open(ctx, fluvio.Options{SC: o.Fluvio, PollInterval: o.PollInterval})
	}
	b, err := kafka.Open(ctx, kafka.Options{
		Cluster:           cluster.Config{Brokers: o.Brokers, Security: o.Security, Embedded: cluster.EmbeddedConfig{Port: o.Port}},
		DiscoveryInterval: o.DiscoveryInterval,
		PollInterval:      o.PollInterval,
		ProducersInterval: o.ProducersInterval, ProducersGrace: o.ProducersGrace,
		GroupsInterval: o.GroupsInterval,
	})
	if err != nil {
		return nil, err
	}
	if b.Embedded() {
		seeds := b.Cluster().Seeds()
		fmt.Fprintf(stderr, "partop: embedded cluster on %s (kcat -b %s -L)\n", strings.Join(seeds, ","), seeds[0])
	}
	return b, nil
}

// start opens the backend, finds the topic, checks the --at plan against
// it and makes the engine around the source the flags ask for: partop's
// producer (with the whole topic counted beside it), or in observe mode the
// topic's end offsets. Nothing is sent or polled until the engine runs; the
// backend is the caller's to close after it.
func start(ctx context.Context, o cmdline.Options, stderr io.Writer) (*engine.Engine, source.Backend, error) {
	b, err := openBackend(ctx, o, stderr)
	if err != nil {
		return nil, nil, err
	}
	eng, err := wire(ctx, b, o, stderr)
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return eng, b, nil
}

func wire(ctx context.Context, b source.Backend, o cmdline.Options, stderr io.Writer) (*engine.Engine, error) {
	t, err := findTopic(ctx, b, o, stderr)
	if err != nil {
		return nil, err
	}
	if err := engine.CheckPlan(t.Partitions(), o.At); err != nil {
		return nil, err
	}
	cfg := engine.Config{
		Info:     engine.Info{Cluster: b.Name(), Platform: b.Platform(), Topic: o.Topic},
		Tick:     o.Tick,
		Schedule: o.At,
		// Rates from end offsets need a window of at least one poll.
		StepWindow: o.PollInterval,
	}
	var srcs source.Sources
	if o.Observe {
		srcs, err = b.Observer(ctx, t)
	} else {
		var consume *source.ConsumerConfig
		if o.Consume {
			consume = &o.Consumer
		}
		srcs, err = b.Producer(ctx, o.Workload, consume, t)
	}
	if err != nil {
		return nil, err
	}
	cfg.WholeTopic, cfg.Consumer, cfg.Groups = srcs.WholeTopic, srcs.Consumer, srcs.Groups
	return engine.New(srcs.Source, cfg), nil
}

// findTopic describes the topic, creating it when partop may: on the
// embedded cluster, or with --create (never in observe mode).
func findTopic(ctx context.Context, b source.Backend, o cmdline.Options, stderr io.Writer) (source.Topic, error) {
	t, err := b.Topic(ctx, o.Topic)
	switch {
	case !errors.Is(err, source.ErrUnknownTopic):
		return t, err
	case o.Observe:
		return t, fmt.Errorf("topic %q does not exist on %s: observe mode watches an existing topic and creates nothing", o.Topic, b.Name())
	case !o.Create && !b.Embedded():
		return t, fmt.Errorf("topic %q does not exist on %s; pass --create to create it with --partitions %d", o.Topic, b.Name(), o.Partitions)
	}
	if t, err = b.CreateTopic(ctx, o.Topic, o.Partitions); err == nil && !b.Embedded() {
		fmt.Fprintf(stderr, "partop: created topic %q with %d partitions on %s\n", o.Topic, o.Partitions, b.Name())
	}
	return t, err
}
