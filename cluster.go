package main

import (
	"context"
	"fmt"
	"io"

	"partop/cmdline"
	"partop/cmdline/platform"
	"partop/headless"
	"partop/overview"
	"partop/rules"
	"partop/servers"
	"partop/tui"
)

// runCluster runs the topics view (--observe with no --topic, or a
// --topic pattern): the backend's census of the whole cluster every
// --poll-interval, shown as JSON lines or in the terminal, where Enter
// opens a topic's observe dashboard over the same connection.
func runCluster(ctx context.Context, o cmdline.Options, srv *servers.Servers, stdout, stderr io.Writer) int {
	b, err := o.Platform.Open(ctx, o.Common, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	defer b.Close()
	census, err := platform.CensusOf(b, o.Common)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 2
	}
	w := overview.NewWatcher(census, o.PollInterval)
	go w.Run(ctx)
	srv.ServeCluster(w, o.TopicMatch, stderr)
	ctx, cancel := forDuration(ctx, o)
	defer cancel()
	if o.Headless {
		return headless.RunCluster(ctx, w, b.Name(), o.Internal, o.TopicMatch, stdout, stderr)
	}
	return tui.RunCluster(ctx, w, tui.ClusterConfig{Name: b.Name(), Internal: o.Internal, Match: o.TopicMatch, Open: opener(b, o)}, stderr)
}

// clusterAccess lets a topic's dashboard open the topics view (t) where
// the backend can take a census; nil where it cannot. Every dashboard of
// the run (the local one and SSH sessions) shares one census, started by
// the first t.
func clusterAccess(b platform.Backend, o cmdline.Options) *tui.Cluster {
	census, err := platform.CensusOf(b, o.Common)
	if err != nil {
		return nil
	}
	watch := overview.Shared(census, rules.DefaultCensusInterval)
	return &tui.Cluster{Name: b.Name(), Watch: func(ctx context.Context) tui.Overview { return watch(ctx) }, Open: opener(b, o)}
}

// opener opens one topic's observe dashboard over backend b, as
// `partop --observe --topic NAME` would show it, its engine running until
// the returned stop is called.
func opener(b platform.Backend, o cmdline.Options) tui.TopicOpener {
	return func(ctx context.Context, topic string) (tui.Engine, func(), error) {
		eng, err := wire(ctx, b, o.Observing(topic), io.Discard)
		if err != nil {
			return nil, nil, err
		}
		return eng, eng.Start(ctx), nil
	}
}
