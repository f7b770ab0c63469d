package main

import (
	"context"
	"flag"
	"io"

	"partop/engine"
)

// serveOptions are the settings for views served to others (--ssh,
// --metrics). To be filled in by the serving issue.
type serveOptions struct{}

func addServeFlags(fs *flag.FlagSet) *serveOptions { return &serveOptions{} }

// check validates the serving flags after parsing.
func (s *serveOptions) check(headless bool) error { return nil }

// servers are the listeners the flags asked for, bound before partop
// connects to anything so a taken port fails fast.
type servers struct{}

// listenServers binds what the flags ask for; nil when nothing is served.
func listenServers(s *serveOptions) (*servers, error) { return nil, nil }

// serve starts accepting viewers of eng until ctx ends or close.
func (s *servers) serve(ctx context.Context, eng *engine.Engine, stderr io.Writer) {}

// close stops accepting and ends every session. Safe on nil.
func (s *servers) close() {}
