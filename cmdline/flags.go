package cmdline

import (
	"flag"
	"fmt"
	"slices"
	"sort"
	"strings"

	"partop/cmdline/platform"
	"partop/engine"
	"partop/rules"
)

// rawFlags are the flags that need work after parsing.
type rawFlags struct {
	version *bool
	at      *[]string // parsed once the platform is chosen: a refusal names it
}

// atFlag collects repeated --at values.
type atFlag struct{ values *[]string }

func (f atFlag) String() string { return "" }
func (f atFlag) Set(s string) error {
	*f.values = append(*f.values, s)
	return nil
}

// parseAt parses the --at values for platform, naming the first that is
// wrong, in the order of their offsets: a placement the platform cannot
// make is wrong too.
func parseAt(platform rules.Platform, values []string) ([]engine.Action, error) {
	var out []engine.Action
	for _, s := range values {
		a, err := engine.ParseAt(platform.Name, s)
		if err != nil {
			return nil, err
		}
		if err := platform.CheckPlacement(a.Place); err != nil {
			return nil, fmt.Errorf("--at %q: %w", s, err)
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out, nil
}

// defineFlags defines what partop does on any platform on fs, a section
// of --help for each purpose, filling o when parsed.
func defineFlags(fs *flag.FlagSet, u *usage, o *Options, platforms []platform.Platform) {
	defineProducer(fs, o, platforms)
	u.section("Topic and producer")
	defineObserve(fs, u, o)
	u.section("Observe mode: every producer's traffic, partop sends nothing")
	defineGroups(fs, o)
	u.section("Consumer groups")
}

// defineRunFlags defines how long partop runs and how it shows the run.
func defineRunFlags(fs *flag.FlagSet, u *usage, o *Options) rawFlags {
	raw := rawFlags{version: fs.Bool("version", false, "print partop's version (from the build) and exit"), at: new([]string)}
	fs.BoolVar(&o.Headless, "headless", false, "no dashboard: print one JSON object per second on stdout, and a summary at the end")
	durationVar(fs, &o.Duration, "duration", 0, "stop after this long (0: run until interrupted)", false)
	fs.Var(atFlag{raw.at}, "at", "schedule an action, `OFFSET:ACTION`, repeatable: 10s:add=4 (or 10s:+4), 20s:partitions=16 (or 20s:=16), either with ,balanced or ,cluster after it (10s:add=4,balanced), 30s:rate=5000, 40s:pause, 50s:resume")
	durationVar(fs, &o.Tick, "tick", rules.DefaultTick, "how often partop samples its counters: the rates' resolution and the dashboard's refresh", false)
	u.section("Run and output")
	return raw
}

func defineProducer(fs *flag.FlagSet, o *Options, platforms []platform.Platform) {
	fs.StringVar(&o.Topic, "topic", rules.DefaultTopic, "topic to produce to (or, with --observe, to watch; with --observe a pattern such as 'orders.*' opens the topics view of the topics it matches)")
	fs.IntVar(&o.Partitions, "partitions", rules.DefaultPartitions, "partitions when partop creates the topic")
	fs.StringVar(&o.Place, "placement", rules.PlaceCluster, "`WHO` places the partitions partop adds, unless the prompt or --at says: "+rules.PlaceCluster+" (the cluster's own placement) or "+rules.PlaceBalanced+" (Kafka: leaders on the brokers whose leaders carry the least of the topic's traffic)")
	fs.BoolVar(&o.Create, "create", false, "create the topic on a real cluster if it does not exist (a cluster partop starts itself always does)")
	w := &o.Workload
	fs.Float64Var(&w.Rate, "rate", rules.DefaultRate, "target records/s; 0 sends as fast as the cluster takes")
	fs.IntVar(&w.ValueSize, "value-size", rules.DefaultValueSize, "bytes per record value")
	fs.StringVar(&w.Keys, "keys", "", "record keys: "+strings.Join(rules.KeyModes, ", ")+" (default none; uniform with key-hash)")
	fs.IntVar(&w.KeySpace, "key-space", rules.DefaultKeySpace, "distinct keys for --keys uniform or zipf")
	// The default shown is the first platform's; the chosen one's applies.
	fs.StringVar(&w.Partitioner, "partitioner", platforms[0].Rules().Partitioners[0], "partitioner: "+partitioners(platforms))
	durationVar(fs, &w.FlushTimeout, "flush-timeout", rules.DefaultFlushTimeout, "on exit, how long to wait for in-flight records", false)
	durationVar(fs, &o.DiscoveryInterval, "discovery-interval", rules.DefaultDiscoveryInterval, "how often to poll the topic's metadata for partitions added by others (at least 10ms)", false)
}

func defineObserve(fs *flag.FlagSet, u *usage, o *Options) {
	fs.BoolVar(&o.Observe, "observe", false, "produce nothing: show every producer's traffic on --topic from end offsets (needs a cluster other producers write to); with no --topic, the topics view: every topic of the cluster and its brokers")
	fs.BoolVar(&o.Internal, "internal", false, "the topics view: show the platform's internal topics too (Kafka's __consumer_offsets, …)")
	durationVar(fs, &o.PollInterval, "poll-interval", rules.DefaultPollInterval, "how often to poll the topic's end offsets: every producer's traffic in observe mode, and the whole topic's rate beside partop's own while producing (the topics view: default 5s, one census of the whole cluster)", false)
	fs.IntVar(&o.SampleBytes, "sample-bytes", rules.DefaultSampleBytes, "sample the topic's records (keys, the partitioner, bytes per record; needs Read on the topic): at most `bytes` fetched every 2 s, hottest partitions first; 0: off")
	// The flag's name until it was seen to set the poll while producing too.
	fs.Var(fs.Lookup("poll-interval").Value, "observe-interval", "the former name of --poll-interval")
	u.hide("observe-interval")
	durationVar(fs, &o.ProducersInterval, "producers-interval", rules.DefaultProducersInterval, "observe mode: how often to list the topic's producer ids (Kafka's DescribeProducers); negative: never", true)
	durationVar(fs, &o.ProducersGrace, "producers-grace", rules.DefaultProducersGrace, "observe mode: how long producers have to write to new partitions before one that does not is stale", false)
}

func defineGroups(fs *flag.FlagSet, o *Options) {
	fs.BoolVar(&o.Consume, "consume", false, "also run partop's own consumer group on the topic: its reads, lag, and what it skipped on new partitions (default: on where partop started the cluster itself, off on a real one, where it would create a group)")
	fs.StringVar(&o.Consumer.Group, "group", rules.DefaultGroup, "--consume: the consumer group's name")
	fs.StringVar(&o.Consumer.Protocol, "consumer-protocol", "", "--consume: group protocol, consumer (KIP-848) or classic (default consumer where the cluster supports it, else classic)")
	fs.StringVar(&o.Consumer.Reset, "consumer-reset", rules.ResetLatest, "--consume: where the group starts on a partition it has no commit for: earliest, latest (the Java client's default) or by-duration:D")
	durationVar(fs, &o.GroupsInterval, "groups-interval", rules.DefaultGroupsInterval, "how often to poll every consumer group on the topic, where the platform has groups; negative: never", true)
}

// partitioners lists every platform's partitioners, the first platform's
// default first, naming the platforms of those not offered on all.
func partitioners(platforms []platform.Platform) string {
	var names []string
	for _, p := range platforms {
		for _, name := range p.Rules().Partitioners {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	for i, name := range names {
		var on []string
		for _, p := range platforms {
			if slices.Contains(p.Rules().Partitioners, name) {
				on = append(on, p.Rules().Name)
			}
		}
		if len(on) < len(platforms) {
			names[i] += " (" + strings.Join(on, ", ") + " only)"
		}
	}
	return strings.Join(names, ", ")
}
