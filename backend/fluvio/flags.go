package fluvio

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"

	"partop/cmdline/platform"
	"partop/rules"
)

// Flags are Fluvio's part of partop's command line (a platform.Platform):
// --fluvio, the SC's address.
type Flags struct {
	sc string
}

// NewFlags is Fluvio's platform for the command line, its flags not yet
// defined.
func NewFlags() *Flags { return &Flags{} }

// Rules are Fluvio's.
func (f *Flags) Rules() rules.Platform { return rules.FluvioRules }

// DefineFlags defines --fluvio.
func (f *Flags) DefineFlags(fs *flag.FlagSet) platform.Usage {
	fs.StringVar(&f.sc, "fluvio", "", "a Fluvio cluster: its SC's public `host:port`")
	return platform.Usage{
		Title: "Fluvio: a cluster named with --fluvio",
		Examples: []platform.Example{
			{Args: "--fluvio 127.0.0.1:9003 --topic t --create", Does: "the same on a Fluvio cluster"},
		},
	}
}

// consumeFlags shape partop's consumer group, which Fluvio cannot run.
var consumeFlags = []string{"consume", "consumer-protocol", "consumer-reset", "group"}

// noGroup is Fluvio's one refusal of partop's consumer group, from the
// command line (naming the flag given) and from Producer.
func noGroup(flag string) error {
	return fmt.Errorf("--%s with --fluvio: partop's consumer group is a Kafka consumer group; Fluvio has none partop can run", flag)
}

// Check refuses what Fluvio cannot do with the flags given.
func (f *Flags) Check(c platform.Common) error {
	if host, port, err := net.SplitHostPort(f.sc); err != nil || host == "" || port == "" {
		return fmt.Errorf("--fluvio %q: want the SC's public address as host:port, e.g. 127.0.0.1:9003", f.sc)
	}
	if c.Given["discovery-interval"] {
		return errors.New("--discovery-interval with --fluvio: the Fluvio SC pushes partition changes as they happen, there is no interval to set")
	}
	if c.Cluster {
		return errors.New("--observe with no --topic (or a --topic pattern) with --fluvio: the topics view is Kafka's only for now; name one Fluvio topic with --topic")
	}
	if c.Consume {
		return noGroup("consume")
	}
	for _, name := range consumeFlags {
		if c.Given[name] {
			return noGroup(name)
		}
	}
	return nil
}

// ConsumeDefault is false: there is no consumer group to run.
func (f *Flags) ConsumeDefault(platform.Common) bool { return false }

// Open connects to the SC.
func (f *Flags) Open(ctx context.Context, c platform.Common, _ io.Writer) (platform.Backend, error) {
	return Open(ctx, Options{SC: f.sc, PollInterval: c.PollInterval, SampleBytes: cmp.Or(c.SampleBytes, -1)}) // 0 on the command line: off
}
