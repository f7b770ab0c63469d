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

// maxPickups bounds the pickups a snapshot carries (Snapshot.Pickups).
const maxPickups = 1000

// Event is something an operator wants to see in the log. Expansions carry
// their pickup timeline; the others carry a message.
type Event struct {
	// ID goes up by one with each event logged, from 1, and is never
	// reused: the log holds consecutive IDs, and an expansion is known
	// by its ID while its timeline fills in.
	ID      uint64
	Kind    string
	At      time.Time // when it happened (for expansions: when first known)
	Message string

	// Expansion fields.
	From, To int
	By       string    // ByPartop or ByExternal
	Created  time.Time // the admin call that added them answered (partop-made only)
	Seen     time.Time // the watcher (or partop itself) knew of the new count
	Routed   time.Time // the source's routing table first had To partitions (zero when it cannot tell)
	// FirstRecord is when the last of the new partitions had its first
	// record: acknowledged to partop's producer, or, where a source counts
	// in steps (observe mode), seen by a poll, so known only to the poll's
	// interval (FirstWrite then dates it from the records themselves).
	FirstRecord time.Time
	// Balanced is when every new partition first carried at least
	// BalancedShare of the fair share (over the balance window).
	Balanced time.Time
	// Pickup runs from Start() to FirstRecord; valid once Done.
	Pickup time.Duration
	Done   bool
	// Note explains a slow pickup when the source knows why (a sticky
	// partitioner fills one batch per partition at a time).
	Note string
	// FirstWrite is the last of the new partitions' first records as the
	// records date themselves (observe mode reads them): the fleet's
	// pickup to the millisecond, where FirstRecord is when a poll saw it.
	// LogAppendTime says the broker stamped them, not the producers.
	FirstWrite    time.Time
	LogAppendTime bool
	// Groups are the consumer groups' pickups of the new partitions, by
	// group name.
	Groups []GroupPickup
	// Prediction is what the record sample said this expansion would do
	// to balance, and once settled what it did; nil without a sample.
	Prediction *Prediction
}

// Start is where an expansion's pickup latency is measured from.
func (e Event) Start() time.Time {
	if !e.Created.IsZero() {
		return e.Created
	}
	return e.Seen
}

// Pickup is one pickup of an expansion's new partitions, recorded once,
// when it happens: the source's (Group empty: the last new partition got
// its first record, the expansion is Done) or a consumer group's (every
// new partition assigned to its members). Readers that must count each
// pickup once (metrics) ask a snapshot for those after the last ID they
// took (Snapshot.PickupsSince) instead of watching the bounded event log.
type Pickup struct {
	// ID goes up by one with each pickup recorded, from 1.
	ID uint64
	// Expansion is the expansion's event ID.
	Expansion uint64
	By        string // who added the partitions: ByPartop or ByExternal
	Group     string // the consumer group; empty for the source's pickup
	// Latency runs from the expansion's Start() to the pickup: its Pickup
	// for the source's, to AssignedAt for a group's; never negative.
	Latency time.Duration
}

// eventLog is the bounded log. Expansions are kept by pointer so their
// timeline fills in; published snapshots get a copy, made only when
// version changed.
type eventLog struct {
	events  []*Event
	version uint64 // bumped on every change
	lastID  uint64 // the latest event's ID
}

// add logs e with the next ID.
func (l *eventLog) add(e *Event) {
	l.lastID++
	e.ID = l.lastID
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

// pickups are the latest maxPickups pickups, oldest first. Published
// snapshots share the array up to their length: recording appends past it,
// and dropping the oldest makes a new array.
type pickups struct {
	list   []Pickup
	lastID uint64
}

// add records the pickup of e's new partitions by group (empty: the
// source's) after latency.
func (ps *pickups) add(e *Event, group string, latency time.Duration) {
	ps.lastID++
	if len(ps.list) == maxPickups {
		ps.list = append(make([]Pickup, 0, maxPickups), ps.list[1:]...)
	}
	ps.list = append(ps.list, Pickup{ID: ps.lastID, Expansion: e.ID, By: e.By, Group: group, Latency: max(latency, 0)})
}

// published is the list as a snapshot shares it.
func (ps *pickups) published() []Pickup { return ps.list[:len(ps.list):len(ps.list)] }
