package cmdline

import (
	"flag"
	"strings"

	"partop/engine"
	"partop/rules"
)

// rawFlags are the flags that need work after parsing.
type rawFlags struct {
	brokers *string
	version *bool
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

// defineFlags defines partop's own flags on fs, filling o when parsed.
func defineFlags(fs *flag.FlagSet, o *Options) rawFlags {
	raw := rawFlags{
		brokers: fs.String("brokers", "", "comma-separated `host:port` list of a Kafka-protocol cluster; empty starts the embedded cluster"),
		version: fs.Bool("version", false, "print partop's version (from the build) and exit"),
	}
	fs.IntVar(&o.Port, "port", 9092, "embedded cluster: first broker's port (a free port is used if it is taken)")
	fs.StringVar(&o.Fluvio, "fluvio", "", "a Fluvio cluster: its SC's public `host:port` (instead of --brokers)")
	fs.StringVar(&o.Topic, "topic", "partop", "topic to produce to (or, with --observe, to watch)")
	fs.BoolVar(&o.Observe, "observe", false, "produce nothing: show every producer's traffic on --topic from end offsets (needs --brokers or --fluvio)")
	fs.DurationVar(&o.ProducersInterval, "producers-interval", rules.DefaultProducersInterval, "observe mode: how often to list the topic's producer ids (DescribeProducers); negative: never")
	fs.DurationVar(&o.ProducersGrace, "producers-grace", rules.DefaultProducersGrace, "observe mode: how long producers have to write to new partitions before one that does not is stale")
	fs.DurationVar(&o.PollInterval, "observe-interval", rules.DefaultPollInterval, "how often to poll end offsets: in observe mode, and while producing for the topic's total rate")
	fs.IntVar(&o.Partitions, "partitions", rules.DefaultPartitions, "partitions when partop creates the topic")
	fs.BoolVar(&o.Create, "create", false, "create the topic on a real cluster if it does not exist (the embedded cluster always does)")
	w := &o.Workload
	fs.Float64Var(&w.Rate, "rate", rules.DefaultRate, "target records/s; 0 sends as fast as the cluster takes")
	fs.IntVar(&w.ValueSize, "value-size", rules.DefaultValueSize, "bytes per record value")
	fs.StringVar(&w.Keys, "keys", "", "record keys: "+strings.Join(rules.KeyModes, ", ")+" (default none; uniform with key-hash)")
	fs.IntVar(&w.KeySpace, "key-space", rules.DefaultKeySpace, "distinct keys for --keys uniform or zipf")
	fs.StringVar(&w.Partitioner, "partitioner", rules.UniformSticky, "partitioner: "+strings.Join(rules.KafkaRules.Partitioners, ", "))
	fs.DurationVar(&w.FlushTimeout, "flush-timeout", rules.DefaultFlushTimeout, "on exit, how long to wait for in-flight records")
	fs.BoolVar(&o.Consume, "consume", false, "also run partop's own consumer group on the topic: its reads, lag, and what it skipped on new partitions (default: on for the embedded cluster, off on a real one, where it would create a group)")
	fs.StringVar(&o.Consumer.Group, "group", rules.DefaultGroup, "--consume: the consumer group's name")
	fs.StringVar(&o.Consumer.Protocol, "consumer-protocol", "", "--consume: group protocol, consumer (KIP-848) or classic (default consumer where the cluster supports it, else classic)")
	fs.StringVar(&o.Consumer.Reset, "consumer-reset", rules.ResetLatest, "--consume: where the group starts on a partition it has no commit for: earliest, latest (the Java client's default) or by-duration:D")
	fs.DurationVar(&o.GroupsInterval, "groups-interval", rules.DefaultGroupsInterval, "how often to poll every consumer group on the topic (Kafka); negative: never")
	fs.DurationVar(&o.DiscoveryInterval, "discovery-interval", rules.DefaultDiscoveryInterval, "how often to poll the topic's metadata for partitions added by others (at least 10ms)")
	fs.BoolVar(&o.Headless, "headless", false, "no dashboard: print one JSON object per second on stdout, and a summary at the end")
	fs.DurationVar(&o.Duration, "duration", 0, "stop after this long (0: run until interrupted)")
	fs.Var(atFlag{&o.At}, "at", "schedule an action, `OFFSET:ACTION`, repeatable: 10s:add=4 (or 10s:+4), 20s:partitions=16 (or 20s:=16), 30s:rate=5000, 40s:pause, 50s:resume")
	fs.DurationVar(&o.Tick, "tick", rules.DefaultTick, "how often partop samples its counters: the rates' resolution and the dashboard's refresh")
	return raw
}
