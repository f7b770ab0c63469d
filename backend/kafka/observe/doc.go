// Package observe is Kafka's observer, the traffic source of observe mode
// (and of the whole topic's rate beside partop's producer): partop produces
// nothing and counts what every producer writes to a topic, from the
// partitions' end offsets (high watermarks). It polls them with ListOffsets
// sent straight to each partition's leader (kadm's ListEndOffsets would
// issue a Metadata request on every call), and the topic's metadata on its
// own interval, so an expansion by anyone shows up as an event whose
// timeline is the fleet's pickup: the first record on every new partition,
// then the new partitions carrying their share.
//
// A poll sees a new partition's first record up to an interval late; the
// record itself says when it was written. So after an expansion, the poll
// that first sees records on a new partition reads the first one (one
// small Fetch per leader at the partition's start, firstwrite.go) and
// reports its timestamp as the fleet's first write there
// (source.FirstWrite): the producer's clock (CreateTime), or the broker's
// when the topic says message.timestamp.type=LogAppendTime. Only
// partitions an expansion added are ever read, each until it is dated.
//
// Counts come in steps, once a poll: the engine samples at each poll
// (source.Step), so a rate is a step divided by the real time between
// polls, not a step landing in one tick and none in the next.
//
// Who writes is listed too: every ProducersInterval (10 s) the observer
// asks each leader for its partitions' producer ids (DescribeProducers,
// KIP-664; it needs Read on the topic) and reports one row per id:
// partitions written within the window, last write, records/s
// from the change in sequence numbers, and its state after the latest
// expansion (adopted, stale after ProducersGrace, idle, active). Producers
// with idempotence off have no id and are not listed, and partop's
// embedded cluster lists only transactional ones: when no one is listed
// while records come, the list's Note says which applies.
package observe
