package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"partop/cmdline"
	"partop/cmdline/platform"
	"partop/engine"
	"partop/headless"
	"partop/overview"
	"partop/rules"
	"partop/tui"
)

// runCluster runs the topics view (--observe with no --topic, or a
// --topic pattern): a census of the whole cluster every --poll-interval
// (5 s by default), shown as JSON lines or in the terminal, where Enter
// opens a topic's observe dashboard over the same connection.
func runCluster(ctx context.Context, o cmdline.Options, stdout, stderr io.Writer) int {
	srv, err := listen(o) // --metrics only (--ssh was refused), before connecting: a taken port fails first
	if err != nil {
		fmt.Fprintln(stderr, "partop:", err)
		return 1
	}
	defer srv.close()
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
	var match func(string) bool
	if o.Given["topic"] {
		re, err := rules.TopicMatcher(o.Topic) // checked when parsing
		if err != nil {
			fmt.Fprintln(stderr, "partop: --topic:", err)
			return 2
		}
		match = re.MatchString
	}
	w := overview.NewWatcher(c.Census(o.GroupsInterval >= 0), o.PollInterval)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go w.Run(wctx)
	if srv != nil && srv.metrics != nil {
		fmt.Fprintf(stderr, "partop: metrics: listening on http://%s/metrics\n", srv.metrics.Addr())
		srv.metrics.ServeCluster(w)
	}
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	if o.Headless {
		return headless.RunCluster(ctx, w, b.Name(), o.Internal, match, stdout, stderr)
	}
	return tui.RunCluster(ctx, w, tui.ClusterConfig{Name: b.Name(), Internal: o.Internal, Match: match, Open: opener(b, o)}, stderr)
}

// clusterAccess lets a topic's dashboard open the topics view (t) where
// the backend can take a census; nil where it cannot. Every dashboard of
// the run (the local one and SSH sessions) shares one census, started by
// the first t, running until ctx of that first call ends (the run's).
func clusterAccess(b platform.Backend, o cmdline.Options) *tui.Cluster {
	c, ok := b.(platform.Censuser)
	if !ok {
		return nil
	}
	var once sync.Once
	var w *overview.Watcher
	return &tui.Cluster{
		Name: b.Name(),
		Watch: func(ctx context.Context) tui.Overview {
			once.Do(func() {
				w = overview.NewWatcher(c.Census(o.GroupsInterval >= 0), rules.DefaultCensusInterval)
				go w.Run(ctx)
			})
			return w
		},
		Open: opener(b, o),
	}
}

// opener opens one topic's observe dashboard over backend b, as
// `partop --observe --topic NAME` would show it, its engine running until
// the returned stop is called.
func opener(b platform.Backend, o cmdline.Options) tui.TopicOpener {
	return func(ctx context.Context, topic string) (tui.Engine, func(), error) {
		one := o
		one.Topic, one.Workload.Topic, one.Cluster, one.Observe, one.At = topic, topic, false, true, nil
		if !o.Given["poll-interval"] && !o.Given["observe-interval"] {
			one.PollInterval = rules.DefaultPollInterval
		}
		eng, err := wire(ctx, b, one, io.Discard)
		if err != nil {
			return nil, nil, err
		}
		return running(ctx, eng)
	}
}

// running starts eng and returns it with the function that stops it and
// waits for it to end.
func running(ctx context.Context, eng *engine.Engine) (tui.Engine, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = eng.Run(ctx)
	}()
	return eng, func() { cancel(); <-done }, nil
}
