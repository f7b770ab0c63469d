// Package rules holds what partop accepts and what it assumes when told
// nothing: partition limits, rates, record shapes, intervals, partitioner
// and key-mode names, topic-name rules for both backends. Each rule is
// written once here; the flag parser, the engine and the backends import
// it, and it imports nothing of partop's, so a limit cannot drift between
// the place that checks a flag and the place that acts on it.
//
// Check functions return the reason alone ("must be at least 10ms"): the
// caller names the subject, as a flag ("--tick 5ms: …") or a setting.
package rules

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxPartitions is the largest partition count partop will ask for. Kafka
// itself allows more, but a topic this wide is almost always a typo, and
// each partition costs memory in brokers and in partop.
const MaxPartitions = 10000

// CheckGrow says whether growing a topic from current to target partitions
// is something the cluster and partop will do: Kafka and Fluvio only add
// partitions. platform names the cluster in the reason.
func CheckGrow(platform string, current, target int) error {
	if err := checkTotal(target); err != nil {
		return err
	}
	if target <= current {
		return fmt.Errorf("the topic has %d partitions; %s cannot shrink a topic or keep its count, so the new total must be above %d (asked for %d)", current, clusterName(platform), current, target)
	}
	return nil
}

// checkTotal says whether n is a partition count partop asks a cluster
// for.
func checkTotal(n int) error {
	switch {
	case n > MaxPartitions:
		return fmt.Errorf("%d partitions is over partop's limit of %d", n, MaxPartitions)
	case n <= 0:
		return fmt.Errorf("a topic needs at least 1 partition, not %d", n)
	}
	return nil
}

// Grow is a partition change as an operator asks for it: add N
// partitions, or (Total) grow the topic to N partitions in total, placed
// by Place (PlaceCluster, PlaceBalanced; "": the run's default).
type Grow struct {
	N     int
	Total bool
	Place string
}

// Target is the partition count g asks for on a topic of current
// partitions.
func (g Grow) Target(current int) int {
	if g.Total {
		return g.N
	}
	return current + g.N
}

// growForms is how operators spell a partition change.
const growForms = "N or +N adds N, =N grows to N in total; ,balanced places them"

// ParseGrow reads a partition change the way operators type it, in the
// dashboard's prompt and in --at: N or +N adds N partitions, =N grows the
// topic to N in total, and a placement may follow after a comma or a space
// ("4,balanced"). It checks what needs no cluster; CheckGrow does the rest
// against the current count, and the platform's CheckPlacement whether it
// can place them. platform (Kafka, Fluvio) is the one the reason names
// ("the cluster" when empty).
func ParseGrow(platform, s string) (Grow, error) {
	s, place, err := placementSuffix(strings.TrimSpace(s))
	if err != nil {
		return Grow{}, err
	}
	g, num := Grow{Place: place}, s
	switch {
	case strings.HasPrefix(s, "="):
		g.Total, num = true, strings.TrimSpace(s[1:])
	case strings.HasPrefix(s, "+"):
		num = strings.TrimSpace(s[1:])
	}
	if num == "" {
		if s == "" {
			return Grow{}, errors.New("type a number: " + growForms)
		}
		return Grow{}, errors.New("type a number after " + s[:1])
	}
	n, err := strconv.Atoi(num)
	if err != nil || strings.HasPrefix(num, "+") {
		return Grow{}, fmt.Errorf("%q is not a whole number: %s", num, growForms)
	}
	g.N = n
	switch {
	case g.Total:
		if err := checkTotal(n); err != nil {
			return Grow{}, err
		}
	case n < 1:
		return Grow{}, fmt.Errorf("add at least 1 partition (got %d): %s cannot remove partitions", n, clusterName(platform))
	case n > MaxPartitions:
		// current+n could overflow for absurd n; the limit applies anyway.
		return Grow{}, fmt.Errorf("adding %d is over partop's limit of %d partitions", n, MaxPartitions)
	}
	return g, nil
}

// clusterName is platform as a reason names it: "the cluster" when it is
// not known.
func clusterName(platform string) string {
	if platform == "" {
		return "the cluster"
	}
	return platform
}

// DefaultPartitions is a new topic's partition count.
const DefaultPartitions = 4

// CheckPartitions says whether n is a partition count partop creates a
// topic with.
func CheckPartitions(n int) error {
	if n < 1 || n > MaxPartitions {
		return fmt.Errorf("must be between 1 and %d", MaxPartitions)
	}
	return nil
}

// Target rates, in records/s: 0 means as fast as the cluster takes.
const (
	MaxRate = 1e9
	// MinStepRate is the lowest target the dashboard's rate keys reach.
	MinStepRate = 1
	// DefaultRate is the producers' default target, and where the rate
	// keys step from when nothing flows: modest, so a demo can run for
	// hours.
	DefaultRate = 1000
)

