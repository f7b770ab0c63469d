package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// passwordEnv names the environment variable the SASL password may come
// from. Passwords are never taken on the command line, where ps and shell
// history would show them.
const passwordEnv = "PARTOP_SASL_PASSWORD"

// SASL mechanisms partop speaks.
const (
	mechPlain     = "PLAIN"
	mechScram256  = "SCRAM-SHA-256"
	mechScram512  = "SCRAM-SHA-512"
	mechanismList = mechPlain + ", " + mechScram256 + " or " + mechScram512
)

// Dial limits with TLS. kgo's own TLS dialer gives TCP and handshake 10s
// together; partop's gives the handshake its own, shorter limit, so that a
// listener that never answers a ClientHello (a plaintext listener of some
// Kafka-protocol servers waits for the rest of a "request" that large) fails
// with a message that says TLS well within the 10s connect timeout.
// (Variables, so tests can shorten them.)
var (
	dialTimeout      = 10 * time.Second
	handshakeTimeout = 5 * time.Second
)

// maxSecretFile bounds what partop reads from a password file: a password
// is short, and a wrong path to a big file should fail, not load it.
const maxSecretFile = 64 << 10

// securityFlags are TLS and SASL settings for real clusters, named as other
// Kafka tools name them.
type securityFlags struct {
	fs *flag.FlagSet

	tls              bool
	tlsCA            string
	tlsCert          string
	tlsKey           string
	tlsInsecure      bool
	tlsServerName    string
	saslMechanism    string
	saslUser         string
	saslPasswordFile string
	lookupEnv        func(string) (string, bool) // os.LookupEnv; tests replace it
}

func addSecurityFlags(fs *flag.FlagSet) *securityFlags {
	s := &securityFlags{fs: fs, lookupEnv: os.LookupEnv}
	fs.BoolVar(&s.tls, "tls", false, "connect to the brokers with TLS (any --tls-* flag implies it)")
	fs.StringVar(&s.tlsCA, "tls-ca", "", "PEM `file` of CA certificates to trust instead of the system's")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "PEM `file` with a client certificate, for brokers that require one (needs --tls-key)")
	fs.StringVar(&s.tlsKey, "tls-key", "", "PEM `file` with the client certificate's private key (needs --tls-cert)")
	fs.BoolVar(&s.tlsInsecure, "tls-insecure-skip-verify", false, "do not verify the brokers' certificates (testing only: anyone on the path can read and change the traffic)")
	fs.StringVar(&s.tlsServerName, "tls-server-name", "", "`name` to verify the brokers' certificates against (default: each broker's host)")
	fs.StringVar(&s.saslMechanism, "sasl-mechanism", "", "SASL `mechanism`: "+mechanismList)
	fs.StringVar(&s.saslUser, "sasl-user", "", "SASL `user` name; the password comes from $"+passwordEnv+" or --sasl-password-file, never the command line")
	fs.StringVar(&s.saslPasswordFile, "sasl-password-file", "", "read the SASL password from `file` (one line; a trailing newline is ignored)")
	return s
}

// opts turns the flags into client options. Errors name the flag and the
// file at fault, and never contain the password.
func (s *securityFlags) opts() ([]kgo.Opt, error) {
	var out []kgo.Opt
	tlsCfg, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		out = append(out, kgo.Dialer(tlsDialer(tlsCfg, dialTimeout, handshakeTimeout)))
	}
	mech, err := s.mechanism()
	if err != nil {
		return nil, err
	}
	if mech != nil {
		out = append(out, kgo.SASL(mech))
	}
	return out, nil
}

