package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"partop/cluster"
	"partop/engine"
	"partop/producer"
	"partop/rules"
)

// options is the parsed command line.
type options struct {
	brokers    []string
	port       int
	observe    bool
	observeInt time.Duration
	// The producers panel (observe mode): how often to list producer ids,
	// and how long producers have to adopt new partitions.
	producersInt, producersGrace time.Duration
	topic                        string
	partitions                   int
	create                       bool
	producer                     producer.Config
	headless                     bool
	duration                     time.Duration
	at                           []engine.Action
	tick                         time.Duration
	security                     cluster.Security
	serve                        *serveOptions
	fluvio                       *fluvioFlags
}

// atFlag collects repeated --at values, parsing each as it comes so the
// error names the one that is wrong.
type atFlag struct{ actions *[]engine.Action }

func (f atFlag) String() string { return "" }
func (f atFlag) Set(s string) error {
	a, err := engine.ParseAt(s)
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
  partop --observe --brokers host:9092 --topic t
                                         every producer's traffic on t; partop sends nothing
  partop --fluvio 127.0.0.1:9003 --topic t --create
                                         the same on a Fluvio cluster

Flags:
`

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("partop", flag.ContinueOnError)
	// The flag package prints usage on every error; partop prints one
	// specific line instead, and the usage only for --help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	brokers := defineFlags(fs, &o)
	sec := addSecurityFlags(fs)
	o.serve = addServeFlags(fs)
	o.fluvio = addFluvioFlags(fs)
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
	if err := check(fs, o); err != nil {
		return o, err
	}
	if err := o.fluvio.check(fs, o); err != nil {
		return o, err
	}
	if len(o.brokers) == 0 && o.fluvio.sc == "" && sec.any() {
		return o, fmt.Errorf("TLS and SASL flags need --brokers: the embedded cluster speaks plaintext")
	}
	if err := o.serve.check(); err != nil {
		return o, err
	}
	var err error
	if o.security, err = sec.security(); err != nil {
		return o, err
	}
	return o, nil
}

// defineFlags defines partop's own flags on fs, filling o when parsed; it
// returns the raw --brokers list.
func defineFlags(fs *flag.FlagSet, o *options) (brokers *string) {
	brokers = fs.String("brokers", "", "comma-separated `host:port` list of a Kafka-protocol cluster; empty starts the embedded cluster")
	fs.IntVar(&o.port, "port", 9092, "embedded cluster: first broker's port (a free port is used if it is taken)")
	fs.StringVar(&o.topic, "topic", "partop", "topic to produce to (or, with --observe, to watch)")
	fs.BoolVar(&o.observe, "observe", false, "produce nothing: show every producer's traffic on --topic from end offsets (needs --brokers or --fluvio)")
	fs.DurationVar(&o.producersInt, "producers-interval", rules.DefaultProducersInterval, "observe mode: how often to list the topic's producer ids (DescribeProducers); negative: never")
	fs.DurationVar(&o.producersGrace, "producers-grace", rules.DefaultProducersGrace, "observe mode: how long producers have to write to new partitions before one that does not is stale")
	fs.DurationVar(&o.observeInt, "observe-interval", rules.DefaultPollInterval, "how often to poll end offsets: in observe mode, and while producing for the topic's total rate")
	fs.IntVar(&o.partitions, "partitions", 4, "partitions when partop creates the topic")
	fs.BoolVar(&o.create, "create", false, "create the topic on a real cluster if it does not exist (the embedded cluster always does)")
	fs.Float64Var(&o.producer.Rate, "rate", rules.DefaultRate, "target records/s; 0 sends as fast as the cluster takes")
	fs.IntVar(&o.producer.ValueSize, "value-size", rules.DefaultValueSize, "bytes per record value")
	fs.StringVar(&o.producer.Keys, "keys", "", "record keys: "+strings.Join(rules.KeyModes, ", ")+" (default none; uniform with key-hash)")
	fs.IntVar(&o.producer.KeySpace, "key-space", rules.DefaultKeySpace, "distinct keys for --keys uniform or zipf")
	fs.StringVar(&o.producer.Partitioner, "partitioner", rules.UniformSticky, "partitioner: "+strings.Join(rules.Partitioners(rules.Kafka), ", "))
	fs.DurationVar(&o.producer.DiscoveryInterval, "discovery-interval", rules.DefaultDiscoveryInterval, "how often to poll the topic's metadata for partitions added by others (at least 10ms)")
	fs.DurationVar(&o.producer.FlushTimeout, "flush-timeout", rules.DefaultFlushTimeout, "on exit, how long to wait for in-flight records")
	fs.BoolVar(&o.headless, "headless", false, "no dashboard: print one JSON object per second on stdout, and a summary at the end")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until interrupted)")
	fs.Var(atFlag{&o.at}, "at", "schedule an action, `OFFSET:ACTION`, repeatable: 10s:add=4 (or 10s:+4), 20s:partitions=16 (or 20s:=16), 30s:rate=5000, 40s:pause, 50s:resume")
	fs.DurationVar(&o.tick, "tick", rules.DefaultTick, "how often partop samples its counters: the rates' resolution and the dashboard's refresh")
	return brokers
}

// check validates the parsed flags, the first problem in words a user can
// act on.
func check(fs *flag.FlagSet, o options) error {
	if err := rules.CheckTopicName(rules.Kafka, o.topic); err != nil && o.fluvio.sc == "" {
		return fmt.Errorf("--topic: %w", err)
	}
	switch {
	case o.producer.DiscoveryInterval < 10*time.Millisecond:
		return fmt.Errorf("--discovery-interval %s: must be at least 10ms (it is how often partop looks for new partitions)", o.producer.DiscoveryInterval)
	case o.producer.KeySpace < 1:
		return fmt.Errorf("--key-space %d: must be at least 1 distinct key", o.producer.KeySpace)
	case o.producer.ValueSize == 0:
		return fmt.Errorf("--value-size 0: must be at least 16 bytes (run id and sequence number)")
	}
	if err := o.producer.Validate(); err != nil {
		return err
	}
	switch {
	case rules.CheckGrow(0, o.partitions) != nil:
		return fmt.Errorf("--partitions %d: must be between 1 and %d", o.partitions, rules.MaxPartitions)
	case o.duration < 0:
		return fmt.Errorf("--duration %s: must not be negative", o.duration)
	case o.tick < 20*time.Millisecond || o.tick > 10*time.Second:
		return fmt.Errorf("--tick %s: must be between 20ms and 10s", o.tick)
	case o.port < -1 || o.port > 65535:
		return fmt.Errorf("--port %d: not a TCP port", o.port)
	}
	return checkObserve(fs, o)
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

// produceOnly are the flags that shape partop's own records: meaningless in
// observe mode, where partop sends nothing.
var produceOnly = []string{"rate", "partitioner", "keys", "key-space", "value-size", "flush-timeout"}

// checkObserve refuses what observe mode cannot do, naming the conflict.
func checkObserve(fs *flag.FlagSet, o options) error {
	switch {
	case o.observeInt < rules.MinPollInterval:
		return fmt.Errorf("--observe-interval %s: must be at least %s", o.observeInt, rules.MinPollInterval)
	case o.producersInt >= 0 && o.producersInt < time.Second:
		return fmt.Errorf("--producers-interval %s: must be at least 1s (or negative: never)", o.producersInt)
	case o.producersGrace < time.Second:
		return fmt.Errorf("--producers-grace %s: must be at least 1s", o.producersGrace)
	}
	if !o.observe {
		return nil
	}
	var conflict error
	fs.Visit(func(f *flag.Flag) {
		if conflict == nil && (slices.Contains(produceOnly, f.Name) || f.Name == "create" || f.Name == "partitions") {
			conflict = fmt.Errorf("--observe with --%s: observe mode produces and creates nothing, so --%s does not apply", f.Name, f.Name)
		}
	})
	if conflict != nil {
		return conflict
	}
	if len(o.brokers) == 0 && o.fluvio.sc == "" {
		return errors.New("--observe watches a topic other producers write to: give --brokers or --fluvio (the embedded cluster starts empty; without --observe partop produces to it)")
	}
	for _, a := range o.at {
		if !a.Grows() {
			return fmt.Errorf("--at %s:%s: observe mode sends nothing, so only add=N and partitions=N apply", a.At, a)
		}
	}
	return nil
}
