package engine

import "time"

// Who changed the partition count.
const (
	ByPartop   = "partop"
	ByExternal = "external"
)

// Event kinds.
const (
	KindExpansion = "expansion"
	KindError     = "error"
	KindRate      = "rate"
	KindPause     = "pause"
	KindResume    = "resume"
	KindInfo      = "info"
	KindSession   = "session" // a viewer joined or left
)

// maxEvents bounds the event log, so memory stays flat however long partop
// runs; the oldest events go first.
const maxEvents = 1000

// Event is something an operator wants to see in the log. Expansions carry
// their pickup timeline; the others carry a message.
type Event struct {
	Kind    string
	At      time.Time // when it happened (for expansions: when first known)
	Message string

	// Expansion fields.
	From, To int
	By       string    // ByPartop or ByExternal
	Created  time.Time // the admin call that added them answered (partop-made only)
	Seen     time.Time // the watcher (or partop itself) knew of the new count
	Routed   time.Time // the source's routing table first had To partitions (zero when it cannot tell)
	FirstAck time.Time // the last of the new partitions got its first record
	// Balanced is when every new partition first carried at least
	// BalancedShare of the fair share (over the balance window).
	Balanced time.Time
	// Pickup runs from Start() to FirstAck; valid once Done.
	Pickup time.Duration
	Done   bool
	// Note explains a slow pickup when the source knows why (a sticky
	// partitioner fills one batch per partition at a time).
	Note string
	// FirstWrite is the last of the new partitions' first records as the
	// records date themselves (observe mode reads them): the fleet's
	// pickup to the millisecond, where FirstAck is when a poll saw it.
	// LogAppendTime says the broker stamped them, not the producers.
	FirstWrite    time.Time
	LogAppendTime bool
	// Groups are the consumer groups' pickups of the new partitions, by
	// group name.
	Groups []GroupPickup
}

// Start is where an expansion's pickup latency is measured from.
func (e Event) Start() time.Time {
	if !e.Created.IsZero() {
		return e.Created
	}
	return e.Seen
}

// eventLog is the bounded log. Expansions are kept by pointer so their
// timeline fills in; published snapshots get a copy, made only when
// version changed.
type eventLog struct {
	events  []*Event
	version uint64 // bumped on every change
}

func (l *eventLog) add(e *Event) {
	if len(l.events) == maxEvents {
		copy(l.events, l.events[1:])
		l.events[maxEvents-1] = nil
		l.events = l.events[:maxEvents-1]
	}
	l.events = append(l.events, e)
	l.version++
}

// changed marks a change to an event already in the log.
func (l *eventLog) changed() { l.version++ }

func (l *eventLog) copy() []Event {
	out := make([]Event, len(l.events))
	for i, e := range l.events {
		out[i] = *e
	}
	return out
}
