package producer

import (
	"context"
	"strings"
	"testing"
	"time"

	"partop/cluster/embeddedtest"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestAckedEqualsHighWatermarkGrowth(t *testing.T) {
	for _, part := range Partitioners {
		t.Run(part, func(t *testing.T) {
			c, _ := embeddedtest.Start(t, "hw", 3)
			p := running(t, c, Config{Topic: "hw", Rate: 0, Partitioner: part, Keys: map[bool]string{true: KeysZipf}[part == KeyHash]})
			ctx := context.Background()
			embeddedtest.WaitFor(t, 10*time.Second, "records to flow", func() bool { return total(p) > 1000 })
			if _, _, err := p.Grow(ctx, func(n int) int { return n + 2 }); err != nil {
				t.Fatal(err)
			}
			embeddedtest.WaitFor(t, 10*time.Second, "more records", func() bool { return total(p) > 20000 })
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

// TestPauseAndRate: pausing stops the send loop before SetPaused returns,
// so after a flush the count stays put; a rate change re-paces the loop.
// No timing bound decides the outcome: the counts are compared after
// flushes, and the rates differ by a factor no machine blurs.
func TestPauseAndRate(t *testing.T) {
	c, _ := embeddedtest.Start(t, "rate", 2)
	p := running(t, c, Config{Topic: "rate", Rate: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	embeddedtest.WaitFor(t, 10*time.Second, "records to flow", func() bool { return total(p) > 0 })

	// At 5/s, the loop may run ahead of its plan by at most one record
	// plus its backlog allowance.
	start, n0 := time.Now(), total(p)
	time.Sleep(600 * time.Millisecond)
	if err := p.Client().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, most := total(p)-n0, 5*time.Since(start).Seconds()+5*maxBacklog.Seconds()+2; float64(got) > most {
		t.Fatalf("at 5 records/s the producer sent %d records in %s (at most %.1f)", got, time.Since(start), most)
	}

	p.SetPaused(true)
	if !p.Paused() {
		t.Fatal("not paused")
	}
	if err := p.Client().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	before := total(p)
	if err := p.SetRate(0); err != nil { // unlimited, yet paused
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := p.Client().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if after := total(p); after != before {
		t.Fatalf("paused producer acked %d more records", after-before)
	}
	if err := p.SetRate(-1); err == nil {
		t.Fatal("negative rate accepted")
	}
	p.SetPaused(false)
	// Unlimited: 20,000 records would take more than an hour at 5/s.
	embeddedtest.WaitFor(t, 20*time.Second, "20,000 records after resuming at full speed", func() bool { return total(p) >= before+20000 })
}

func TestValuesCarryRunAndSequence(t *testing.T) {
	m := NewRecords(Config{ValueSize: 40, Keys: KeysUniform, KeySpace: 3}, 77)
	for want := range uint64(5) {
		k, v := m.Next()
		run, seq, ok := ParseValue(v)
		if !ok || run != 77 || seq != want || len(v) != 40 {
			t.Fatalf("value %d: run %d seq %d ok %v len %d", want, run, seq, ok, len(v))
		}
		if !strings.HasPrefix(string(k), "key-") {
			t.Fatalf("key %q", k)
		}
	}
	if _, _, ok := ParseValue([]byte("short")); ok {
		t.Fatal("short value parsed")
	}
}

func TestConfigValidate(t *testing.T) {
	bad := map[string]Config{
		"unknown partitioner": {Topic: "t", Partitioner: "random"},
		"unknown key mode":    {Topic: "t", Keys: "sorted"},
		"key-hash no keys":    {Topic: "t", Partitioner: KeyHash, Keys: KeysNone},
		"negative rate":       {Topic: "t", Rate: -5},
		"tiny value":          {Topic: "t", ValueSize: 8},
		"no topic":            {},
		"fast discovery":      {Topic: "t", DiscoveryInterval: time.Millisecond},
	}
	for name, cfg := range bad {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (Config{Topic: "t", Partitioner: KeyHash}).Validate(); err != nil {
		t.Errorf("key-hash with default keys: %v", err)
	}
}

func TestCloseWithDeadClusterReturnsInTime(t *testing.T) {
	c, _ := embeddedtest.Start(t, "dead", 2)
	p := running(t, c, Config{Topic: "dead", Rate: 0, FlushTimeout: 500 * time.Millisecond, ClientOpts: nil})
	embeddedtest.WaitFor(t, 10*time.Second, "records to flow", func() bool { return total(p) > 100 })
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

var _ kgo.Partitioner = (*observing)(nil)
