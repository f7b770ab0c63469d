package main

import (
	"context"
	"io"

	"partop/cmdline"
	"partop/cmdline/platform"
	"partop/engine"
)

// start opens the backend the flags chose, finds the topic, checks the --at
// plan against it and makes the engine around the source the flags ask
// for: partop's
// producer (with the whole topic counted beside it), or in observe mode the
// topic's end offsets. Nothing is sent or polled until the engine runs; the
// backend is the caller's to close after it.
func start(ctx context.Context, o cmdline.Options, stderr io.Writer) (*engine.Engine, platform.Backend, error) {
	b, err := o.Platform.Open(ctx, o.Common, stderr)
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

func wire(ctx context.Context, b platform.Backend, o cmdline.Options, stderr io.Writer) (*engine.Engine, error) {
	t, err := platform.FindTopic(ctx, b, o.Common, stderr)
	if err != nil {
		return nil, err
	}
	if err := engine.CheckPlan(b.Platform(), t.Partitions(), o.At); err != nil {
		return nil, err
	}
	cfg := engine.Config{
		Info:     engine.Info{Cluster: b.Name(), Platform: b.Platform(), Topic: o.Topic},
		Tick:     o.Tick,
		Schedule: o.At,
		Place:    o.Place,
		// Rates from end offsets need a window of at least one poll.
		StepWindow: o.PollInterval,
	}
	srcs, err := platform.Sources(ctx, b, o.Common, t)
	if err != nil {
		return nil, err
	}
	cfg.WholeTopic, cfg.Consumer, cfg.Groups, cfg.Keys = srcs.WholeTopic, srcs.Consumer, srcs.Groups, srcs.Keys
	return engine.New(srcs.Source, cfg), nil
}
