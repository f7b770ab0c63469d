//go:build kafka

package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/kproducer"
	"partop/engine"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"
)

// TestSASLSSL: alice (a super user) produces and adds partitions through
// the SASL_SSL listener with partop's own flags, over SCRAM-SHA-256 (the
// password in $PARTOP_SASL_PASSWORD) and SCRAM-SHA-512 (in a file).
func TestSASLSSL(t *testing.T) {
	passFile := filepath.Join(t.TempDir(), "alice.pass")
	if err := os.WriteFile(passFile, []byte("alice-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mech string
		env  []string
		args []string
	}{
		{"SCRAM-SHA-256", []string{"PARTOP_SASL_PASSWORD=alice-secret"}, nil},
		{"SCRAM-SHA-512", []string{"PARTOP_SASL_PASSWORD="}, []string{"--sasl-password-file", passFile}},
	} {
		t.Run(tc.mech, func(t *testing.T) {
			topic := topicName("sasl-" + strings.ToLower(tc.mech))
			createTopic(t, topic, 4, 1, nil) // --create below finds it: see TestCreateTopic
			args := append([]string{"--brokers", joinComma(env.saslBrokers), "--tls-ca", env.ca,
				"--sasl-mechanism", tc.mech, "--sasl-user", "alice", "--create", "--topic", topic,
				"--duration", "6s", "--partitioner", "round-robin", "--discovery-interval", "500ms", "--at", "2s:add=2"}, tc.args...)
			code, stderr, _, sum := headless(t, time.Minute, tc.env, nil, args...)
			if strings.Contains(stderr, "alice-secret") {
				t.Fatal("the password appears on stderr")
			}
			if code != 0 || sum == nil {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			exps := expansions(sum)
			if len(exps) != 1 || exps[0]["by"] != "partop" || exps[0]["to"] != 6.0 {
				t.Fatalf("expansions %v, want one by partop to 6", exps)
			}
			if exps[0]["pickup_ms"] == nil {
				t.Fatalf("the producer never used the 2 partitions added at 2s (no pickup_ms by the end at 6s): %v", exps[0])
			}
			if sum["partitions"] != 6.0 || num(sum, "acked") <= 0 || num(sum, "errors") != 0 {
				t.Fatalf("summary partitions %v acked %v errors %v", sum["partitions"], sum["acked"], sum["errors"])
			}
			read := len(readBack(t, topic))
			if float64(read) != num(sum, "acked") {
				t.Errorf("acked %v, read back %d", sum["acked"], read)
			}
			report(t, "alice over SASL_SSL %s: acked=%v read_back=%d, add=2 pickup_ms=%v", tc.mech, sum["acked"], read, exps[0]["pickup_ms"])
		})
	}
}

// TestClearFailures: each way of getting the connection wrong fails fast,
// with a message that says what is wrong and never the password.
func TestClearFailures(t *testing.T) {
	t.Run("wrong-port", func(t *testing.T) {
		const addr = "127.0.0.1:29099" // no node listens here
		start := time.Now()
		_, err := cluster.Open(context.Background(), cluster.Config{Brokers: []string{addr}})
		if err == nil || !strings.Contains(err.Error(), addr) {
			t.Fatalf("cluster.Open(%s) = %v; want an error naming the address", addr, err)
		}
		took := time.Since(start)
		code, stderr, _, _ := headless(t, time.Minute, nil, nil, "--brokers", addr, "--topic", "x", "--duration", "5s")
		if code != 1 || !strings.Contains(stderr, addr) {
			t.Fatalf("partop: exit %d, stderr %q", code, stderr)
		}
		report(t, "failed in %s: %v", ms(took), err)
	})

	t.Run("tls-to-plaintext", func(t *testing.T) {
		start := time.Now()
		code, stderr, _, _ := headless(t, time.Minute, nil, nil, "--brokers", env.brokers[0], "--tls-ca", env.ca, "--topic", "x", "--duration", "5s")
		took := time.Since(start)
		if code != 1 || !strings.Contains(stderr, "TLS") || !strings.Contains(stderr, env.brokers[0]) || took > 12*time.Second {
			t.Fatalf("exit %d after %s, stderr %q; want exit 1 within ~10s naming TLS", code, took, stderr)
		}
		// The engine with kgo's own TLS dialer says the same.
		_, err := cluster.Open(context.Background(), cluster.Config{Brokers: env.brokers[:1], Security: cluster.Security{CAFile: env.ca}})
		if err == nil || !strings.Contains(err.Error(), "TLS") {
			t.Errorf("cluster.Open with TLS to PLAINTEXT: %v", err)
		}
		report(t, "partop exited %d in %s: %s", code, ms(took), strings.TrimSpace(stderr))
	})

	t.Run("plaintext-to-tls", func(t *testing.T) {
		start := time.Now()
		code, stderr, _, _ := headless(t, time.Minute, nil, nil, "--brokers", env.saslBrokers[0], "--topic", "x", "--duration", "5s")
		took := time.Since(start)
		if code != 1 || !strings.Contains(stderr, "tls") || took > 12*time.Second {
			t.Fatalf("exit %d after %s, stderr %q", code, took, stderr)
		}
		report(t, "partop exited %d in %s: %s", code, ms(took), strings.TrimSpace(stderr))
	})

	t.Run("wrong-password", func(t *testing.T) {
		const wrong = "not-alice-secret"
		start := time.Now()
		code, stderr, _, _ := headless(t, time.Minute, []string{"PARTOP_SASL_PASSWORD=" + wrong}, nil,
			"--brokers", joinComma(env.saslBrokers), "--tls-ca", env.ca, "--sasl-mechanism", "SCRAM-SHA-256",
			"--sasl-user", "alice", "--topic", "x", "--duration", "5s")
		took := time.Since(start)
		if strings.Contains(stderr, wrong) {
			t.Fatalf("the password appears on stderr: %q", stderr)
		}
		if code != 1 || !strings.Contains(stderr, "authentication failed") || took > 12*time.Second {
			t.Fatalf("exit %d after %s, stderr %q; want exit 1 saying authentication failed", code, took, stderr)
		}
		_, err := cluster.Open(context.Background(), cluster.Config{Brokers: env.saslBrokers, Security: scram("alice", wrong)})
		if !errors.Is(err, kerr.SaslAuthenticationFailed) {
			t.Errorf("cluster.Open with a wrong password = %v; want SASL_AUTHENTICATION_FAILED", err)
		}
		report(t, "partop exited %d in %s: %s", code, ms(took), strings.TrimSpace(stderr))
	})

	t.Run("sasl-without-tls", func(t *testing.T) {
		code, stderr, _, _ := headless(t, time.Minute, []string{"PARTOP_SASL_PASSWORD=alice-secret"}, nil,
			"--brokers", joinComma(env.saslBrokers), "--sasl-mechanism", "SCRAM-SHA-256",
			"--sasl-user", "alice", "--topic", "x", "--duration", "5s")
		if code != 1 || !strings.Contains(stderr, "tls") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		report(t, "partop exited %d: %s", code, strings.TrimSpace(stderr))
	})
}

// TestNotAllowedToGrow: bob may write but not alter topics. Adding
// partitions fails with an authorization error, the producer keeps
// acknowledging, and the headless output says what failed.
func TestNotAllowedToGrow(t *testing.T) {
	topic := topicName("bob")
	createTopic(t, topic, 4, 1, nil)

	t.Run("kproducer.Grow", func(t *testing.T) {
		c := openCluster(t, env.saslBrokers, scram("bob", "bob-secret"))
		l := newLedger()
		p := startProducer(t, c, kproducer.Config{Config: producer.Config{Topic: topic, Rate: 1000, Partitioner: rules.RoundRobin}}, l)
		eng := p.eng // its Apply logs what failed
		waitfor.That(t, 30*time.Second, "acks on all 4 partitions", func() bool { return firstAcks(p, 0, 4) })
		err := eng.Apply(context.Background(), engine.Action{Kind: engine.ActAdd, N: 2})
		if !errors.Is(err, kerr.TopicAuthorizationFailed) && !errors.Is(err, kerr.ClusterAuthorizationFailed) {
			t.Fatalf("Apply(add=2) as bob = %v; want an authorization error", err)
		}
		if !strings.Contains(err.Error(), "AUTHORIZATION_FAILED") || !strings.Contains(err.Error(), topic) {
			t.Errorf("error %q does not say authorization and name the topic", err)
		}
		before := ackedTotal(p)
		time.Sleep(2 * time.Second)
		after := ackedTotal(p)
		if after-before < 1000 {
			t.Errorf("after the failed Grow the producer acked %d records in 2s at 1000/s", after-before)
		}
		var logged bool
		evs := eng.Snapshot().Events
		for _, e := range evs {
			if e.Kind == engine.KindError && strings.Contains(e.Message, "AUTHORIZATION_FAILED") {
				logged = true
			}
		}
		if !logged {
			t.Errorf("no error event about authorization in %v", evs)
		}
		if v := eng.Snapshot().TopicState; v.Partitions != 4 || v.Cluster != 4 {
			t.Errorf("view %d routed / %d in cluster, want 4 / 4", v.Partitions, v.Cluster)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		report(t, "Grow failed: %v | acked %d in the 2s after it, %d errors", err, after-before, errorTotal(p))
	})

	t.Run("headless", func(t *testing.T) {
		code, stderr, lines, sum := headless(t, time.Minute, []string{"PARTOP_SASL_PASSWORD=bob-secret"}, nil,
			"--brokers", joinComma(env.saslBrokers), "--tls-ca", env.ca, "--sasl-mechanism", "SCRAM-SHA-512",
			"--sasl-user", "bob", "--topic", topic, "--duration", "6s", "--at", "2s:add=2")
		if sum == nil {
			t.Fatalf("no summary; exit %d, stderr:\n%s", code, stderr)
		}
		if code != 1 || !strings.Contains(stderr, "AUTHORIZATION_FAILED") {
			t.Errorf("exit %d, stderr %q; want 1 and the authorization error", code, stderr)
		}
		failed, _ := sum["failed_actions"].([]any)
		if len(failed) != 1 || !strings.Contains(failed[0].(string), "AUTHORIZATION_FAILED") || !strings.HasPrefix(failed[0].(string), "2s:add=2") {
			t.Errorf("failed_actions %v", sum["failed_actions"])
		}
		var logged bool
		evs, _ := sum["events"].([]any)
		for _, e := range evs {
			m := e.(map[string]any)
			if m["kind"] == "error" && strings.Contains(m["message"].(string), "AUTHORIZATION_FAILED") {
				logged = true
			}
		}
		if !logged {
			t.Errorf("no error event about authorization in %v", evs)
		}
		// Still producing after the failure at 2s: acked grows from the line
		// at t≈3s to the end.
		var at3 float64 = -1
		for _, l := range lines {
			if l["summary"] != true && num(l, "t") >= 3 && at3 < 0 {
				at3 = num(l, "acked")
			}
		}
		if at3 < 0 || num(sum, "acked")-at3 < 2000 || num(sum, "errors") != 0 || sum["partitions"] != 4.0 {
			t.Errorf("acked %v at t≈3s, %v at the end (want 2000+ more at 1000/s), errors %v, partitions %v", at3, sum["acked"], sum["errors"], sum["partitions"])
		}
		report(t, "exit %d, failed_actions=%v | acked %v after the failure, %v in all, errors %v", code, failed, num(sum, "acked")-at3, sum["acked"], sum["errors"])
	})
}
