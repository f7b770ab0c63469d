package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"slices"
	"strings"

	"partop/rules"
)

// check validates the parsed flags, the first problem in words a user can
// act on. secGiven says whether any TLS or SASL flag was given.
func check(fs *flag.FlagSet, o Options, secGiven bool) error {
	for _, c := range []func() error{
		func() error { return checkTopic(o) },
		func() error { return checkWorkload(o) },
		func() error { return checkRun(o) },
		func() error { return checkObserve(fs, o) },
		func() error { return checkFluvio(fs, o) },
		func() error { return checkConsume(fs, o) },
	} {
		if err := c(); err != nil {
			return err
		}
	}
	if len(o.Brokers) == 0 && o.Fluvio == "" && secGiven {
		return errors.New("TLS and SASL flags need --brokers: the embedded cluster speaks plaintext")
	}
	return nil
}

func checkTopic(o Options) error {
	platform := rules.KafkaRules
	if o.Fluvio != "" {
		platform = rules.FluvioRules
	}
	if err := platform.CheckTopicName(o.Topic); err != nil {
		return fmt.Errorf("--topic: %w", err)
	}
	if err := rules.CheckPartitions(o.Partitions); err != nil {
		return fmt.Errorf("--partitions %d: %w", o.Partitions, err)
	}
	return nil
}

// checkWorkload checks what partop sends, naming the flag, by Kafka's
// rules: Fluvio's topic names and partitioners are subsets of Kafka's, and
// checkFluvio refuses what Fluvio lacks in words naming --fluvio.
func checkWorkload(o Options) error {
	w := o.Workload
	if err := rules.CheckDiscoveryInterval(o.DiscoveryInterval); err != nil {
		return fmt.Errorf("--discovery-interval %s: %w", o.DiscoveryInterval, err)
	}
	if err := rules.CheckKeySpace(w.KeySpace); err != nil {
		return fmt.Errorf("--key-space %d: %w", w.KeySpace, err)
	}
	if err := rules.CheckValueSize(w.ValueSize); err != nil {
		return fmt.Errorf("--value-size %d: %w", w.ValueSize, err)
	}
	if err := rules.KafkaRules.CheckPartitioner(w.WithDefaults().Partitioner); err != nil {
		return fmt.Errorf("--partitioner: %w", err)
	}
	return w.Validate(rules.KafkaRules) // the rest: rate, key mode (the topic was checked above)
}

// checkRun checks how long and how often partop runs and polls.
func checkRun(o Options) error {
	switch {
	case o.Duration < 0:
		return fmt.Errorf("--duration %s: must not be negative", o.Duration)
	case rules.CheckTick(o.Tick) != nil:
		return fmt.Errorf("--tick %s: %w", o.Tick, rules.CheckTick(o.Tick))
	case o.Port < -1 || o.Port > 65535:
		return fmt.Errorf("--port %d: not a TCP port", o.Port)
	case rules.CheckPollInterval(o.PollInterval) != nil:
		return fmt.Errorf("--observe-interval %s: %w", o.PollInterval, rules.CheckPollInterval(o.PollInterval))
	case rules.CheckProducersInterval(o.ProducersInterval) != nil:
		return fmt.Errorf("--producers-interval %s: %w", o.ProducersInterval, rules.CheckProducersInterval(o.ProducersInterval))
	case rules.CheckProducersGrace(o.ProducersGrace) != nil:
		return fmt.Errorf("--producers-grace %s: %w", o.ProducersGrace, rules.CheckProducersGrace(o.ProducersGrace))
	}
	return nil
}

// consumeOnly are the flags that shape partop's consumer group.
var consumeOnly = []string{"group", "consumer-protocol", "consumer-reset"}

