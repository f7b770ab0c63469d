package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Platforms partop runs on.
const (
	Kafka  = "Kafka"
	Fluvio = "Fluvio"
)

// Partitioner names.
const (
	UniformSticky = "uniform-sticky" // kgo's default
	RoundRobin    = "round-robin"
	KeyHash       = "key-hash" // murmur2 as the Java producer on Kafka, SipHash as Fluvio's producer
	LeastBackup   = "least-backup"
)

// Partitioners lists the partitioners partop offers on platform, the
// default first. least-backup needs kgo's view of each partition's buffer,
// so it is Kafka's only.
func Partitioners(platform string) []string {
	if platform == Fluvio {
		return []string{UniformSticky, RoundRobin, KeyHash}
	}
	return []string{UniformSticky, RoundRobin, KeyHash, LeastBackup}
}

// Key modes.
const (
	KeysNone    = "none"
	KeysUniform = "uniform" // every key in the key space equally likely
	KeysZipf    = "zipf"    // a few hot keys, a long tail
)

// KeyModes lists the key modes, the default first.
var KeyModes = []string{KeysNone, KeysUniform, KeysZipf}

// CheckPartitioner says whether name is a partitioner partop offers on
// platform.
func CheckPartitioner(platform, name string) error {
	offered := Partitioners(platform)
	if slices.Contains(offered, name) {
		return nil
	}
	if slices.Contains(Partitioners(Kafka), name) {
		return fmt.Errorf("partitioner %s is not available on %s: use %s", name, platform, strings.Join(offered, ", "))
	}
	return fmt.Errorf("unknown partitioner %q: want one of %s", name, strings.Join(offered, ", "))
}

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

// CheckTopicName applies platform's rules for topic names, so a bad name is
// refused before anything starts instead of by a broker mid-run.
func CheckTopicName(platform, name string) error {
	if platform == Fluvio {
		return checkFluvioTopic(name)
	}
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

// fluvioTopicName is Fluvio's rule for topic names (validate_resource_name
// in fluvio-sc-schema): lowercase letters, digits and '-', not at either
// end, at most 63 characters.
var fluvioTopicName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func checkFluvioTopic(name string) error {
	if !fluvioTopicName.MatchString(name) {
		return fmt.Errorf("topic name %q: Fluvio topic names are lowercase letters, digits and '-' (not first or last), at most 63 characters", name)
	}
	return nil
}
