package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	"partop/rules"
)

// fluvioFlags are the settings for a Fluvio cluster (--fluvio).
type fluvioFlags struct {
	sc string // the SC's public address; empty: Kafka
}

func addFluvioFlags(fs *flag.FlagSet) *fluvioFlags {
	f := &fluvioFlags{}
	fs.StringVar(&f.sc, "fluvio", "", "a Fluvio cluster: its SC's public `host:port` (instead of --brokers)")
	return f
}

// check validates the Fluvio flags against the rest after parsing.
func (f *fluvioFlags) check(fs *flag.FlagSet, o options) error {
	if f.sc == "" {
		return nil
	}
	var conflict error
	fs.Visit(func(fl *flag.Flag) {
		name := fl.Name
		switch {
		case conflict != nil:
		case name == "brokers":
			conflict = errors.New("--fluvio and --brokers: give one cluster, Fluvio's SC or Kafka brokers")
		case strings.HasPrefix(name, "tls") || strings.HasPrefix(name, "sasl"):
			conflict = fmt.Errorf("--fluvio with --%s: partop speaks plaintext to Fluvio; TLS and SASL are for Kafka", name)
		case name == "port":
			conflict = errors.New("--fluvio with --port: --port is the embedded Kafka cluster's; there is no embedded Fluvio")
		case name == "discovery-interval":
			conflict = errors.New("--fluvio with --discovery-interval: the Fluvio SC pushes partition changes as they happen, there is no interval to set")
		}
	})
	if conflict != nil {
		return conflict
	}
	if err := rules.CheckTopicName(rules.Fluvio, o.topic); err != nil {
		return fmt.Errorf("--topic: %w", err)
	}
	if o.producer.Partitioner == rules.LeastBackup {
		return fmt.Errorf("--partitioner %s is not available with --fluvio: use %s", rules.LeastBackup, strings.Join(rules.Partitioners(rules.Fluvio), ", "))
	}
	if host, port, err := net.SplitHostPort(f.sc); err != nil || host == "" || port == "" {
		return fmt.Errorf("--fluvio %q: want the SC's public address as host:port, e.g. 127.0.0.1:9003", f.sc)
	}
	return nil
}
