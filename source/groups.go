package source

// What partop's consumer group and the groups poll report, and how
// partop's own group is set up.

import "time"

// ConsumerConfig sets up partop's own consumer group.
type ConsumerConfig struct {
	Group string
	// Protocol is ProtocolClassic or ProtocolConsumer; empty: consumer
	// where the cluster supports KIP-848, else classic.
	Protocol string
	// Reset is ResetEarliest, ResetLatest or "by-duration:" followed by a
	// Go duration.
	Reset string
}

// Group is one consumer group with a stake in the topic, as the latest
// groups poll saw it.
type Group struct {
	Name     string
	Protocol string // ProtocolClassic, ProtocolConsumer; empty: not known (a group with commits only)
	State    string // as the broker says: Stable, PreparingRebalance, Empty, Dead, Reconciling…
	Members  int
	// Note says what a group is when it is not an ordinary subscribed
	// group, instead of guessing: manually assigned consumers (they commit
	// with generation -1 and have no members), a group that has never
	// committed on the topic, an empty group whose commits are expiring.
	Note string
	// Err says why the group could not be described (denied, …).
	Err string
	// Partitions are the topic's partitions the group has anything for:
	// assigned to a member, in its target assignment, or committed;
	// ascending by partition.
	Partitions []GroupPartition
}

// GroupPartition is one partition of the topic as a group has it.
type GroupPartition struct {
	Partition int32
	Assigned  bool  // a member has it now
	Target    bool  // in the target assignment (KIP-848); classic: Assigned
	Committed int64 // the committed offset; -1: no commit yet
	End       int64 // the end offset as of the poll; -1: not known
	// Lag is End-Committed; for a partition assigned with no commit yet,
	// End minus the log start (NoCommit says so): never 0 or "-" for
	// records nobody has read.
	Lag      int64
	NoCommit bool
}

// Lag is the group's total lag over its partitions (-1 when an end offset
// is not known).
func (g Group) Lag() int64 {
	var sum int64
	for _, p := range g.Partitions {
		if p.End < 0 {
			return -1
		}
		sum += p.Lag
	}
	return sum
}

// Groups is the latest look at the consumer groups on the topic.
type Groups struct {
	// Asked is when the look began asking and At when it had every
	// answer: what it saw was so somewhere between the two, and what it
	// did not see was not so at Asked. Zero before the first look.
	Asked time.Time
	At    time.Time
	List  []Group // by name
	// Err says why the list is empty or stale: denied, not supported.
	Err string
}

// GroupsSeen is the groups poller's latest look.
type GroupsSeen struct{ Groups Groups }

// AssignmentsSeen is a burst look (source.Burster): only the assignments
// of the groups it lists (every group it described), each with only the
// new partitions it has assigned or in its target, maybe none. It says nothing of commits (Committed is
// -1), nor of groups it does not list; End is the latest end offset the
// poller knew, or -1.
type AssignmentsSeen struct{ Groups Groups }

// ConsumerStarted says partop's consumer group is up, with the protocol it
// ended up with (the header shows it).
type ConsumerStarted struct {
	Group, Protocol, Reset string
}

// Assigned says partop's consumer now has partitions (the exact time of
// its assignment, which an outside poll knows only to its interval).
type Assigned struct{ Partitions []int32 }

// EndsAtAssignment are the end offsets of partitions partop's consumer was
// just assigned, asked for when the assignment arrived: what a group
// starting at the end there would skip ("unread at assignment").
type EndsAtAssignment struct{ Ends map[int32]int64 }

// Revoked says partop's consumer no longer has partitions: another member
// of its group does (or it lost them).
type Revoked struct{ Partitions []int32 }

// FirstFetch is partop's consumer's first record on a partition. Unless
// the fetch started at a committed offset (FromCommit: another member's,
// or an earlier run's), the records before Offset are what the group did
// not read. At is when it was fetched.
type FirstFetch struct {
	Partition  int32
	Offset     int64
	At         time.Time
	FromCommit bool
}

// Committed is partop's consumer's first commit on a partition.
type Committed struct {
	Partition int32
	Offset    int64
	At        time.Time
}

// EndsAt answers Backdater.AskEndsAt: the end offsets partitions had at
// At, as their records date themselves (the first offset whose record's
// timestamp is at or after At; the end where none is that late). A
// partition that could not be asked about is missing from Ends.
type EndsAt struct {
	At   time.Time
	Ends map[int32]int64
}

func (GroupsSeen) fact()       {}
func (EndsAt) fact()           {}
func (AssignmentsSeen) fact()  {}
func (ConsumerStarted) fact()  {}
func (Assigned) fact()         {}
func (EndsAtAssignment) fact() {}
func (Revoked) fact()          {}
func (FirstFetch) fact()       {}
func (Committed) fact()        {}
