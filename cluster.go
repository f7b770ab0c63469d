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
	"partop/tui"
)

// runCluster runs the topics view (--observe with no --topic, or a
// --topic pattern): the backend's census of the whole cluster every
// --poll-interval, shown as JSON lines or in the terminal, where Enter
// opens a topic's observe dashboard over the same connection.
func runCluster(ctx context.Context, o cmdline.Options, srv *servers, stdout, stderr io.Writer) int {
	b, err := o.Platform.Open(ctx, o.Common, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	defer b.Close()
	c, ok := b.(platform.Censuser)
	if !ok {
		fmt.Fprintf(stderr, "partop: the topics view is not available on %s yet: name a topic with --topic\n", b.Platform())
		return 2
	}
	w := overview.NewWatcher(c.Census(o.GroupsInterval >= 0), o.PollInterval)
	go w.Run(ctx)
	srv.serveCluster(w, o.TopicMatch, stderr)
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
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
	c, ok := b.(platform.Censuser)
	if !ok {
		return nil
	}
	watch := overview.Shared(c.Census(o.GroupsInterval >= 0), rules.DefaultCensusInterval)
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
