package kafka

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"partop/backend/kafka/cluster"
	"partop/cmdline/platform"
	"partop/rules"
)

// Flags are Kafka's part of partop's command line (a platform.Platform):
// the brokers or the embedded cluster's port, and TLS and SASL named as
// other Kafka tools name them. cluster.Security checks the security
// settings and makes the connection; Flags only gathers them.
type Flags struct {
	brokers   string
	port      int
	sec       cluster.Security
	lookupEnv func(string) (string, bool) // os.LookupEnv; tests replace it
}

// NewFlags is Kafka's platform for the command line, its flags not yet
// defined.
func NewFlags() *Flags { return &Flags{lookupEnv: os.LookupEnv} }

// Rules are Kafka's.
func (f *Flags) Rules() rules.Platform { return rules.KafkaRules }

// DefineFlags defines the connection flags.
func (f *Flags) DefineFlags(fs *flag.FlagSet) platform.Usage {
	fs.StringVar(&f.brokers, "brokers", "", "comma-separated `host:port` list of a Kafka-protocol cluster; empty starts the embedded cluster")
	fs.IntVar(&f.port, "port", 9092, "embedded cluster: first broker's port (a free port is used if it is taken)")
	c := &f.sec
	fs.BoolVar(&c.TLS, "tls", false, "connect to the brokers with TLS (any --tls-* flag implies it)")
	fs.StringVar(&c.CAFile, "tls-ca", "", "PEM `file` of CA certificates to trust instead of the system's")
	fs.StringVar(&c.CertFile, "tls-cert", "", "PEM `file` with a client certificate, for brokers that require one (needs --tls-key)")
	fs.StringVar(&c.KeyFile, "tls-key", "", "PEM `file` with the client certificate's private key (needs --tls-cert)")
	fs.BoolVar(&c.InsecureSkipVerify, "tls-insecure-skip-verify", false, "do not verify the brokers' certificates (testing only: anyone on the path can read and change the traffic)")
	fs.StringVar(&c.ServerName, "tls-server-name", "", "`name` to verify the brokers' certificates against (default: each broker's host)")
	fs.StringVar(&c.SASLMechanism, "sasl-mechanism", "", "SASL `mechanism`: "+cluster.SASLMechanisms)
	fs.StringVar(&c.SASLUser, "sasl-user", "", "SASL `user` name; the password comes from $"+cluster.PasswordEnv+" or --sasl-password-file, never the command line")
	fs.StringVar(&c.SASLPasswordFile, "sasl-password-file", "", "read the SASL password from `file` (one line; a trailing newline is ignored)")
	return platform.Usage{
		Title: "Kafka: the embedded cluster (the default), or yours with --brokers",
		Examples: []platform.Example{
			{Args: "", Does: "dashboard on the embedded cluster"},
			{Args: "--brokers host:9092 --topic t", Does: "dashboard on a real cluster"},
			{Args: "--observe --brokers host:9092 --topic t", Does: "every producer's traffic on t; partop sends nothing"},
		},
	}
}

// securityFlags are the flags that set Security.
var securityFlags = []string{"sasl-mechanism", "sasl-password-file", "sasl-user", "tls", "tls-ca", "tls-cert", "tls-insecure-skip-verify", "tls-key", "tls-server-name"}

// Check refuses what Kafka cannot do with the flags given.
func (f *Flags) Check(c platform.Common) error {
	embedded := len(f.brokerList()) == 0
	if f.port < -1 || f.port > 65535 {
		return fmt.Errorf("--port %d: not a TCP port", f.port)
	}
	if embedded && c.Observe {
		return errors.New("--observe watches a topic other producers write to: give --brokers (the embedded cluster starts empty; without --observe partop produces to it)")
	}
	for _, name := range securityFlags {
		if c.Given[name] && embedded {
			return fmt.Errorf("--%s needs --brokers: TLS and SASL are for your brokers; the embedded cluster speaks plaintext", name)
		}
	}
	_, err := f.security(c)
	return err
}

// security returns the TLS and SASL settings, checked: errors name the
// flag and the file at fault, and never contain the password.
func (f *Flags) security(c platform.Common) (cluster.Security, error) {
	sec := f.sec
	sec.TLSSetExplicitly = c.Given["tls"]
	sec.SASLPassword, _ = f.lookupEnv(cluster.PasswordEnv)
	if err := sec.Validate(); err != nil {
		return cluster.Security{}, err
	}
	return sec, nil
}

// ConsumeDefault: partop's own group runs on the embedded cluster, where
// it shows both sides of an expansion, and never unasked on someone's
// cluster, where it would create a group.
func (f *Flags) ConsumeDefault(c platform.Common) bool {
	return len(f.brokerList()) == 0 && !c.Observe
}

// Open starts the embedded cluster (and says where it listens) or connects
// to the brokers.
func (f *Flags) Open(ctx context.Context, c platform.Common, stderr io.Writer) (platform.Backend, error) {
	sec, err := f.security(c)
	if err != nil {
		return nil, err
	}
	b, err := Open(ctx, Options{
		Cluster:           cluster.Config{Brokers: f.brokerList(), Security: sec, Embedded: cluster.EmbeddedConfig{Port: f.port}},
		DiscoveryInterval: c.DiscoveryInterval,
		PollInterval:      c.PollInterval,
		ProducersInterval: c.ProducersInterval, ProducersGrace: c.ProducersGrace,
		GroupsInterval: c.GroupsInterval,
		SampleBytes:    cmp.Or(c.SampleBytes, -1), // 0 on the command line: off
	})
	if err != nil {
		return nil, err
	}
	if b.Embedded() {
		seeds := b.Cluster().Seeds()
		fmt.Fprintf(stderr, "partop: embedded cluster on %s (kcat -b %s -L)\n", strings.Join(seeds, ","), seeds[0])
	}
	return b, nil
}

// brokerList is --brokers split at commas, blanks dropped.
func (f *Flags) brokerList() []string {
	var out []string
	for _, b := range strings.Split(f.brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}
