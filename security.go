package main

import (
	"flag"

	"github.com/twmb/franz-go/pkg/kgo"
)

// securityFlags are TLS and SASL settings for real clusters.
type securityFlags struct{}

func addSecurityFlags(fs *flag.FlagSet) *securityFlags { return &securityFlags{} }

func (s *securityFlags) opts() ([]kgo.Opt, error) { return nil, nil }
