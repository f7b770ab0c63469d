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

func TestTLSAndSASLEndToEnd(t *testing.T) {
	p := clustertest.NewPKI(t)
	users := []kfake.Opt{
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", clustertest.Secret),
		kfake.Superuser("SCRAM-SHA-256", "scram-user", clustertest.Secret),
		kfake.Superuser("SCRAM-SHA-512", "scram-user", clustertest.Secret),
	}
	addr := clustertest.KfakeTLS(t, p, false, users...)
	passFile := clustertest.WriteFile(t, t.TempDir(), "pass", clustertest.Secret+"\n")
	ok := func(t *testing.T, code int, stderr string, sum map[string]any) {
		t.Helper()
		if code != 0 || sum == nil {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if acked, _ := sum["acked"].(float64); acked <= 0 || sum["errors"] != 0.0 {
			t.Fatalf("summary acked %v errors %v", sum["acked"], sum["errors"])
		}
	}
	base := []string{"--brokers", addr, "--tls-ca", p.CA, "--create"}
	for _, mech := range []struct{ name, user string }{
		{"PLAIN", "plain-user"}, {"SCRAM-SHA-256", "scram-user"}, {"SCRAM-SHA-512", "scram-user"},
	} {
		t.Run(mech.name+"/env", func(t *testing.T) {
			t.Setenv(cluster.PasswordEnv, clustertest.Secret)
			code, stderr, sum := runPartop(t, append(base, "--topic", "env-"+mech.name, "--sasl-mechanism", mech.name, "--sasl-user", mech.user)...)
			ok(t, code, stderr, sum)
		})
		t.Run(mech.name+"/file", func(t *testing.T) {
			code, stderr, sum := runPartop(t, append(base, "--topic", "file-"+mech.name, "--sasl-mechanism", mech.name, "--sasl-user", mech.user, "--sasl-password-file", passFile)...)
			ok(t, code, stderr, sum)
		})
	}
	t.Run("server-name", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, clustertest.Secret)
		code, stderr, sum := runPartop(t, append(base, "--topic", "sn", "--tls-server-name", "localhost", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")...)
		ok(t, code, stderr, sum)
	})
	t.Run("wrong-password", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, clustertest.Secret+"-wrong")
		start := time.Now()
		// kfake hangs up on a bad password where Kafka answers
		// SASL_AUTHENTICATION_FAILED (see backend/kafka/e2e for that message).
		code, stderr, _ := runPartop(t, append(base, "--topic", "wp", "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "scram-user")...)
		if code != 1 || !strings.Contains(stderr, addr) || time.Since(start) > 10*time.Second {
			t.Fatalf("exit %d after %s, stderr %q", code, time.Since(start), stderr)
		}
	})
	t.Run("wrong-server-name", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, clustertest.Secret)
		code, stderr, _ := runPartop(t, append(base, "--topic", "wsn", "--tls-server-name", "kafka.example", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")...)
		if code != 1 || !strings.Contains(stderr, "kafka.example") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("unknown-CA", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, clustertest.Secret)
		code, stderr, _ := runPartop(t, "--brokers", addr, "--tls", "--topic", "uca", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")
		if code != 1 || !strings.Contains(stderr, "unknown authority") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("insecure-skip-verify", func(t *testing.T) {
		t.Setenv(cluster.PasswordEnv, clustertest.Secret)
		code, stderr, sum := runPartop(t, "--brokers", addr, "--create", "--tls-insecure-skip-verify", "--topic", "isv", "--sasl-mechanism", "PLAIN", "--sasl-user", "plain-user")
		ok(t, code, stderr, sum)
	})
}
