package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Platforms partop runs on, by the names messages give them.
const (
	Kafka  = "Kafka"
	Fluvio = "Fluvio"
)

// Platform is one platform's naming rules: which topic names and which of
// partop's partitioners it takes. Each backend picks its own (KafkaRules,
// FluvioRules); a new backend defines its value in its own directory, so
// no platform falls through to another's rules.
type Platform struct {
	// Name is the platform as messages name it: Kafka, Fluvio.
	Name string
	// Partitioners are the partitioners partop offers on the platform,
	// the default first.
	Partitioners []string
	// TopicName says whether a topic name is one the platform accepts,
	// so a bad name is refused before anything starts instead of by a
	// broker mid-run.
	TopicName func(name string) error
	// NoPlacement says why partop cannot choose where the partitions it
	// adds go on the platform (balanced placement); empty: it can.
	NoPlacement string
}

// CheckTopicName applies the platform's rule for topic names.
func (p Platform) CheckTopicName(name string) error { return p.TopicName(name) }

// CheckPartitioner says whether name is a partitioner partop offers on the
// platform.
func (p Platform) CheckPartitioner(name string) error {
	switch {
	case slices.Contains(p.Partitioners, name):
		return nil
	case slices.Contains(partitioners, name):
		return fmt.Errorf("partitioner %s is not available on %s: use %s", name, p.Name, strings.Join(p.Partitioners, ", "))
	}
	return fmt.Errorf("unknown partitioner %q: want one of %s", name, strings.Join(p.Partitioners, ", "))
}

// KafkaRules are Kafka's: every partitioner (least-backup needs kgo's view
// of each partition's buffer), and Kafka's topic names.
var KafkaRules = Platform{
	Name:         Kafka,
	Partitioners: []string{BatchRoundRobin, UniformSticky, RoundRobin, KeyHash, LeastBackup},
	TopicName:    kafkaTopicName,
}

// FluvioRules are Fluvio's: no least-backup, Fluvio's topic names, and
// no balanced placement.
var FluvioRules = Platform{
	Name:         Fluvio,
	Partitioners: []string{BatchRoundRobin, UniformSticky, RoundRobin, KeyHash},
	TopicName:    fluvioTopicName,
	NoPlacement:  "Fluvio's SC places the partitions it adds itself (its add-partition request takes a count, not an assignment)",
}

// Partitioner names.
const (
	UniformSticky = "uniform-sticky" // kgo's default
	RoundRobin    = "round-robin"
	KeyHash       = "key-hash" // murmur2 as the Java producer on Kafka, SipHash as Fluvio's producer
	LeastBackup   = "least-backup"
)

// partitioners are every partitioner partop has, on some platform.
var partitioners = []string{BatchRoundRobin, UniformSticky, RoundRobin, KeyHash, LeastBackup}

// The default partitioner: each batch to the next partition in turn, so
// partitions just added are used within milliseconds (producer.BatchRoundRobin).
// Every platform lists it first.
const (
	BatchRoundRobin    = "batch-round-robin"
	DefaultPartitioner = BatchRoundRobin
)

// Key modes.
const (
	KeysNone    = "none"
	KeysUniform = "uniform" // every key in the key space equally likely
	KeysZipf    = "zipf"    // a few hot keys, a long tail
)

// KeyModes lists the key modes, the default first.
var KeyModes = []string{KeysNone, KeysUniform, KeysZipf}

// CheckKeys says whether key mode keys works with the partitioner.
func CheckKeys(keys, partitioner string) error {
	switch {
	case !slices.Contains(KeyModes, keys):
		return fmt.Errorf("unknown key mode %q: want one of %s", keys, strings.Join(KeyModes, ", "))
	case keys == KeysNone && partitioner == KeyHash:
		return fmt.Errorf("partitioner key-hash needs keys: use --keys uniform or --keys zipf")
	}
	return nil
}

// maxKafkaTopicName is Kafka's limit on a topic name's length.
const maxKafkaTopicName = 249

// kafkaTopicName is Kafka's rule for topic names.
func kafkaTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("topic name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q: Kafka does not allow \".\" or \"..\"", name)
	case len(name) > maxKafkaTopicName:
		return fmt.Errorf("topic name is %d characters: Kafka allows at most %d", len(name), maxKafkaTopicName)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !kafkaTopicRune(r) }); i >= 0 {
		return fmt.Errorf("topic name %q: %q is not allowed; Kafka topic names use only letters, digits, '.', '_' and '-'", name, []rune(name[i:])[0])
	}
	return nil
}

func kafkaTopicRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// fluvioTopic is Fluvio's rule for topic names (validate_resource_name in
// fluvio-sc-schema): lowercase letters, digits and '-', not at either end,
// at most 63 characters.
var fluvioTopic = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func fluvioTopicName(name string) error {
	if !fluvioTopic.MatchString(name) {
		return fmt.Errorf("topic name %q: Fluvio topic names are lowercase letters, digits and '-' (not first or last), at most 63 characters", name)
	}
	return nil
}