// checkConsume checks partop's consumer group and the groups poll.
func checkConsume(fs *flag.FlagSet, o Options) error {
	if err := rules.CheckGroupsInterval(o.GroupsInterval); err != nil {
		return fmt.Errorf("--groups-interval %s: %w", o.GroupsInterval, err)
	}
	if !o.Consume {
		if f := firstGiven(fs, func(name string) bool { return slices.Contains(consumeOnly, name) }); f != "" {
			return fmt.Errorf("--%s: needs --consume (partop's own consumer group; on by default only for the embedded cluster)", f)
		}
		return nil
	}
	switch {
	case o.Observe:
		return errors.New("--consume with --observe: partop's consumer group runs beside its producer, and observe mode runs neither (every group on the topic is shown anyway)")
	case o.Fluvio != "":
		return errors.New("--consume with --fluvio: partop's consumer group is a Kafka consumer group")
	}
	if err := rules.CheckGroupName(o.Consumer.Group); err != nil {
		return fmt.Errorf("--group: %w", err)
	}
	if err := rules.CheckConsumerProtocol(o.Consumer.Protocol); err != nil {
		return fmt.Errorf("--consumer-protocol: %w", err)
	}
	if _, _, err := rules.ParseReset(o.Consumer.Reset); err != nil {
		return fmt.Errorf("--consumer-reset: %w", err)
	}
	return nil
}

// produceOnly are the flags that shape partop's own records: meaningless in
// observe mode, where partop sends nothing.
var produceOnly = []string{"rate", "partitioner", "keys", "key-space", "value-size", "flush-timeout", "create", "partitions"}

// checkObserve refuses what observe mode cannot do, naming the conflict.
func checkObserve(fs *flag.FlagSet, o Options) error {
	if !o.Observe {
		return nil
	}
	if f := firstGiven(fs, func(name string) bool { return slices.Contains(produceOnly, name) }); f != "" {
		return fmt.Errorf("--observe with --%s: observe mode produces and creates nothing, so --%s does not apply", f, f)
	}
	if len(o.Brokers) == 0 && o.Fluvio == "" {
		return errors.New("--observe watches a topic other producers write to: give --brokers or --fluvio (the embedded cluster starts empty; without --observe partop produces to it)")
	}
	for _, a := range o.At {
		if !a.Grows() {
			return fmt.Errorf("--at %s:%s: observe mode sends nothing, so only add=N and partitions=N apply", a.At, a)
		}
	}
	return nil
}

// checkFluvio refuses what a Fluvio cluster cannot do, naming the
// conflict.
func checkFluvio(fs *flag.FlagSet, o Options) error {
	if o.Fluvio == "" {
		return nil
	}
	switch f := firstGiven(fs, func(name string) bool {
		return name == "brokers" || name == "port" || name == "discovery-interval" || strings.HasPrefix(name, "tls") || strings.HasPrefix(name, "sasl")
	}); {
	case f == "brokers":
		return errors.New("--fluvio and --brokers: give one cluster, Fluvio's SC or Kafka brokers")
	case f == "port":
		return errors.New("--fluvio with --port: --port is the embedded Kafka cluster's; there is no embedded Fluvio")
	case f == "discovery-interval":
		return errors.New("--fluvio with --discovery-interval: the Fluvio SC pushes partition changes as they happen, there is no interval to set")
	case f != "":
		return fmt.Errorf("--fluvio with --%s: partop speaks plaintext to Fluvio; TLS and SASL are for Kafka", f)
	}
	if p := o.Workload.WithDefaults().Partitioner; rules.FluvioRules.CheckPartitioner(p) != nil {
		return fmt.Errorf("--partitioner %s is not available with --fluvio: use %s", p, strings.Join(rules.FluvioRules.Partitioners, ", "))
	}
	if host, port, err := net.SplitHostPort(o.Fluvio); err != nil || host == "" || port == "" {
		return fmt.Errorf("--fluvio %q: want the SC's public address as host:port, e.g. 127.0.0.1:9003", o.Fluvio)
	}
	return nil
}

// firstGiven is the first flag given on the command line, in the order
// flag.Visit reports them (sorted by name), that match accepts; "" if none.
func firstGiven(fs *flag.FlagSet, match func(name string) bool) string {
	var first string
	fs.Visit(func(f *flag.Flag) {
		if first == "" && match(f.Name) {
			first = f.Name
		}
	})
	return first
}
