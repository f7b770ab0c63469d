package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/producer"
)

// options is the parsed command line.
type options struct {
	brokers    []string
	port       int
	topic      string
	partitions int
	create     bool
	producer   producer.Config
	headless   bool
	duration   time.Duration
	at         []producer.Action
	tick       time.Duration
	security   []kgo.Opt
}

// atFlag collects repeated --at values, parsing each as it comes so the
// error names the one that is wrong.
type atFlag struct{ actions *[]producer.Action }

func (f atFlag) String() string { return "" }
func (f atFlag) Set(s string) error {
	a, err := producer.ParseAt(s)
	if err != nil {
		return err
	}
	*f.actions = append(*f.actions, a)
	return nil
}

const usageHead = `partop: watch how a topic's load spreads over its partitions, add
partitions, and see the producer pick them up.

Usage:
  partop [flags]                         dashboard on the embedded cluster
  partop --brokers host:9092 --topic t   dashboard on a real cluster
  partop --headless --duration 30s       JSON lines on stdout, no terminal needed

Flags:
`

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("partop", flag.ContinueOnError)
	// The flag package prints usage on every error; partop prints one
	// specific line instead, and the usage only for --help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	brokers := fs.String("brokers", "", "comma-separated `host:port` list of a Kafka-protocol cluster; empty starts the embedded cluster")
	fs.IntVar(&o.port, "port", 9092, "embedded cluster: first broker's port (a free port is used if it is taken)")
	fs.StringVar(&o.topic, "topic", "partop", "topic to produce to")
	fs.IntVar(&o.partitions, "partitions", 4, "partitions when partop creates the topic")
	fs.BoolVar(&o.create, "create", false, "create the topic on a real cluster if it does not exist (the embedded cluster always does)")
	fs.Float64Var(&o.producer.Rate, "rate", producer.DefaultRate, "target records/s; 0 sends as fast as the cluster takes")
	fs.IntVar(&o.producer.ValueSize, "value-size", producer.DefaultValueSize, "bytes per record value")
	fs.StringVar(&o.producer.Keys, "keys", "", "record keys: "+strings.Join(producer.KeyModes, ", ")+" (default none; uniform with key-hash)")
	fs.IntVar(&o.producer.KeySpace, "key-space", producer.DefaultKeySpace, "distinct keys for --keys uniform or zipf")
	fs.StringVar(&o.producer.Partitioner, "partitioner", producer.UniformSticky, "partitioner: "+strings.Join(producer.Partitioners, ", "))
	fs.DurationVar(&o.producer.DiscoveryInterval, "discovery-interval", producer.DefaultDiscoveryInterval, "how often to poll the topic's metadata for partitions added by others")
	fs.DurationVar(&o.producer.FlushTimeout, "flush-timeout", producer.DefaultFlushTimeout, "on exit, how long to wait for in-flight records")
	fs.BoolVar(&o.headless, "headless", false, "no dashboard: print one JSON object per second on stdout, and a summary at the end")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until interrupted)")
	fs.Var(atFlag{&o.at}, "at", "schedule an action, `OFFSET:ACTION`, repeatable: 10s:add=4, 20s:partitions=16, 30s:rate=5000, 40s:pause, 50s:resume")
	fs.DurationVar(&o.tick, "tick", 250*time.Millisecond, "dashboard refresh interval")
	sec := addSecurityFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprint(stderr, usageHead)
			fs.PrintDefaults()
			return o, err
		}
		return o, flagError(err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags start with --; see --help)", fs.Arg(0))
	}
	if *brokers != "" {
		for _, b := range strings.Split(*brokers, ",") {
			if b = strings.TrimSpace(b); b != "" {
				o.brokers = append(o.brokers, b)
			}
		}
	}
	o.producer.Topic = o.topic
	if err := o.producer.Validate(); err != nil {
		return o, err
	}
	switch {
	case o.partitions < 1 || o.partitions > 10000:
		return o, fmt.Errorf("--partitions %d: must be between 1 and 10000", o.partitions)
	case o.duration < 0:
		return o, fmt.Errorf("--duration %s: must not be negative", o.duration)
	case o.tick < 20*time.Millisecond || o.tick > 10*time.Second:
		return o, fmt.Errorf("--tick %s: must be between 20ms and 10s", o.tick)
	case o.port < -1 || o.port > 65535:
		return o, fmt.Errorf("--port %d: not a TCP port", o.port)
	}
	var err error
	if o.security, err = sec.opts(); err != nil {
		return o, err
	}
	return o, nil
}

// flagError rewrites the flag package's wording ("invalid value "x" for
// flag -at: ...") into partop's: the flag as users type it, then the reason.
func flagError(err error) error {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "for flag -at: "); ok {
		return errors.New(after) // our own message already names --at
	}
	msg = strings.ReplaceAll(msg, "flag -", "flag --")
	msg = strings.ReplaceAll(msg, "flag provided but not defined: -", "unknown flag --")
	return fmt.Errorf("%s (see partop --help)", msg)
}