// set reports whether a flag was given on the command line.
func (s *securityFlags) set(name string) bool {
	if s.fs == nil {
		return false
	}
	found := false
	s.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// tlsConfig returns nil when TLS is off.
func (s *securityFlags) tlsConfig() (*tls.Config, error) {
	implied := ""
	for _, f := range []struct {
		name string
		on   bool
	}{
		{"tls-ca", s.tlsCA != ""},
		{"tls-cert", s.tlsCert != ""},
		{"tls-key", s.tlsKey != ""},
		{"tls-insecure-skip-verify", s.tlsInsecure},
		{"tls-server-name", s.tlsServerName != ""},
	} {
		if f.on {
			implied = f.name
			break
		}
	}
	if implied != "" && !s.tls && s.set("tls") {
		return nil, fmt.Errorf("--tls=false contradicts --%s (which turns TLS on)", implied)
	}
	if !s.tls && implied == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.tlsServerName}
	if s.tlsCA != "" {
		pool, err := loadCAs(s.tlsCA)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	switch {
	case s.tlsCert != "" && s.tlsKey == "":
		return nil, fmt.Errorf("--tls-cert %s needs --tls-key with its private key", s.tlsCert)
	case s.tlsKey != "" && s.tlsCert == "":
		return nil, fmt.Errorf("--tls-key %s needs --tls-cert with the certificate it belongs to", s.tlsKey)
	case s.tlsCert != "":
		cert, err := loadKeyPair(s.tlsCert, s.tlsKey)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if s.tlsInsecure {
		if s.tlsCA != "" {
			return nil, fmt.Errorf("--tls-insecure-skip-verify with --tls-ca: the CA would be ignored; use one or the other")
		}
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

func loadCAs(file string) (*x509.CertPool, error) {
	data, err := readFile("--tls-ca", file, 16<<20)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca %s: certificate %d: %v", file, n+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in it (want -----BEGIN CERTIFICATE-----)", file)
	}
	return pool, nil
}

func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := readFile("--tls-cert", certFile, 16<<20)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := readFile("--tls-key", keyFile, 1<<20)
	if err != nil {
		return tls.Certificate{}, err
	}
	if !hasPEM(certPEM, "CERTIFICATE") {
		return tls.Certificate{}, fmt.Errorf("--tls-cert %s: no PEM certificate in it (want -----BEGIN CERTIFICATE-----)", certFile)
	}
	if !hasPEM(keyPEM, "PRIVATE KEY") {
		return tls.Certificate{}, fmt.Errorf("--tls-key %s: no PEM private key in it (want -----BEGIN ... PRIVATE KEY-----)", keyFile)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// crypto/tls's messages never quote key material.
		return tls.Certificate{}, fmt.Errorf("--tls-cert %s with --tls-key %s: %v", certFile, keyFile, err)
	}
	return cert, nil
}

// hasPEM reports whether data holds a PEM block whose type ends in suffix.
func hasPEM(data []byte, suffix string) bool {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return false
		}
		if strings.HasSuffix(b.Type, suffix) {
			return true
		}
	}
}

// readFile reads a file a flag names; the error names both and says why,
// never what the file holds.
func readFile(flagName, file string, limit int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", flagName, file, pathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", flagName, file, pathErr(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s %s: is a directory, want a file", flagName, file)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s %s: %d bytes, too big for what it should hold", flagName, file, st.Size())
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("%s %s: %v", flagName, file, pathErr(err))
	}
	return buf.Bytes(), nil
}

// pathErr drops the path from an *os.PathError, since the caller names the
// file already.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// mechanism returns nil when SASL is off.
func (s *securityFlags) mechanism() (sasl.Mechanism, error) {
	mech := strings.ToUpper(strings.TrimSpace(s.saslMechanism))
	envPass, envSet := s.lookupEnv(passwordEnv)
	envSet = envSet && envPass != ""
	switch mech {
	case "", mechPlain, mechScram256, mechScram512:
	default:
		return nil, fmt.Errorf("--sasl-mechanism %q: unknown; want %s", s.saslMechanism, mechanismList)
	}
	if mech == "" {
		switch {
		case s.saslUser != "":
			return nil, fmt.Errorf("--sasl-user needs --sasl-mechanism (%s)", mechanismList)
		case s.saslPasswordFile != "":
			return nil, errors.New("--sasl-password-file needs --sasl-user and --sasl-mechanism")
		case envSet:
			return nil, fmt.Errorf("$%s is set but --sasl-user and --sasl-mechanism are not; set them, or unset the variable", passwordEnv)
		}
		return nil, nil
	}
	if s.saslUser == "" {
		return nil, fmt.Errorf("--sasl-mechanism %s needs --sasl-user", mech)
	}
	if envSet && s.saslPasswordFile != "" {
		return nil, fmt.Errorf("the SASL password is given twice, in $%s and --sasl-password-file; use one", passwordEnv)
	}
	pass := envPass
	if s.saslPasswordFile != "" {
		var err error
		if pass, err = readPassword(s.saslPasswordFile); err != nil {
			return nil, err
		}
	} else if !envSet {
		return nil, fmt.Errorf("--sasl-user %s needs a password: set $%s or use --sasl-password-file (passwords are not taken on the command line)", s.saslUser, passwordEnv)
	}
	switch mech {
	case mechPlain:
		return plain.Auth{User: s.saslUser, Pass: pass}.AsMechanism(), nil
	case mechScram256:
		return scram.Auth{User: s.saslUser, Pass: pass}.AsSha256Mechanism(), nil
	default:
		return scram.Auth{User: s.saslUser, Pass: pass}.AsSha512Mechanism(), nil
	}
}

