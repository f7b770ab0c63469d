// Package sourcetest holds a fake traffic source for tests of the engine
// and its views: no cluster, no network, deterministic inside a
// testing/synctest bubble. The test acknowledges records and reports
// facts; Grow adds partitions to an in-memory topic.
package sourcetest

import (
	"context"
	"errors"
	"sync"
	"time"

	"partop/rules"
	"partop/source"
	"partop/stats"
)

// Source is a fake source.Source: an observer unless wrapped in a Sender.
type Source struct {
	about    source.About
	counters *stats.Counters
	reports  source.Reports
	started  chan struct{} // closed when Run begins

	mu         sync.Mutex
	partitions int
	closed     bool
	// CloseErr is what Close returns (records it could not flush).
	CloseErr error
	// GrowTakes is how long Grow's admin call takes.
	GrowTakes time.Duration
	// DuringGrow, when set, runs inside Grow after the partitions exist
	// and before Grow returns: a watcher seeing them early.
	DuringGrow func(from, to int)
}

// NewSource makes a fake source on a topic of partitions, described by
// about (its Leaders are filled in when empty).
func NewSource(partitions int, about source.About) *Source {
	if about.Leaders == nil {
		about.Leaders = make([]int32, partitions)
	}
	return &Source{about: about, counters: stats.NewCounters(partitions), partitions: partitions, started: make(chan struct{})}
}

// About implements source.Source.
func (s *Source) About() source.About { return s.about }

// Counters implements source.Source.
func (s *Source) Counters() *stats.Counters { return s.counters }

// Run implements source.Source: it takes the reporter and waits for ctx.
func (s *Source) Run(ctx context.Context, r source.Reporter) {
	s.reports.Set(r)
	close(s.started)
	<-ctx.Done()
}

// Started is closed once Run has the engine's reporter.
func (s *Source) Started() <-chan struct{} { return s.started }

// Close implements source.Source.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.CloseErr
}

// Closed reports whether Close was called.
func (s *Source) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Grow implements source.Source on the in-memory topic, with Kafka's rule.
func (s *Source) Grow(ctx context.Context, target func(int) int) (from, to int, err error) {
	s.mu.Lock()
	from = s.partitions
	to = target(from)
	if err := rules.CheckGrow("", from, to); err != nil {
		s.mu.Unlock()
		return from, from, err
	}
	s.partitions = to
	during, takes := s.DuringGrow, s.GrowTakes
	s.mu.Unlock()
	if during != nil {
		during(from, to)
	}
	select {
	case <-ctx.Done():
		return from, from, ctx.Err()
	case <-time.After(takes):
	}
	return from, to, nil
}

// Report hands f to the engine running the source.
func (s *Source) Report(f source.Fact) { s.reports.Report(f) }

// Ack counts n acknowledged records of 100 bytes on partition p, now.
func (s *Source) Ack(p int32, n int) {
	for range n {
		s.counters.Ack(p, 100)
	}
}

// AckEach counts n records on every partition from 0 to partitions-1.
func (s *Source) AckEach(partitions, n int) {
	for p := range partitions {
		s.Ack(int32(p), n)
	}
}

// Sender is a fake source.Sender: a Source with a rate and pause, that
// holds as many records as the test says (source.Holder).
type Sender struct {
	*Source
	mu     sync.Mutex
	rate   float64
	paused bool
	held   int64
}

// Held implements source.Holder.
func (s *Sender) Held() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Hold sets how many records the sender holds.
func (s *Sender) Hold(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = n
}

// NewSender makes a fake sender at rate on a topic of partitions.
func NewSender(partitions int, rate float64, about source.About) *Sender {
	about.Routes = true
	return &Sender{Source: NewSource(partitions, about), rate: rate}
}

// Rate implements source.Sender.
func (s *Sender) Rate() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rate
}

// SetRate implements source.Sender.
func (s *Sender) SetRate(r float64) error {
	if r < 0 {
		return errors.New("negative rate")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = r
	return nil
}

// Paused implements source.Sender.
func (s *Sender) Paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused
}

// SetPaused implements source.Sender.
func (s *Sender) SetPaused(p bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused = p
}

var (
	_ source.Source = (*Source)(nil)
	_ source.Sender = (*Sender)(nil)
	_ source.Holder = (*Sender)(nil)
)

// Discard is a source.Reporter that drops every fact.
var Discard source.Reporter = discard{}

type discard struct{}

func (discard) Report(source.Fact) {}

// Recorder is a source.Reporter for tests of a source on its own: it
// delivers steps on a channel and keeps every other fact.
type Recorder struct {
	steps chan time.Time
	mu    sync.Mutex
	facts []source.Fact
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{steps: make(chan time.Time, 1024)} }

// Report implements source.Reporter. Steps beyond 1,024 unread ones are
// dropped.
func (r *Recorder) Report(f source.Fact) {
	if s, ok := f.(source.Step); ok {
		select {
		case r.steps <- s.At:
		default:
		}
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.facts = append(r.facts, f)
}

// Steps delivers the times of the steps reported.
func (r *Recorder) Steps() <-chan time.Time { return r.steps }

// Facts are the facts reported so far, steps aside, oldest first.
func (r *Recorder) Facts() []source.Fact {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]source.Fact(nil), r.facts...)
}

// Producers is the latest producers list reported; zero before one.
func (r *Recorder) Producers() source.Producers {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.facts) - 1; i >= 0; i-- {
		if p, ok := r.facts[i].(source.ProducersSeen); ok {
			return p.Producers
		}
	}
	return source.Producers{}
}
