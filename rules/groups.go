package rules

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Consumer group protocols.
const (
	ProtocolClassic  = "classic"  // JoinGroup/SyncGroup; the leader assigns
	ProtocolConsumer = "consumer" // KIP-848: the broker assigns, members heartbeat
)

// Reset policies: where a group starts on a partition it has no commit for.
const (
	ResetEarliest   = "earliest"
	ResetLatest     = "latest"      // the Java client's default
	ResetByDuration = "by-duration" // by-duration:D, as KIP-1106: what was written in the last D
)

// Consumer groups.
const (
	DefaultGroup = "partop"
	// MaxGroupName bounds a group name. Kafka sets no limit of its own
	// below the protocol's 32,767 bytes, but a group id is a key in the
	// __consumer_offsets log and a label in every tool that lists groups:
	// past a few hundred characters it is a mistake, not a name.
	MaxGroupName = 255
	// DefaultGroupsInterval is how often every group on the topic is
	// polled; MinGroupsInterval bounds it (each poll lists and describes
	// every group on the cluster).
	DefaultGroupsInterval = 5 * time.Second
	MinGroupsInterval     = time.Second
)

// CheckGroupName says whether name is a group id partop uses.
func CheckGroupName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("group name is empty")
	case utf8.RuneCountInString(name) > MaxGroupName:
		return fmt.Errorf("group name is %d characters: partop allows at most %d", utf8.RuneCountInString(name), MaxGroupName)
	}
	return nil
}

// CheckConsumerProtocol says whether p names a group protocol; empty means
// the best the cluster supports.
func CheckConsumerProtocol(p string) error {
	if p == "" || p == ProtocolClassic || p == ProtocolConsumer {
		return nil
	}
	return fmt.Errorf("unknown consumer protocol %q: want %s (KIP-848, Kafka 4.0+) or %s", p, ProtocolConsumer, ProtocolClassic)
}

// ParseReset reads a reset policy: earliest, latest or by-duration:D with
// D a positive duration such as 10m or 1h30m. For by-duration it returns
// ResetByDuration and D.
func ParseReset(s string) (policy string, d time.Duration, err error) {
	switch {
	case s == ResetEarliest || s == ResetLatest:
		return s, 0, nil
	case strings.HasPrefix(s, ResetByDuration+":"):
		d, err := time.ParseDuration(strings.TrimPrefix(s, ResetByDuration+":"))
		if err != nil || d <= 0 {
			return "", 0, fmt.Errorf("reset policy %q: want by-duration:D with D a positive duration such as 10m", s)
		}
		return ResetByDuration, d, nil
	}
	return "", 0, fmt.Errorf("unknown reset policy %q: want earliest, latest or by-duration:D (e.g. by-duration:10m)", s)
}

// CheckGroupsInterval says whether d is an interval for polling every
// group on the topic; negative means never.
func CheckGroupsInterval(d time.Duration) error {
	if d >= 0 && d < MinGroupsInterval {
		return fmt.Errorf("must be at least %s (or negative: never)", MinGroupsInterval)
	}
	return nil
}
