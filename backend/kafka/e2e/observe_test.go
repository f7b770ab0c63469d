//go:build kafka

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/backend/kafka/observe"
	"partop/internal/waitfor"
	"partop/rules"
	"partop/source"
)

// TestObserveProducers: two producers like a Java service with default
// settings (idempotent kgo clients, sticky partitioning) write to a
// 4-partition topic, one with the default 5-minute metadata age, one
// refreshing every second; the topic grows to 8 from outside. Observe mode
// (in-process with the engine, and the partop command) reports the first
// stale and the second adopted within 15 s (the 10 s grace period, the
// 1 s metadata poll that sees the expansion, and a look as the grace period
// ends), not before the grace period is over, per-partition rates within 5%
// of what the producers acknowledged over the same 10 s windows, and once
// the stale producer restarts with a new id, its old id stops being stale
// (idle after a window, then gone).
func TestObserveProducers(t *testing.T) {
	topic := topicName("observe")
	createTopic(t, topic, 4, 1, nil)
	base := []kgo.Opt{kgo.SeedBrokers(env.brokers...), kgo.DefaultProduceTopic(topic)}
	old := startWriter(t, 2000, base...) // kgo's default metadata age: 5 minutes
	quick := startWriter(t, 2000, append(base, kgo.MetadataMaxAge(time.Second), kgo.MetadataMinAge(500*time.Millisecond))...)
	writers := []*writer{old, quick}
	waitfor.That(t, 30*time.Second, "both producers acknowledged records", func() bool { return old.total() > 0 && quick.total() > 0 })

	// Defaults (producers every 10 s, 10 s grace, 30 s window), and one
	// listing every 2 s (a 6 s window) to see an id dropped within the test.
	dflt := observeInProcess(t, openCluster(t, env.brokers, cluster.Security{}), topic, observe.Config{})
	brisk := observeInProcess(t, openCluster(t, env.brokers, cluster.Security{}), topic, observe.Config{ProducersInterval: 2 * time.Second})
	bin := startBinary(t, "--observe", "--headless", "--brokers", joinComma(env.brokers), "--topic", topic)
	waitfor.That(t, 20*time.Second, "both producers listed as active", func() bool {
		ps := dflt.eng.Snapshot().Producers
		return state(ps, old.id) == source.ProducerActive && state(ps, quick.id) == source.ProducerActive
	})

	// kgo loads a new topic's metadata a second time, MetadataMinAge (5 s
	// by default) after the first, when records came while the first load
	// was in flight ("reload trigger due to produce topic still not
	// known"). An expansion before that second load reaches the old
	// producer too, and it rightly adopts the new partitions rather than
	// going stale: on a cluster warm from earlier tests the producers start
	// within 0.5 s and the topic grew before it. Grow once the old
	// producer's last load is older than that.
	const kgoMinAge = 5 * time.Second
	waitfor.That(t, 30*time.Second, "the old producer's last metadata load over 5s ago", func() bool {
		return time.Since(old.lastMetadata()) > kgoMinAge+time.Second
	})

	grown := grow(t, topic, 8)
	var stale, adopted time.Duration
	waitfor.That(t, 15*time.Second, "the old producer stale and the quick one adopted", func() bool {
		if at := old.lastMetadata(); at.After(grown) {
			t.Fatalf("the old producer loaded metadata %s after the expansion: it can adopt, the test cannot judge staleness", ms(at.Sub(grown)))
		}
		ps := dflt.eng.Snapshot().Producers
		if stale == 0 && state(ps, old.id) == source.ProducerStale {
			stale = time.Since(grown)
		}
		if adopted == 0 && state(ps, quick.id) == source.ProducerAdopted {
			adopted = time.Since(grown)
		}
		return stale > 0 && adopted > 0
	})
	report(t, "stale after %s | adopted after %s (default settings, from the expansion)", ms(stale), ms(adopted))
	if stale < rules.DefaultProducersGrace-time.Second {
		t.Errorf("the old producer stale %s after the expansion, before the %s grace period was over", ms(stale), rules.DefaultProducersGrace)
	}

	old.close() // restarted: a new id, fresh metadata
	restarted := time.Now()
	again := startWriter(t, 2000, base...)
	writers = append(writers, again)
	var gone time.Duration
	waitfor.That(t, 3*rules.DefaultProducersInterval+rules.DefaultProducersInterval+5*time.Second, "the old id idle", func() bool {
		if gone == 0 && state(brisk.eng.Snapshot().Producers, old.id) == "" {
			gone = time.Since(restarted)
		}
		s := state(dflt.eng.Snapshot().Producers, old.id)
		return s == source.ProducerIdle || s == ""
	})
	idle := time.Since(restarted)
	if s := state(dflt.eng.Snapshot().Producers, again.id); s != source.ProducerAdopted {
		t.Errorf("the restarted producer (id %d) is %q, want adopted", again.id, s)
	}
	if gone == 0 || gone > 2*6*time.Second+2*time.Second+3*time.Second {
		t.Errorf("with a 6s window the old id was dropped after %s, want within two windows and a look", gone)
	}
	report(t, "old id idle after %s (30s window) | dropped after %s (6s window)", ms(idle), ms(gone))

	checkProducerRate(t, dflt.rec, quick)
	worst, windows := compareRates(t, "in-process", dflt.rec.snapshot(), writers)
	report(t, "per-partition rates vs acked, 10s windows: worst %.2f%% over %d windows (in-process)", 100*worst, windows)
	checkBinary(t, bin, writers, old.id, quick.id, grown, restarted)
}