// readPassword reads a password file: one line, its trailing newline
// dropped. Errors never include what the file holds.
func readPassword(file string) (string, error) {
	data, err := readFile("--sasl-password-file", file, maxSecretFile)
	if err != nil {
		return "", err
	}
	pass := strings.TrimSuffix(string(data), "\n")
	pass = strings.TrimSuffix(pass, "\r")
	switch {
	case pass == "":
		return "", fmt.Errorf("--sasl-password-file %s: empty; want the password on one line", file)
	case strings.ContainsAny(pass, "\r\n"):
		return "", fmt.Errorf("--sasl-password-file %s: more than one line; want the password alone on one line", file)
	}
	return pass, nil
}

// tlsDialer dials TCP, then does the TLS handshake within its own time
// limit. Like kgo's TLS dialer it clones the config for every dial and,
// unless --tls-server-name is set, verifies each broker's certificate
// against the host it dials. Handshake errors say "TLS handshake" and what
// the usual cause is; an io.EOF stays visible to errors.Is, so kgo still
// reports it as its ErrFirstReadEOF ("... client is using TLS when the
// broker is not expecting it").
func tlsDialer(cfg *tls.Config, dialTimeout, handshakeTimeout time.Duration) func(ctx context.Context, network, host string) (net.Conn, error) {
	d := &net.Dialer{Timeout: dialTimeout}
	return func(ctx context.Context, network, host string) (net.Conn, error) {
		c := cfg.Clone()
		if c.ServerName == "" {
			h, _, err := net.SplitHostPort(host)
			if err != nil {
				return nil, fmt.Errorf("broker address %q: want host:port", host)
			}
			c.ServerName = h
		}
		raw, err := d.DialContext(ctx, network, host)
		if err != nil {
			return nil, err
		}
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		defer cancel()
		conn := tls.Client(raw, c)
		if err := conn.HandshakeContext(hctx); err != nil {
			raw.Close()
			if ctx.Err() == nil && hctx.Err() != nil {
				return nil, fmt.Errorf("TLS handshake with %s: no answer within %s; is this a TLS listener? (%w)", host, handshakeTimeout, err)
			}
			return nil, handshakeError(host, err)
		}
		return conn, nil
	}
}

// handshakeError says what a failed TLS handshake most likely means.
func handshakeError(host string, err error) error {
	var (
		rec       tls.RecordHeaderError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
	)
	hint := ""
	switch {
	case errors.As(err, &rec):
		hint = "the broker did not answer in TLS; is this a plaintext listener?"
	case errors.As(err, &unknownCA):
		hint = "the broker's certificate is signed by an authority partop does not trust; pass its CA with --tls-ca"
	case errors.As(err, &hostname):
		hint = "the broker's certificate is not for the address dialed; see --tls-server-name"
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		hint = "the broker hung up; is this a plaintext listener, or does it require a client certificate (--tls-cert)?"
	}
	if hint == "" {
		return fmt.Errorf("TLS handshake with %s: %w", host, err)
	}
	return fmt.Errorf("TLS handshake with %s: %s (%w)", host, hint, err)
}