// CheckRate says whether r is a target rate partop accepts.
func CheckRate(r float64) error {
	if r < 0 || r > MaxRate || math.IsNaN(r) {
		return badRate(strconv.FormatFloat(r, 'f', -1, 64))
	}
	return nil
}

// ParseRate reads a target rate as operators type it (rate=R in --at)
// and checks it.
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	r, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, badRate(s)
	}
	return r, CheckRate(r)
}

func badRate(s string) error {
	if s != "" {
		s = " " + s
	}
	return fmt.Errorf("rate%s: want records/s, 0 (as fast as possible) to %g", s, MaxRate)
}

// Record shapes.
const (
	DefaultValueSize = 100
	// MinValueSize holds the run id and sequence number every value starts
	// with, so a reader can check for loss and duplicates.
	MinValueSize = 16
	// MaxValueSize is Kafka's default max message size.
	MaxValueSize    = 1 << 20
	DefaultKeySpace = 1000
	MaxKeySpace     = 1 << 24
)

// CheckValueSize says whether n bytes is a value size partop sends.
func CheckValueSize(n int) error {
	switch {
	case n < MinValueSize:
		return fmt.Errorf("must be at least %d bytes (run id and sequence number)", MinValueSize)
	case n > MaxValueSize:
		return fmt.Errorf("over 1 MiB, Kafka's default max message size")
	}
	return nil
}

// CheckKeySpace says whether n distinct keys is a key space partop uses.
func CheckKeySpace(n int) error {
	if n < 1 || n > MaxKeySpace {
		return fmt.Errorf("must be between 1 and %d distinct keys", MaxKeySpace)
	}
	return nil
}

// Intervals and timeouts.
const (
	// DefaultTick is how often the engine samples its counters and
	// publishes a snapshot, and so how often views can change.
	DefaultTick = 250 * time.Millisecond
	MinTick     = 20 * time.Millisecond
	MaxTick     = 10 * time.Second

	// DefaultDiscoveryInterval is how often a producer's watcher polls the
	// topic's metadata for partitions added by others.
	DefaultDiscoveryInterval = time.Second
	MinDiscoveryInterval     = 10 * time.Millisecond

	// DefaultPollInterval is how often end offsets are polled;
	// MinPollInterval bounds how hard partop polls a cluster.
	DefaultPollInterval = time.Second
	// DefaultCensusInterval is the topics view's: one census of the
	// whole cluster (every partition's end offset) every 5 s.
	DefaultCensusInterval = 5 * time.Second
	// DefaultTopic is --topic's default: the topic partop produces to.
	DefaultTopic    = "partop"
	MinPollInterval = 100 * time.Millisecond

	// The producers list (observe mode on Kafka): how often producer ids
	// are listed, and how long producers have to write to new partitions
	// before one that does not is stale.
	DefaultProducersInterval = 10 * time.Second
	MinProducersInterval     = time.Second
	DefaultProducersGrace    = 10 * time.Second
	MinProducersGrace        = time.Second

	// DefaultFlushTimeout bounds how long stopping waits for records in
	// flight.
	DefaultFlushTimeout = 10 * time.Second
)

// CheckTick says whether d is a sampling tick (or a redraw period).
func CheckTick(d time.Duration) error {
	if d < MinTick || d > MaxTick {
		return fmt.Errorf("must be between %s and %s", MinTick, MaxTick)
	}
	return nil
}

// CheckDiscoveryInterval says whether d is a metadata poll interval.
func CheckDiscoveryInterval(d time.Duration) error {
	if d < MinDiscoveryInterval {
		return fmt.Errorf("must be at least %s (it is how often partop looks for new partitions)", MinDiscoveryInterval)
	}
	return nil
}

// CheckProducersInterval says whether d is how often an operator may have
// DescribeProducers asked of every leader (negative: never). The observer
// takes down to MinPollInterval, for tests; a production cluster gets at
// most one look a second.
func CheckProducersInterval(d time.Duration) error {
	if d >= 0 && d < MinProducersInterval {
		return fmt.Errorf("must be at least %s (or negative: never)", MinProducersInterval)
	}
	return nil
}

// CheckProducersGrace says whether d is a grace period for producers to
// adopt new partitions.
func CheckProducersGrace(d time.Duration) error {
	if d < MinProducersGrace {
		return fmt.Errorf("must be at least %s", MinProducersGrace)
	}
	return nil
}

// CheckPollInterval says whether d is an end-offsets poll interval.
func CheckPollInterval(d time.Duration) error {
	if d < MinPollInterval {
		return fmt.Errorf("must be at least %s", MinPollInterval)
	}
	return nil
}