// TestObserveProducersDenied: bob, denied Read on the topic, observes it:
// the producers list says DescribeProducers was denied and why, and records
// are counted all the same, in-process and by the partop command.
func TestObserveProducersDenied(t *testing.T) {
	topic := topicName("observe-denied")
	createTopic(t, topic, 2, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	deny := kadm.NewACLs().Deny("User:bob").Topics(topic).Operations(kadm.OpRead).ResourcePatternType(kadm.ACLPatternLiteral)
	adm := admin(t)
	if _, err := adm.CreateACLs(ctx, deny); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = adm.DeleteACLs(context.Background(), deny) })
	startWriter(t, 1000, kgo.SeedBrokers(env.brokers...), kgo.DefaultProduceTopic(topic))
	// Listing every second: the ACL reaches the brokers soon after.
	o := observeInProcess(t, openCluster(t, env.saslBrokers, scram("bob", "bob-secret")), topic, observe.Config{ProducersInterval: time.Second})
	waitfor.That(t, 15*time.Second, "the denial reported and records counted", func() bool {
		s := o.eng.Snapshot()
		return s.Producers.Err == observe.ProducersDenied && len(s.Producers.List) == 0 && s.Stats.Acked > 1000
	})

	code, stderr, lines, sum := headless(t, time.Minute, []string{"PARTOP_SASL_PASSWORD=bob-secret"}, nil,
		"--observe", "--brokers", env.saslBrokers[0], "--tls-ca", env.ca, "--sasl-mechanism", "SCRAM-SHA-256",
		"--sasl-user", "bob", "--topic", topic, "--duration", "6s")
	if code != 0 || sum == nil || num(sum, "acked") == 0 {
		t.Fatalf("partop --observe as bob: exit %d, summary %v; stderr:\n%s", code, sum != nil, stderr)
	}
	if got, _ := lines[len(lines)-1]["producers_error"].(string); got != observe.ProducersDenied {
		t.Errorf("partop --observe as bob: producers_error %q, want %q", got, observe.ProducersDenied)
	}
}

// TestObserveProducersNoIDs: a producer with idempotence off has no
// producer id, so Kafka answers DescribeProducers listing no one while its
// records come in: the list's note says so in the general words (a Kafka
// cluster is not partop's embedded one).
func TestObserveProducersNoIDs(t *testing.T) {
	topic := topicName("observe-noids")
	createTopic(t, topic, 2, 1, nil)
	w := startWriter(t, 1000, kgo.SeedBrokers(env.brokers...), kgo.DefaultProduceTopic(topic), kgo.DisableIdempotentWrite())
	if w.id != -1 {
		t.Fatalf("the writer without idempotence has producer id %d", w.id)
	}
	o := observeInProcess(t, openCluster(t, env.brokers, cluster.Security{}), topic, observe.Config{ProducersInterval: time.Second})
	waitfor.That(t, 15*time.Second, "the note on an empty list", func() bool {
		s := o.eng.Snapshot()
		return s.Producers.Note == observe.ProducersNoIDs && len(s.Producers.List) == 0 && s.Producers.Err == "" && s.Stats.Acked > 1000
	})
}
