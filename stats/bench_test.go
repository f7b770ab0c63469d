package stats

import (
	"testing"
	"time"
)

// fullSampler has n partitions and a full history ring.
func fullSampler(b *testing.B, n int32) *Sampler {
	c := NewCounters(int(n))
	s := NewSampler(c, Config{})
	for i := range s.cfg.History + 10 {
		for p := range n {
			c.Ack(p, 100)
		}
		s.Sample(t0.Add(time.Duration(i) * 250 * time.Millisecond))
	}
	return s
}

// BenchmarkSnapshot1024 is the goal "Snapshot() with 1,024 partitions and
// full history: <= 1 ms".
func BenchmarkSnapshot1024(b *testing.B) {
	s := fullSampler(b, 1024)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Snapshot()
	}
}

// BenchmarkSample1024 is the per-tick cost of reading 1,024 counters.
func BenchmarkSample1024(b *testing.B) {
	s := fullSampler(b, 1024)
	at := t0.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(250 * time.Millisecond)
		s.Sample(at)
	}
}

// BenchmarkAck is the per-record cost of counting an acknowledgement.
func BenchmarkAck(b *testing.B) {
	c := NewCounters(8)
	b.RunParallel(func(pb *testing.PB) {
		var p int32
		for pb.Next() {
			c.Ack(p&7, 100)
			p++
		}
	})
}

// BenchmarkSnapshot10000 is the engine's per-sample copy for a wide topic
// (observe mode samples once a poll).
func BenchmarkSnapshot10000(b *testing.B) {
	s := fullSampler(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Snapshot()
	}
}

// BenchmarkSample10000 reads 10,000 counters.
func BenchmarkSample10000(b *testing.B) {
	s := fullSampler(b, 10000)
	at := t0.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(time.Second)
		s.Sample(at)
	}
}

// BenchmarkAckSerial is Ack as a Kafka producer calls it: from kgo's
// promise, which calls every promise from one goroutine at a time.
func BenchmarkAckSerial(b *testing.B) {
	c := NewCounters(8)
	var p int32
	for b.Loop() {
		c.Ack(p&7, 116)
		p++
	}
}
