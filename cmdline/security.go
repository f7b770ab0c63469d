package cmdline

import (
	"flag"
	"os"

	"partop/backend/kafka/cluster"
)

// securityFlags are TLS and SASL settings for real clusters, named as other
// Kafka tools name them. cluster.Security checks them and makes the
// connection; this only gathers them.
type securityFlags struct {
	fs        *flag.FlagSet
	sec       cluster.Security
	lookupEnv func(string) (string, bool) // os.LookupEnv; tests replace it
}

func addSecurityFlags(fs *flag.FlagSet) *securityFlags {
	s := &securityFlags{fs: fs, lookupEnv: os.LookupEnv}
	c := &s.sec
	fs.BoolVar(&c.TLS, "tls", false, "connect to the brokers with TLS (any --tls-* flag implies it)")
	fs.StringVar(&c.CAFile, "tls-ca", "", "PEM `file` of CA certificates to trust instead of the system's")
	fs.StringVar(&c.CertFile, "tls-cert", "", "PEM `file` with a client certificate, for brokers that require one (needs --tls-key)")
	fs.StringVar(&c.KeyFile, "tls-key", "", "PEM `file` with the client certificate's private key (needs --tls-cert)")
	fs.BoolVar(&c.InsecureSkipVerify, "tls-insecure-skip-verify", false, "do not verify the brokers' certificates (testing only: anyone on the path can read and change the traffic)")
	fs.StringVar(&c.ServerName, "tls-server-name", "", "`name` to verify the brokers' certificates against (default: each broker's host)")
	fs.StringVar(&c.SASLMechanism, "sasl-mechanism", "", "SASL `mechanism`: "+cluster.SASLMechanisms)
	fs.StringVar(&c.SASLUser, "sasl-user", "", "SASL `user` name; the password comes from $"+cluster.PasswordEnv+" or --sasl-password-file, never the command line")
	fs.StringVar(&c.SASLPasswordFile, "sasl-password-file", "", "read the SASL password from `file` (one line; a trailing newline is ignored)")
	return s
}

// security returns the settings after fs.Parse, checked: errors name the
// flag and the file at fault, and never contain the password.
func (s *securityFlags) security() (cluster.Security, error) {
	sec := s.sec
	s.fs.Visit(func(f *flag.Flag) {
		if f.Name == "tls" {
			sec.TLSSetExplicitly = true
		}
	})
	sec.SASLPassword, _ = s.lookupEnv(cluster.PasswordEnv)
	if err := sec.Validate(); err != nil {
		return cluster.Security{}, err
	}
	return sec, nil
}

// any reports whether any TLS or SASL setting was given.
func (s *securityFlags) any() bool {
	given := false
	s.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "tls", "tls-ca", "tls-cert", "tls-key", "tls-insecure-skip-verify", "tls-server-name", "sasl-mechanism", "sasl-user", "sasl-password-file":
			given = true
		}
	})
	return given
}
