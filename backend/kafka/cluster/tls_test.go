package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"partop/backend/kafka/cluster/clustertest"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// openSecure is Open on addr with s; on success the cluster is closed with
// the test, and it has made a topic, so admin requests went through too.
func openSecure(t *testing.T, addr string, s Security, opts ...kgo.Opt) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Open(ctx, Config{Brokers: []string{addr}, Security: s, Opts: opts})
	if err != nil {
		if strings.Contains(err.Error(), clustertest.Secret) {
			t.Fatalf("the error contains the password: %v", err)
		}
		return err
	}
	t.Cleanup(c.Close)
	if top, err := c.EnsureTopic(ctx, "secure", 2, true); err != nil || top.Count() != 2 {
		t.Fatalf("EnsureTopic = %d partitions, %v", top.Count(), err)
	}
	return nil
}

func TestHandshakeHints(t *testing.T) {
	t.Parallel()
	const plaintext = "the broker did not answer in TLS; is this a plaintext listener?"
	const hungUp = "the broker hung up; is this a plaintext listener, or does it require a client certificate (--tls-cert)?"
	for _, tc := range []struct {
		err  error
		hint string
	}{
		{tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, plaintext},
		{x509.UnknownAuthorityError{}, "the broker's certificate is signed by an authority partop does not trust; pass its CA with --tls-ca"},
		{x509.HostnameError{Certificate: &x509.Certificate{}, Host: "kafka.example"}, "the broker's certificate is not for the address dialed; see --tls-server-name"},
		{io.EOF, hungUp},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), hungUp},
		{errors.New("something else"), ""},
	} {
		err := handshakeError("b:9093", tc.err)
		want := "TLS handshake with b:9093: " + tc.err.Error()
		if tc.hint != "" {
			want = "TLS handshake with b:9093: " + tc.hint + " (" + tc.err.Error() + ")"
		}
		if err.Error() != want {
			t.Errorf("%v:\n got %q\nwant %q", tc.err, err, want)
		}
		if !errors.Is(err, tc.err) { // kgo reports an io.EOF as its ErrFirstReadEOF
			t.Errorf("%v: errors.Is lost it: %q", tc.err, err)
		}
	}
}

func TestTLSAndSASL(t *testing.T) {
	t.Parallel()
	p := clustertest.NewPKI(t)
	addr := clustertest.KfakeTLS(t, p, false,
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", clustertest.Secret),
		kfake.Superuser("SCRAM-SHA-256", "scram-user", clustertest.Secret),
		kfake.Superuser("SCRAM-SHA-512", "scram-user", clustertest.Secret),
	)
	passFile := clustertest.WriteFile(t, t.TempDir(), "pass", clustertest.Secret+"\n")
	sec := func(mech, user string) Security {
		return Security{CAFile: p.CA, SASLMechanism: mech, SASLUser: user, SASLPassword: clustertest.Secret}
	}
	for _, mech := range []struct{ name, user string }{
		{"PLAIN", "plain-user"}, {"SCRAM-SHA-256", "scram-user"}, {"SCRAM-SHA-512", "scram-user"},
	} {
		t.Run(mech.name+"/env", func(t *testing.T) {
			if err := openSecure(t, addr, sec(mech.name, mech.user)); err != nil {
				t.Fatal(err)
			}
		})
		t.Run(mech.name+"/file", func(t *testing.T) {
			s := sec(mech.name, mech.user)
			s.SASLPassword, s.SASLPasswordFile = "", passFile
			if err := openSecure(t, addr, s); err != nil {
				t.Fatal(err)
			}
		})
	}
	ok := func(name string, edit func(*Security)) {
		t.Run(name, func(t *testing.T) {
			s := sec("PLAIN", "plain-user")
			edit(&s)
			if err := openSecure(t, addr, s); err != nil {
				t.Fatal(err)
			}
		})
	}
	fails := func(name string, edit func(*Security), want ...string) {
		t.Run(name, func(t *testing.T) {
			s := sec("PLAIN", "plain-user")
			edit(&s)
			start := time.Now()
			err := openSecure(t, addr, s)
			if err == nil || time.Since(start) > 10*time.Second {
				t.Fatalf("error %v after %s", err, time.Since(start))
			}
			t.Log(err)
			for _, w := range append(want, addr) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	ok("server-name", func(s *Security) { s.ServerName = "localhost" })
	ok("insecure-skip-verify", func(s *Security) { s.CAFile, s.InsecureSkipVerify = "", true })
	fails("wrong-server-name", func(s *Security) { s.ServerName = "kafka.example" }, "kafka.example", "see --tls-server-name")
	fails("unknown-CA", func(s *Security) { s.CAFile, s.TLS = "", true }, "unknown authority", "pass its CA with --tls-ca")
	// kfake hangs up on a bad password where Kafka answers
	// SASL_AUTHENTICATION_FAILED (see backend/kafka/e2e for that message).
	fails("wrong-password", func(s *Security) {
		s.SASLMechanism, s.SASLUser, s.SASLPassword = "SCRAM-SHA-256", "scram-user", clustertest.Secret+"-wrong"
	})
	fails("no-SASL", func(s *Security) { *s = Security{CAFile: p.CA} })
}

// A listener that requires a client certificate accepts CertFile and
// KeyFile and refuses a client without them.
func TestClientCertificate(t *testing.T) {
	t.Parallel()
	p := clustertest.NewPKI(t)
	addr := clustertest.KfakeTLS(t, p, true)
	if err := openSecure(t, addr, Security{CAFile: p.CA, CertFile: p.ClientCert, KeyFile: p.ClientKey}); err != nil {
		t.Fatal(err)
	}
	err := openSecure(t, addr, Security{CAFile: p.CA})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("without a client certificate: %v", err)
	}
	t.Log(err)
}

// Config.Opts still reach every client, after Security's options.
func TestConfigOptsStillWork(t *testing.T) {
	t.Parallel()
	p := clustertest.NewPKI(t)
	addr := clustertest.KfakeTLS(t, p, false)
	if err := openSecure(t, addr, Security{}, kgo.DialTLSConfig(&tls.Config{RootCAs: p.CAPool, MinVersion: tls.VersionTLS12})); err != nil {
		t.Fatal(err)
	}
}

// Bad settings fail Open before it starts or dials anything.
func TestOpenRejectsBadSecurity(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := Open(context.Background(), Config{Brokers: []string{"127.0.0.1:1"}, Security: Security{CertFile: "c.pem"}})
	if err == nil || !strings.Contains(err.Error(), "--tls-cert c.pem needs --tls-key") || time.Since(start) > time.Second {
		t.Fatalf("error %v after %s", err, time.Since(start))
	}
}

// TLS to a plaintext listener fails and says TLS, rather than hanging.
// kfake, unlike Kafka, does not hang up on a ClientHello: it waits for the
// rest of what it reads as a huge request, so only the handshake's own time
// limit ends the wait.
func TestTLSToPlaintextListener(t *testing.T) {
	// Not in parallel: it shortens the package's handshake limit.
	defer func(d time.Duration) { handshakeTimeout = d }(handshakeTimeout)
	handshakeTimeout = time.Second
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	start := time.Now()
	err = openSecure(t, addr, Security{TLS: true})
	if err == nil || !strings.Contains(err.Error(), "TLS handshake with "+addr+": no answer within 1s; is this a TLS listener?") || time.Since(start) > 9*time.Second {
		t.Fatalf("error %v after %s", err, time.Since(start))
	}
}
