package cmdline

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"partop/cmdline/platform"
	"partop/rules"
)

// choose is the platform whose flags were given (owners maps each
// platform's flags to its index), or the first when none were. Flags of
// two platforms are refused: partop runs on one cluster.
func choose(platforms []platform.Platform, owners map[string]int, given map[string]bool) (platform.Platform, error) {
	first := map[int]string{} // a platform's first flag given, by index
	for name := range given {
		if i, ok := owners[name]; ok && (first[i] == "" || name < first[i]) {
			first[i] = name
		}
	}
	var chosen []int
	for i := range first {
		chosen = append(chosen, i)
	}
	sort.Ints(chosen)
	switch len(chosen) {
	case 0:
		return platforms[0], nil
	case 1:
		return platforms[chosen[0]], nil
	}
	a, b := chosen[0], chosen[1]
	return nil, fmt.Errorf("--%s with --%s: --%s is %s's, --%s is %s's; partop runs on one cluster at a time",
		first[a], first[b], first[a], platforms[a].Rules().Name, first[b], platforms[b].Rules().Name)
}

// check validates the parsed flags against each other and the chosen
// platform: the first problem, in words a user can act on.
func check(o Options) error {
	for _, c := range []func(Options) error{checkTopic, checkWorkload, checkRun, checkObserve, checkCluster, checkPlatform, checkConsume} {
		if err := c(o); err != nil {
			return err
		}
	}
	return nil
}

func checkPlatform(o Options) error { return o.Platform.Check(o.Common) }

func checkTopic(o Options) error {
	if rules.IsTopicPattern(o.Topic) {
		if !o.Observe {
			return fmt.Errorf("--topic %s: a pattern opens the topics view of the topics it matches, which observes: add --observe, or name one topic to produce to", o.Topic)
		}
	} else if err := o.Platform.Rules().CheckTopicName(o.Topic); err != nil {
		return fmt.Errorf("--topic: %w", err)
	}
	if err := rules.CheckPartitions(o.Partitions); err != nil {
		return fmt.Errorf("--partitions %d: %w", o.Partitions, err)
	}
	return nil
}

// checkWorkload checks what partop sends, naming the flag, by the chosen
// platform's rules.
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
	if err := o.Platform.Rules().CheckPartitioner(w.WithDefaults().Partitioner); err != nil {
		return fmt.Errorf("--partitioner: %w", err)
	}
	if err := o.Platform.Rules().CheckPlacement(o.Place); err != nil {
		return fmt.Errorf("--placement %s: %w", o.Place, err)
	}
	return w.Validate(o.Platform.Rules()) // the rest: rate, key mode (the topic was checked above)
}

// checkRun checks how long and how often partop runs and polls.
func checkRun(o Options) error {
	switch {
	case o.Duration < 0:
		return fmt.Errorf("--duration %s: must not be negative", o.Duration)
	case rules.CheckTick(o.Tick) != nil:
		return fmt.Errorf("--tick %s: %w", o.Tick, rules.CheckTick(o.Tick))
	case rules.CheckPollInterval(o.PollInterval) != nil:
		return fmt.Errorf("--poll-interval %s: %w", o.PollInterval, rules.CheckPollInterval(o.PollInterval))
	case rules.CheckProducersInterval(o.ProducersInterval) != nil:
		return fmt.Errorf("--producers-interval %s: %w", o.ProducersInterval, rules.CheckProducersInterval(o.ProducersInterval))
	case rules.CheckProducersGrace(o.ProducersGrace) != nil:
		return fmt.Errorf("--producers-grace %s: %w", o.ProducersGrace, rules.CheckProducersGrace(o.ProducersGrace))
	}
	return nil
}

// consumeOnly are the flags that shape partop's consumer group.
var consumeOnly = []string{"consumer-protocol", "consumer-reset", "group"}

// checkConsume checks partop's consumer group and the groups poll.
func checkConsume(o Options) error {
	if err := rules.CheckGroupsInterval(o.GroupsInterval); err != nil {
		return fmt.Errorf("--groups-interval %s: %w", o.GroupsInterval, err)
	}
	if err := rules.CheckSampleBytes(o.SampleBytes); err != nil {
		return fmt.Errorf("--sample-bytes %d: %w", o.SampleBytes, err)
	}
	if !o.Consume {
		if f := firstGiven(o.Given, consumeOnly); f != "" {
			return fmt.Errorf("--%s: needs --consume (partop's own consumer group; on by default only where partop started the cluster)", f)
		}
		return nil
	}
	if o.Observe {
		return errors.New("--consume with --observe: partop's consumer group runs beside its producer, and observe mode runs neither (every group on the topic is shown anyway)")
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
var produceOnly = []string{"create", "flush-timeout", "key-space", "keys", "partitioner", "partitions", "rate", "value-size"}

// checkObserve refuses what observe mode cannot do, naming the conflict.
func checkObserve(o Options) error {
	if !o.Observe {
		return nil
	}
	if f := firstGiven(o.Given, produceOnly); f != "" {
		return fmt.Errorf("--observe with --%s: observe mode produces and creates nothing, so --%s does not apply", f, f)
	}
	for _, a := range o.At {
		if !a.Grows() {
			return fmt.Errorf("--at %s:%s: observe mode sends nothing, so only add=N and partitions=N apply", a.At, a)
		}
	}
	return nil
}

// topicOnly are the flags of one topic's dashboard: the topics view
// (every topic, one census) has no producers list and no record sample.
var topicOnly = []string{"producers-grace", "producers-interval", "sample-bytes"}

// checkCluster refuses what the topics view cannot do.
func checkCluster(o Options) error {
	switch {
	case !o.Cluster && o.Internal:
		return errors.New("--internal shows internal topics in the topics view, which --observe with no --topic (or a --topic pattern) opens")
	case !o.Cluster:
		return nil
	case len(o.At) > 0:
		return errors.New("--at with the topics view (--observe with no --topic, or a --topic pattern): --at acts on one topic; name it with --topic")
	}
	if f := firstGiven(o.Given, topicOnly); f != "" {
		return fmt.Errorf("--%s with the topics view (--observe with no --topic, or a --topic pattern): it applies to one topic's dashboard; name the topic with --topic", f)
	}
	return nil
}

// firstGiven is the first of names (sorted, as flag.Visit reports flags)
// that was given; "" if none.
func firstGiven(given map[string]bool, names []string) string {
	i := slices.IndexFunc(names, func(n string) bool { return given[n] })
	if i < 0 {
		return ""
	}
	return names[i]
}
