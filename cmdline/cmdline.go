// Package cmdline parses partop's command line into Options: plain values,
// checked before anything connects, with errors that name the flag and the
// fix, and a --help grouped by purpose. Limits and defaults come from
// package rules, so a flag and the code that acts on it cannot disagree.
//
// The platforms partop runs on are not known here. main passes each
// backend's platform.Platform (a small interface: its flags, its naming
// rules, its refusals, --consume's default, how to open it); Parse defines
// every platform's flags beside the common ones and chooses the platform
// whose flags were given (the first in main's list when none were). This
// is the simpler design: users choose a cluster with the flags they type
// anyway (--brokers, --fluvio), so there is no --platform flag to agree
// with them, and main's explicit list shows which backends are built in
// where a registry filled by init functions would hide it. The contract
// lives in cmdline/platform so that a backend implements it without
// importing this package, and through it the engine (for --at). So cmdline
// imports no backend and no view, and a new backend is a new directory
// plus one entry in main's list.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"partop/cmdline/platform"
	"partop/engine"
	"partop/rules"
)

// Options is the parsed, checked command line.
type Options struct {
	// Common are the values every platform reads.
	platform.Common
	// Platform is the platform chosen: the one whose flags were given,
	// else the first. Its Open makes the backend.
	Platform platform.Platform

	Headless bool
	Duration time.Duration   // 0: until interrupted
	At       []engine.Action // --at, sorted by offset
	// Place is who places the partitions partop adds when the prompt or
	// --at does not say (--placement): rules.PlaceCluster or PlaceBalanced.
	Place string
	Tick  time.Duration

	SSH     SSH    // SSH.Addr empty: no SSH dashboards
	Metrics string // host:port of /metrics; empty: none
}

// ErrVersion is what Parse returns for --version: print Version and exit 0.
var ErrVersion = errors.New("version requested")

// Parse reads args (without the program name) with the flags of platforms
// (main's list, the default first) beside the common ones. For --help it
// prints the usage on stderr and returns flag.ErrHelp; for --version it
// returns ErrVersion. Any other error names the flag at fault and means
// exit 2.
func Parse(args []string, stderr io.Writer, platforms ...platform.Platform) (Options, error) {
	var o Options
	if len(platforms) == 0 {
		return o, errors.New("cmdline.Parse: no platform to run on")
	}
	fs := flag.NewFlagSet("partop", flag.ContinueOnError)
	// The flag package prints usage on every error; partop prints one
	// specific line instead, and the usage only for --help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	u := newUsage(fs)
	owners := definePlatforms(u, platforms)
	defineFlags(fs, u, &o, platforms)
	serve := defineServeFlags(fs, u)
	raw := defineRunFlags(fs, u, &o)
	u.examples = append(u.examples, commonExamples...)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			u.print(stderr)
			return o, err
		}
		return o, flagError(fs, err)
	}
	if *raw.version {
		return o, ErrVersion
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags start with --; see --help)", fs.Arg(0))
	}
	o.Given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.Given[f.Name] = true })
	var err error
	if o.Platform, err = choose(platforms, owners, o.Given); err != nil {
		return o, err
	}
	o.Cluster = o.Observe && (!o.Given["topic"] || rules.IsTopicPattern(o.Topic))
	o.Workload.Topic = o.Topic
	if rules.IsTopicPattern(o.Topic) {
		o.Workload.Topic = rules.DefaultTopic // a pattern names no topic to send to; the workload is not used
	}
	if o.Cluster && !o.Given["poll-interval"] && !o.Given["observe-interval"] {
		o.PollInterval = rules.DefaultCensusInterval
	}
	if !o.Given["partitioner"] {
		o.Workload.Partitioner = o.Platform.Rules().Partitioners[0]
	}
	if !o.Given["consume"] {
		o.Consume = o.Platform.ConsumeDefault(o.Common)
	}
	if o.At, err = parseAt(o.Platform.Rules(), *raw.at); err != nil {
		return o, err
	}
	if err := check(o); err != nil {
		return o, err
	}
	if rules.IsTopicPattern(o.Topic) { // check made sure it comes with --observe
		re, err := rules.TopicMatcher(o.Topic)
		if err != nil {
			return o, fmt.Errorf("--topic: %w", err)
		}
		o.TopicMatch = re.MatchString
	}
	o.SSH, o.Metrics, err = serve.options()
	if err == nil && o.Cluster && o.SSH.Addr != "" {
		err = errors.New("--ssh serves one topic's dashboard: name the topic with --topic (the topics view is not served over SSH yet)")
	}
	return o, err
}

// definePlatforms defines each platform's flags under its own heading and
// returns which platform (by index) owns each flag.
func definePlatforms(u *usage, platforms []platform.Platform) map[string]int {
	owners := map[string]int{}
	for i, p := range platforms {
		pu := p.DefineFlags(u.fs)
		for _, name := range u.section(pu.Title) {
			owners[name] = i
		}
		u.examples = append(u.examples, pu.Examples...)
	}
	return owners
}

// commonExamples end the examples in --help.
var commonExamples = []platform.Example{
	{Args: "--headless --duration 30s", Does: "JSON lines on stdout, no terminal needed"},
	{Args: "--version", Does: "the version, from the build"},
}

// Observing is the options of `--observe --topic topic` on the same
// cluster with the same flags: the dashboard the topics view opens for a
// topic (no --at: the schedule was the run's).
func (o Options) Observing(topic string) Options {
	one := o
	one.Topic, one.Workload.Topic, one.Observe, one.Cluster, one.TopicMatch, one.At = topic, topic, true, false, nil, nil
	if !o.Given["poll-interval"] && !o.Given["observe-interval"] {
		one.PollInterval = rules.DefaultPollInterval // the topics view's default was the census's
	}
	return one
}
