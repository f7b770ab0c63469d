// Package cmdline parses partop's command line into Options: every flag,
// its help text, and every check a flag needs before anything connects,
// with errors that name the flag and the fix. Limits and defaults come from
// package rules, so a flag and the code that acts on it cannot disagree.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"partop/backend/kafka/cluster"
	"partop/engine"
	"partop/producer"
	"partop/source"
	"partop/sshd"
)

// Options is the parsed, checked command line.
type Options struct {
	Brokers []string // empty: the embedded cluster (unless Fluvio)
	Port    int      // the embedded cluster's first port
	Fluvio  string   // a Fluvio SC's host:port; empty: Kafka
	// Security reaches the brokers (TLS, SASL); the password comes from
	// the environment or a file.
	Security cluster.Security

	Topic      string
	Partitions int  // when partop creates the topic
	Create     bool // create the topic on a real cluster

	Observe bool // produce nothing: count every producer's records
	// Intervals: the producer's metadata watcher, end offsets, the
	// producers list (observe mode) and how long producers have to adopt
	// new partitions.
	DiscoveryInterval, PollInterval, ProducersInterval, ProducersGrace time.Duration

	Workload producer.Config // what partop sends

	// Consume runs partop's own consumer group beside its producer.
	Consume  bool
	Consumer source.ConsumerConfig
	// GroupsInterval is how often every consumer group on the topic is
	// polled; negative: never.
	GroupsInterval time.Duration

	Headless bool
	Duration time.Duration   // 0: until interrupted
	At       []engine.Action // --at, sorted by offset
	Tick     time.Duration

	SSH *sshd.Config // nil: no SSH dashboards
	// SSHDefaultKeys: the authorized keys are DefaultAuthorizedKeys, not a
	// file the user named (a missing one gets a hint).
	SSHDefaultKeys bool
	Metrics        string // host:port of /metrics; empty: none
}

// ErrVersion is what Parse returns for --version: print Version and exit 0.
var ErrVersion = errors.New("version requested")

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
  partop --version                       the version, from the build

Flags:
`

// Parse reads args (without the program name). For --help it prints the
// usage on stderr and returns flag.ErrHelp; for --version it returns
// ErrVersion. Any other error names the flag at fault and means exit 2.
func Parse(args []string, stderr io.Writer) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("partop", flag.ContinueOnError)
	// The flag package prints usage on every error; partop prints one
	// specific line instead, and the usage only for --help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	raw := defineFlags(fs, &o)
	sec := addSecurityFlags(fs)
	serve := addServeFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprint(stderr, usageHead)
			fs.PrintDefaults()
			return o, err
		}
		return o, flagError(err)
	}
	if *raw.version {
		return o, ErrVersion
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags start with --; see --help)", fs.Arg(0))
	}
	o.Brokers = splitList(*raw.brokers)
	o.Workload.Topic = o.Topic
	if firstGiven(fs, func(name string) bool { return name == "consume" }) == "" {
		// The demo shows both sides of an expansion; on someone's cluster
		// partop creates no group unless asked.
		o.Consume = len(o.Brokers) == 0 && o.Fluvio == "" && !o.Observe
	}
	sort.SliceStable(o.At, func(i, j int) bool { return o.At[i].At < o.At[j].At })
	if err := check(fs, o, sec.any()); err != nil {
		return o, err
	}
	var err error
	if o.Security, err = sec.security(); err != nil {
		return o, err
	}
	if o.SSH, o.Metrics, o.SSHDefaultKeys, err = serve.options(); err != nil {
		return o, err
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
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
