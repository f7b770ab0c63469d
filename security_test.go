package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/cluster/clustertest"

	"github.com/twmb/franz-go/pkg/kfake"
)

// runPartop runs the whole command for about a second and returns its exit
// code, stderr and the summary line (nil if there is none).
func runPartop(t *testing.T, args ...string) (int, string, map[string]any) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(append([]string{"--headless", "--duration", "1s", "--rate", "500"}, args...), &out, &errs)
	if strings.Contains(out.String()+errs.String(), clustertest.Secret) {
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

// TestTLSAndSASLEndToEnd: the whole command against a kfake cluster behind
// TLS with SASL users: every mechanism and a server name succeed, and a
// wrong password, server name or CA exits 1 naming what failed.
func TestTLSAndSASLEndToEnd(t *testing.T) {
	t.Parallel()
	p, addr := saslCluster(t)
	passFile := clustertest.WriteFile(t, t.TempDir(), "pass", clustertest.Secret+"\n")
	wrongFile := clustertest.WriteFile(t, t.TempDir(), "wrong", clustertest.Secret+"-wrong\n")
	base := []string{"--brokers", addr, "--tls-ca", p.CA, "--create"}
	plain := []string{"--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user", "--sasl-password-file", passFile}
	// Each case is a run of about a second on its own topic: in parallel.
	cases := []tlsCase{
		{"server-name", append(append([]string{"--topic", "sn", "--tls-server-name", "localhost"}, base...), plain...), succeeded},
		// kfake hangs up on a bad password where Kafka answers
		// SASL_AUTHENTICATION_FAILED (see backend/kafka/e2e for that message).
		{"wrong-password", append([]string{"--topic", "wp", "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "scram-user", "--sasl-password-file", wrongFile}, base...),
			failedNaming(addr)},
		{"wrong-server-name", append(append([]string{"--topic", "wsn", "--tls-server-name", "kafka.example"}, base...), plain...), failedNaming("kafka.example")},
		{"unknown-CA", append([]string{"--brokers", addr, "--tls", "--topic", "uca"}, plain...), failedNaming("unknown authority")},
		{"insecure-skip-verify", append([]string{"--brokers", addr, "--create", "--tls-insecure-skip-verify", "--topic", "isv"}, plain...), succeeded},
	}
	for _, mech := range []struct{ name, user string }{
		{"PLAIN", "plain-user"}, {"SCRAM-SHA-256", "scram-user"}, {"SCRAM-SHA-512", "scram-user"},
	} {
		cases = append(cases, tlsCase{mech.name, append([]string{"--topic", "file-" + mech.name, "--sasl-mechanism", mech.name, "--sasl-user", mech.user, "--sasl-password-file", passFile}, base...), succeeded})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			code, stderr, sum := runPartop(t, c.args...)
			c.want(t, code, stderr, sum)
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}

// tlsCase is one run of TestTLSAndSASLEndToEnd and what it must end in.
type tlsCase struct {
	name string
	args []string
	want func(t *testing.T, code int, stderr string, sum map[string]any)
}

// TestSASLPasswordFromEnv: the password from $PARTOP_SASL_PASSWORD (not in
// parallel: the environment is the process's).
func TestSASLPasswordFromEnv(t *testing.T) {
	p, addr := saslCluster(t)
	t.Setenv(cluster.PasswordEnv, clustertest.Secret)
	code, stderr, sum := runPartop(t, "--brokers", addr, "--tls-ca", p.CA, "--create", "--topic", "env", "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-user", "scram-user")
	succeeded(t, code, stderr, sum)
}

// saslCluster is a kfake cluster behind TLS with a PLAIN and a SCRAM user.
func saslCluster(t *testing.T) (*clustertest.PKI, string) {
	p := clustertest.NewPKI(t)
	users := []kfake.Opt{
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", clustertest.Secret),
		kfake.Superuser("SCRAM-SHA-256", "scram-user", clustertest.Secret),
		kfake.Superuser("SCRAM-SHA-512", "scram-user", clustertest.Secret),
	}
	return p, clustertest.KfakeTLS(t, p, false, users...)
}

// succeeded: partop ran, acknowledged records and failed none.
func succeeded(t *testing.T, code int, stderr string, sum map[string]any) {
	t.Helper()
	if code != 0 || sum == nil {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if acked, _ := sum["acked"].(float64); acked <= 0 || sum["errors"] != 0.0 {
		t.Fatalf("summary acked %v errors %v", sum["acked"], sum["errors"])
	}
}

// failedNaming: partop exited 1 with an error that names what.
func failedNaming(what string) func(t *testing.T, code int, stderr string, _ map[string]any) {
	return func(t *testing.T, code int, stderr string, _ map[string]any) {
		t.Helper()
		if code != 1 || !strings.Contains(stderr, what) {
			t.Fatalf("exit %d, stderr %q, want exit 1 naming %q", code, stderr, what)
		}
	}
}
