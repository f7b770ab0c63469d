package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"partop/cluster"

	"github.com/twmb/franz-go/pkg/kfake"
)

// secret is the password the tests use; no error or output may contain it.
const secret = "s3cr3t-Pa55word"

// pki is a throwaway CA with a server and a client certificate, as PEM
// files in a temporary directory.
type pki struct {
	dir                       string
	ca, serverCert, serverKey string
	clientCert, clientKey     string
	otherKey                  string // a key that matches no certificate
	caPool                    *x509.CertPool
	server                    tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{dir: dir}
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "partop test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p.caPool = x509.NewCertPool()
	p.caPool.AddCert(caCert)
	p.ca = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)

	issue := func(name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return writePEM(t, dir, name+".pem", "CERTIFICATE", der), writeKey(t, dir, name+"-key.pem", key)
	}
	p.serverCert, p.serverKey = issue("broker", 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = issue("client", 3, x509.ExtKeyUsageClientAuth)
	p.otherKey = writeKey(t, dir, "other-key.pem", newKey(t))
	if p.server, err = tls.LoadX509KeyPair(p.serverCert, p.serverKey); err != nil {
		t.Fatal(err)
	}
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeKey(t *testing.T, dir, name string, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der)
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	return writeFile(t, dir, name, string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})))
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A password on the command line is refused as an unknown flag, and the
// message does not echo it.
func TestNoPasswordFlag(t *testing.T) {
	for _, args := range [][]string{
		{"--sasl-password", secret},
		{"--sasl-password=" + secret},
	} {
		var out, errs bytes.Buffer
		code := run(append([]string{"--headless"}, args...), &out, &errs)
		if code != 2 || !strings.Contains(errs.String(), "unknown flag --sasl-password") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs.String())
		}
		if strings.Contains(errs.String()+out.String(), secret) {
			t.Errorf("%v: output contains the password: %q", args, errs.String())
		}
	}
	var errs bytes.Buffer
	run([]string{"--help"}, io.Discard, &errs)
	for _, f := range []string{"--tls", "--tls-ca", "--tls-cert", "--tls-key", "--tls-insecure-skip-verify", "--tls-server-name", "--sasl-mechanism", "--sasl-user", "--sasl-password-file", cluster.PasswordEnv} {
		if !strings.Contains(errs.String(), strings.TrimPrefix(f, "-")) {
			t.Errorf("--help does not mention %s", f)
		}
	}
}

// Bad security flags stop partop before it connects, with exit code 2.
func TestSecurityFlagErrorExitCode(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"--headless", "--brokers", "127.0.0.1:1", "--tls-cert", "c.pem"}, &out, &errs)
	if code != 2 || !strings.Contains(errs.String(), "needs --tls-key") {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
}

// kfakeTLS starts an in-process cluster that speaks TLS (and SASL, when
// users are given), and returns its address.
func kfakeTLS(t *testing.T, p *pki, clientAuth bool, opts ...kfake.Opt) string {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12}
	if clientAuth {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		cfg.ClientCAs = p.caPool
	}
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.TLS(cfg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// runPartop runs the whole command for about a second and returns its exit
// code, stderr and the summary line (nil if there is none).
func runPartop(t *testing.T, args ...string) (int, string, map[string]any) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(append([]string{"--headless", "--duration", "1s", "--rate", "500"}, args...), &out, &errs)
	if strings.Contains(out.String()+errs.String(), secret) {
		t.Fatalf("%v: the password appears in partop's output", args)
	}
	var sum map[string]any
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["summary"] == true {
			sum = m
		}
	}
	return code, errs.String(), sum
}

