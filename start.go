package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"partop/cluster"
	"partop/engine"
	"partop/observe"
	"partop/producer"
	"partop/stats"
	"partop/workload"
)

// start connects to the cluster, finds the topic, checks the --at plan
// against it and wires a traffic source into an engine: partop's producer,
// or in observe mode the topic's end offsets. Nothing is sent or polled
// until the engine runs.
func start(ctx context.Context, o options, stderr io.Writer) (*engine.Engine, error) {
	if o.fluvio.sc != "" {
		return startFluvio(ctx, o, stderr)
	}
	cl, err := cluster.Open(ctx, cluster.Config{Brokers: o.brokers, Security: o.security, Embedded: cluster.EmbeddedConfig{Port: o.port}})
	if err != nil {
		return nil, err
	}
	if cl.Embedded() {
		fmt.Fprintf(stderr, "partop: embedded cluster on %s (kcat -b %s -L)\n", strings.Join(cl.Seeds(), ","), cl.Seeds()[0])
	}
	eng, err := wire(ctx, cl, o)
	if err != nil {
		cl.Close()
		return nil, err
	}
	return eng, nil
}

// wire makes the source the flags ask for and the engine around it.
func wire(ctx context.Context, cl *cluster.Cluster, o options) (*engine.Engine, error) {
	var t cluster.Topic
	var err error
	if o.observe {
		t, err = cl.Describe(ctx, o.topic)
		if errors.Is(err, cluster.ErrUnknownTopic) {
			return nil, fmt.Errorf("topic %q does not exist on %s: observe mode watches an existing topic and creates nothing", o.topic, cl.Name())
		}
	} else {
		t, err = cl.EnsureTopic(ctx, o.topic, o.partitions, o.create)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := engineConfig(o, cl.Name(), t.Count())
	if err != nil {
		return nil, err
	}
	ocfg := observe.Config{
		Topic: o.topic, Interval: o.observeInt, DiscoveryInterval: o.producer.DiscoveryInterval, ClientOpts: cl.ClientOpts(),
		ProducersInterval: o.producersInt, ProducersGrace: o.producersGrace,
	}
	if o.observe {
		src, err := observe.New(ocfg, cl, t)
		if err != nil {
			return nil, err
		}
		return engine.New(src, cl, observing(cfg)), nil
	}
	o.producer.ClientOpts = cl.ClientOpts()
	p, err := producer.New(o.producer, cl, t)
	if err != nil {
		return nil, err
	}
	// The whole topic beside partop's own records, on the producer's
	// leaders: no second metadata watcher.
	ocfg.Leaders = func() []int32 { return p.Tracker().View().Leaders }
	ocfg.ProducersInterval = -1 // the producers panel is observe mode's
	whole, err := observe.New(ocfg, cl, t)
	if err != nil {
		_ = p.Close()
		return nil, err
	}
	return engine.New(p, cl, producing(cfg, p.Config().Config, whole)), nil
}

// engineConfig is what every backend's engine shares: the --at schedule,
// sorted and checked against the topic's partition count, the tick, and
// the window of the whole topic's rate.
func engineConfig(o options, clusterName string, partitions int) (engine.Config, error) {
	sort.SliceStable(o.at, func(i, j int) bool { return o.at[i].At < o.at[j].At })
	if err := engine.CheckPlan(partitions, o.at); err != nil {
		return engine.Config{}, err
	}
	return engine.Config{
		Info:     engine.Info{Cluster: clusterName, Topic: o.topic},
		Tick:     o.tick,
		Schedule: o.at,
		// Rates from end offsets need a window of at least one poll.
		TopicWindow: max(o.observeInt, stats.DefaultNowWindow),
	}, nil
}

// observing is cfg for an observe-mode source, whose counts come once a
// poll: "rate now" spans at least one.
func observing(cfg engine.Config) engine.Config {
	cfg.Info.Mode = engine.ModeObserve
	cfg.Stats.NowWindow = cfg.TopicWindow
	return cfg
}

// producing is cfg for partop's producer with pc, and whole counting the
// topic beside it.
func producing(cfg engine.Config, pc workload.Config, whole engine.TopicSource) engine.Config {
	cfg.Info.Mode, cfg.Info.Partitioner, cfg.Info.Keyed = engine.ModeProduce, pc.Partitioner, pc.Keyed()
	cfg.Topic = whole
	return cfg
}
