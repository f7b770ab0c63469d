package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"partop/cluster"
	"partop/engine"
	"partop/producer"
)

// start connects to the cluster, makes sure the topic is there, checks the
// --at plan against it and wires partop's producer into an engine. Nothing
// is sent until the engine runs.
func start(ctx context.Context, o options, stderr io.Writer) (*engine.Engine, error) {
	cl, err := cluster.Open(ctx, cluster.Config{Brokers: o.brokers, Security: o.security, Embedded: cluster.EmbeddedConfig{Port: o.port}})
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
	if err := engine.CheckPlan(t.Count(), o.at); err != nil {
		cl.Close()
		return nil, err
	}
	o.producer.ClientOpts = cl.ClientOpts()
	p, err := producer.New(o.producer, cl, t)
	if err != nil {
		cl.Close()
		return nil, err
	}
	cfg := p.Config()
	return engine.New(p, cl, engine.Config{
		Info: engine.Info{
			Cluster: cl.Name(), Topic: o.topic, Mode: engine.ModeProduce,
			Partitioner: cfg.Partitioner, Keyed: cfg.Keys != producer.KeysNone,
		},
		Tick:     o.tick,
		Schedule: o.at,
	}), nil
}
