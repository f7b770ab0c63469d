package engine

import (
	"fmt"
	"time"

	"partop/source"
)

// UnansweredAfter is how long the cluster must stay silent before the
// engine says it is not answering: long enough that one failed metadata
// look between acknowledgements is not an outage.
const UnansweredAfter = 3 * time.Second

// answering follows whether the cluster answers the source, so that an
// outage does not read as a quiet topic. The cluster is not answering
// when the source's metadata looks fail (the watcher's error stands) and
// nothing else answered for UnansweredAfter either: no record was
// acknowledged, no poll of the end offsets came back. A producer's
// records meanwhile wait in its client (Snapshot.Held). The engine's
// mutex guards it.
type answering struct {
	failing  bool      // the latest metadata look failed
	answered time.Time // the latest answer: a metadata look, an acknowledged record, a poll
	acked    uint64    // records acknowledged as of the previous sample
	since    time.Time // when the cluster last answered, while it is said not to; zero otherwise
}

// look takes the outcome of a metadata look at now.
func (a *answering) look(now time.Time, err error) {
	a.failing = err != nil
	if err == nil {
		a.heard(now)
	}
}

// heard notes an answer from the cluster at at.
func (a *answering) heard(at time.Time) { a.answered = maxTime(a.answered, at) }

// sampled notes an answer when records were acknowledged since the
// previous sample.
func (a *answering) sampled(now time.Time, acked uint64) {
	if acked > a.acked {
		a.heard(now)
	}
	a.acked = acked
}

// check decides, as of now, whether the cluster answers, logging when it
// stops and when it answers again, and returns since when it has not
// answered (zero: it answers).
func (a *answering) check(now time.Time, log *eventLog) time.Time {
	silent := a.failing && now.Sub(a.answered) >= UnansweredAfter
	switch {
	case silent && a.since.IsZero():
		a.since = a.answered
		log.add(&Event{Kind: KindError, At: now, Message: fmt.Sprintf(
			"cluster not answering: no metadata, no acknowledgement, no poll for %s", now.Sub(a.since).Round(100*time.Millisecond))})
	case !silent && !a.since.IsZero():
		log.add(&Event{Kind: KindInfo, At: now, Message: fmt.Sprintf(
			"cluster answering again after %s", a.answered.Sub(a.since).Round(100*time.Millisecond))})
		a.since = time.Time{}
	}
	return a.since
}

// held is how many records src holds (source.Holder); -1 when it cannot
// tell.
func held(src source.Source) int64 {
	if h, ok := src.(source.Holder); ok {
		return h.Held()
	}
	return -1
}
