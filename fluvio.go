package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"partop/engine"
)

// fluvioFlags are the settings for a Fluvio cluster (--fluvio). To be
// filled in by the Fluvio issue.
type fluvioFlags struct {
	sc string // the SC's public address; empty: Kafka
}

func addFluvioFlags(fs *flag.FlagSet) *fluvioFlags {
	f := &fluvioFlags{}
	fs.StringVar(&f.sc, "fluvio", "", "a Fluvio cluster: its SC's public `host:port` (instead of --brokers)")
	return f
}

// check validates the Fluvio flags against the rest after parsing.
func (f *fluvioFlags) check(fs *flag.FlagSet, o options) error { return nil }

// startFluvio connects to the Fluvio cluster and wires the source the
// flags ask for into an engine.
func startFluvio(ctx context.Context, o options, stderr io.Writer) (*engine.Engine, error) {
	return nil, errors.New("--fluvio: not built yet")
}