func TestTLSAndSASLEndToEnd(t *testing.T) {
	p := newPKI(t)
	users := []kfake.Opt{
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", secret),
		kfake.Superuser("SCRAM-SHA-256", "scram-user", secret),
		kfake.Superuser("SCRAM-SHA-512", "scram-user", secret),
	}
	addr := kfakeTLS(t, p, false, users...)
	passFile := writeFile(t, t.TempDir(), "pass", secret+"\n")
	ok := func(t *testing.T, code int, stderr string, sum map[string]any) {
		t.Helper()
		if code != 0 || sum == nil {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if acked, _ := sum["acked"].(float64); acked <= 0 || sum["errors"] != 0.0 {
			t.Fatalf("summary acked %v errors %v", sum["acked"], sum["errors"])
		}
	}
	base := []string{"--brokers", addr, "--tls-ca", p.ca, "--create"}
	for _, mech := range []struct{ name, user string }{
		{"PLAIN", "plain-user"}, {"SCRAM-SHA-256", "scram-user"}, {"SCRAM-SHA-512", "scram-user"},
	} {
		t.Run(mech.name+"/env", func(t *testing.T) {
			t.Setenv(cluster.PasswordEnv, secret)
			code, stderr, sum := runPartop(t, append(base, "--topic", "env-"+mech.name, "--sasl-mechanism", mech.name, "--sasl-user", mech.user)...)
			ok(t, code, stderr, sum)
		})
		t.Run(mech.name+"/file", func(t *testing.T) {
			code, stderr, sum := runPartop(t, append(base, "--topic", "file-"+mech.name, "--sasl-mechanism", mech.name, "--sasl-user", mech.user, "--sasl-password-file", passFile)...)
			ok(t, code, stderr, sum)
		})
	}
	t.Run("server-name", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, secret)
		code, stderr, sum := runPartop(t, append(base, "--topic", "sn", "--tls-server-name", "localhost", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")...)
		ok(t, code, stderr, sum)
	})
	t.Run("wrong-password", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, secret+"-wrong")
		start := time.Now()
		// kfake hangs up on a bad password where Kafka answers
		// SASL_AUTHENTICATION_FAILED (see integration/ for that message).
		code, stderr, _ := runPartop(t, append(base, "--topic", "wp", "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "scram-user")...)
		if code != 1 || !strings.Contains(stderr, addr) || time.Since(start) > 10*time.Second {
			t.Fatalf("exit %d after %s, stderr %q", code, time.Since(start), stderr)
		}
	})
	t.Run("wrong-server-name", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, secret)
		code, stderr, _ := runPartop(t, append(base, "--topic", "wsn", "--tls-server-name", "kafka.example", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")...)
		if code != 1 || !strings.Contains(stderr, "kafka.example") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("unknown-CA", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, secret)
		code, stderr, _ := runPartop(t, "--brokers", addr, "--tls", "--topic", "uca", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")
		if code != 1 || !strings.Contains(stderr, "unknown authority") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("insecure-skip-verify", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, secret)
		code, stderr, sum := runPartop(t, "--brokers", addr, "--create", "--tls-insecure-skip-verify", "--topic", "isv", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")
		ok(t, code, stderr, sum)
	})
}

// secFlags parses args as partop's security flags, with env as the whole environment.
func secFlags(t *testing.T, env map[string]string, args ...string) (cluster.Security, error) {
	t.Helper()
	fs := flag.NewFlagSet("partop", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s := addSecurityFlags(fs)
	s.lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if err := fs.Parse(args); err != nil {
		return cluster.Security{}, err
	}
	return s.security()
}

// Each flag lands in its cluster.Security field, and the password comes
// from the environment only. (cluster's tests check the settings.)
func TestSecurityFlagsFillSecurity(t *testing.T) {
	dir := t.TempDir()
	ca, pass := dir+"/ca.pem", dir+"/pass" // neither exists
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want cluster.Security
	}{
		{nil, nil, cluster.Security{}},
		{nil, []string{"--tls"}, cluster.Security{TLS: true, TLSSetExplicitly: true}},
		{nil, []string{"--tls=false"}, cluster.Security{TLSSetExplicitly: true}},
		{nil, []string{"--tls-insecure-skip-verify", "--tls-server-name", "kafka.example"}, cluster.Security{InsecureSkipVerify: true, ServerName: "kafka.example"}},
		{map[string]string{cluster.PasswordEnv: secret}, []string{"--sasl-mechanism", "scram-sha-256", "--sasl-user", "u"},
			cluster.Security{SASLMechanism: "scram-sha-256", SASLUser: "u", SASLPassword: secret}},
	} {
		got, err := secFlags(t, tc.env, tc.args...)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %v, %v; want %v", tc.args, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--tls=false", "--tls-ca", ca}, "--tls=false contradicts --tls-ca"},
		{nil, []string{"--tls-ca", ca}, "--tls-ca " + ca + ": no such file"},
		{nil, []string{"--tls-cert", "c.pem"}, "--tls-cert c.pem needs --tls-key"},
		{nil, []string{"--sasl-mechanism", "PLAIN", "--sasl-user", "u", "--sasl-password-file", pass}, "--sasl-password-file " + pass + ": no such file"},
		{map[string]string{cluster.PasswordEnv: secret}, nil, "$PARTOP_SASL_PASSWORD is set but"},
	} {
		_, err := secFlags(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), secret) {
			t.Errorf("%v: error %v, want it to contain %q", tc.args, err, tc.want)
		}
	}
}

// TLS and SASL need a real cluster: the embedded one speaks plaintext.
func TestSecurityFlagsNeedBrokers(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"--headless", "--tls"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), "need --brokers") {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
}
