package kproducer

import (
	"context"
	"strings"
	"testing"
	"time"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/internal/waitfor"
	"partop/producer"
	"partop/rules"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestAckedEqualsHighWatermarkGrowth(t *testing.T) {
	t.Parallel()
	for _, part := range rules.KafkaRules.Partitioners {
		t.Run(part, func(t *testing.T) {
			c, _ := embeddedtest.Start(t, "hw", 3)
			p, eng := running(t, c, Config{Config: producer.Config{Topic: "hw", Rate: 0, Partitioner: part, Keys: map[bool]string{true: rules.KeysZipf}[part == rules.KeyHash]}})
			ctx := context.Background()
			waitfor.That(t, 10*time.Second, "records to flow", func() bool { return total(p) > 1000 })
			add(t, eng, 2)
			waitfor.That(t, 10*time.Second, "more records", func() bool { return total(p) > 20000 })
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			ends, err := c.EndOffsets(ctx, "hw")
			if err != nil {
				t.Fatal(err)
			}
			totals := p.Counters().Read()
			if len(ends) != 5 || len(totals) != 5 {
				t.Fatalf("%d end offsets, %d counters; want 5 each", len(ends), len(totals))
			}
			for i, tt := range totals {
				if int64(tt.Acked) != ends[int32(i)] {
					t.Errorf("partition %d: acked %d, high watermark %d", i, tt.Acked, ends[int32(i)])
				}
				if at, off := p.Counters().FirstRecord(int32(i)); tt.Acked > 0 && (at.IsZero() || off != 0) {
					t.Errorf("partition %d: first record at offset %d (acknowledged %v); want offset 0: partop wrote the new topic's first records", i, off, at)
				}
				if tt.Errors != 0 {
					t.Errorf("partition %d: %d errors (%s)", i, tt.Errors, tt.LastError)
				}
			}
		})
	}
}

func total(p *Producer) uint64 {
	var n uint64
	for _, t := range p.Counters().Read() {
		n += t.Acked
	}
	return n
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := (Config{Config: producer.Config{Topic: "t"}, DiscoveryInterval: time.Millisecond}).Validate(); err == nil {
		t.Error("a 1ms discovery interval accepted")
	}
	if err := (Config{Config: producer.Config{Topic: "t", Partitioner: rules.LeastBackup}}).Validate(); err != nil {
		t.Errorf("least-backup on Kafka: %v", err)
	}
	if err := (Config{Config: producer.Config{Topic: "bad/name"}}).Validate(); err == nil {
		t.Error("a bad Kafka topic name accepted")
	}
}

func TestCloseWithDeadClusterReturnsInTime(t *testing.T) {
	t.Parallel()
	c, _ := embeddedtest.Start(t, "dead", 2)
	p, _ := running(t, c, Config{Config: producer.Config{Topic: "dead", Rate: 0, FlushTimeout: 500 * time.Millisecond}, ClientOpts: nil})
	waitfor.That(t, 10*time.Second, "records to flow", func() bool { return total(p) > 100 })
	c.Close() // the brokers go away with records in flight
	start := time.Now()
	err := p.Close()
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Close took %s with a 500ms flush timeout", took)
	}
	if err == nil || !strings.Contains(err.Error(), "not acknowledged") {
		t.Fatalf("Close error = %v, want a count of unacknowledged records", err)
	}
}

var _ kgo.Partitioner = (*routing)(nil)
