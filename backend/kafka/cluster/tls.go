package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
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

// tlsConfig returns nil when TLS is off.
func (s Security) tlsConfig() (*tls.Config, error) {
	implied := ""
	for _, f := range []struct {
		name string
		on   bool
	}{
		{"tls-ca", s.CAFile != ""},
		{"tls-cert", s.CertFile != ""},
		{"tls-key", s.KeyFile != ""},
		{"tls-insecure-skip-verify", s.InsecureSkipVerify},
		{"tls-server-name", s.ServerName != ""},
	} {
		if f.on {
			implied = f.name
			break
		}
	}
	if implied != "" && !s.TLS && s.TLSSetExplicitly {
		return nil, fmt.Errorf("--tls=false contradicts --%s (which turns TLS on)", implied)
	}
	if !s.TLS && implied == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName}
	if s.CAFile != "" {
		pool, err := loadCAs(s.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	switch {
	case s.CertFile != "" && s.KeyFile == "":
		return nil, fmt.Errorf("--tls-cert %s needs --tls-key with its private key", s.CertFile)
	case s.KeyFile != "" && s.CertFile == "":
		return nil, fmt.Errorf("--tls-key %s needs --tls-cert with the certificate it belongs to", s.KeyFile)
	case s.CertFile != "":
		cert, err := loadKeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if s.InsecureSkipVerify {
		if s.CAFile != "" {
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

// tlsDialer dials TCP, then does the TLS handshake within its own time
// limit. Like kgo's TLS dialer it clones the config for every dial and,
// unless the config names a server (--tls-server-name), verifies each
// broker's certificate against the host it dials. Handshake errors say
// "TLS handshake" and what the usual cause is; an io.EOF stays visible to
// errors.Is, so kgo still reports it as its ErrFirstReadEOF ("... client is
// using TLS when the broker is not expecting it").
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
