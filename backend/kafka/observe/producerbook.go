package observe

import (
	"cmp"
	"slices"
	"time"

	"partop/source"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxIDsPerPartition bounds what is kept of one partition's producer ids.
// Kafka lists every id that wrote to a partition within
// producer.id.expiration.ms (a day by default), so a fleet that restarts
// often, or short-lived producers, can leave thousands; beyond the bound
// partop keeps the ids that wrote last.
const maxIDsPerPartition = 1000

// seqMark is what the latest look at a partition saw of one producer id.
type seqMark struct {
	id int64
	// lastWrite (unix ns) is the latest time the id is known to have
	// written to the partition, a lower bound when its clock and ours
	// disagree; 0: unknown.
	lastWrite int64
	rate      float32 // records/s over the last two looks; 0 on the first
	seq       int32   // lastSequence: the sequence number of its last record here
	epoch     int16
}

// producerBook turns DescribeProducers answers into one row per producer
// id. It keeps, per partition, the ids the latest successful look listed:
// memory follows what Kafka lists (bounded by maxIDsPerPartition), not
// uptime.
type producerBook struct {
	window time.Duration // "wrote recently": partitions listed, idle after it
	grace  time.Duration // time after an expansion before a producer is judged
	marks  [][]seqMark   // by partition, sorted by id
	looked []time.Time   // by partition: when its marks were taken; zero: never
}

// latest is the topic's latest expansion, as the observer saw it.
type latest struct {
	from, to int       // the new partitions are [from, to)
	at       time.Time // when it was made (partop) or first seen (anyone else)
}

// written is how many records an id wrote to a partition between two looks
// whose last sequence numbers were old (known: it was listed before) and
// cur. Sequence numbers count records per id, partition and epoch from 0,
// and wrap from 2^31-1 to 0.
func written(old seqMark, known bool, cur seqMark) int64 {
	if cur.seq < 0 { // nothing written in this epoch
		return 0
	}
	if !known || old.epoch != cur.epoch {
		// New here, or a new epoch (a bumped idempotent producer):
		// sequences start again at 0. What the old epoch wrote after the
		// last look is not listed anywhere, so this is a lower bound. An
		// id Kafka stopped listing and lists again (its entry expired, or
		// retention deleted its records) also counts from 0: an
		// overcount for that one look.
		return int64(cur.seq) + 1
	}
	d := int64(cur.seq) - int64(old.seq)
	switch {
	case d >= 0:
		return d
	case old.seq >= 1<<30: // wrapped past 2^31-1
		return d + 1<<31
	default: // restarted without an epoch bump: count from 0
		return int64(cur.seq) + 1
	}
}

// observe takes partition p's producers as its leader listed them at time
// at, and replaces what was kept of p.
func (b *producerBook) observe(p int32, at time.Time, listed []kmsg.DescribeProducersResponseTopicPartitionActiveProducer) {
	for int(p) >= len(b.marks) {
		b.marks = append(b.marks, nil)
		b.looked = append(b.looked, time.Time{})
	}
	if len(listed) > maxIDsPerPartition {
		listed = slices.Clone(listed)
		slices.SortFunc(listed, func(x, y kmsg.DescribeProducersResponseTopicPartitionActiveProducer) int {
			return cmp.Compare(y.LastTimestamp, x.LastTimestamp)
		})
		listed = listed[:maxIDsPerPartition]
	}
	var cur []seqMark
	if len(listed) > 0 {
		cur = make([]seqMark, len(listed))
		for i, l := range listed {
			cur[i] = seqMark{id: l.ProducerID, seq: l.LastSequence, epoch: int16(l.ProducerEpoch), lastWrite: l.LastTimestamp}
		}
		slices.SortFunc(cur, func(x, y seqMark) int { return cmp.Compare(x.id, y.id) })
	}
	prev, since := b.marks[p], b.looked[p]
	now := at.UnixNano()
	j := 0
	for i := range cur {
		c := &cur[i]
		for j < len(prev) && prev[j].id < c.id {
			j++
		}
		known := j < len(prev) && prev[j].id == c.id
		stamp := c.lastWrite * int64(time.Millisecond) // Kafka's lastTimestamp, ms; <0: none
		switch {
		case known && prev[j].epoch == c.epoch && prev[j].seq == c.seq: // nothing new
			c.lastWrite, c.rate = prev[j].lastWrite, 0
		case !since.IsZero(): // wrote between the two looks
			var old seqMark
			if known {
				old = prev[j]
			}
			c.rate = float32(float64(written(old, known, *c)) / at.Sub(since).Seconds())
			// The producer's clock stamped the batch; the looks bound it.
			c.lastWrite = min(max(stamp, since.UnixNano()), now)
		case stamp > 0: // first look at this partition: only the stamp
			c.lastWrite = min(stamp, now)
		default:
			c.lastWrite = 0
		}
	}
	b.marks[p], b.looked[p] = cur, at
}

// row is one producer id's figures, gathered over the partitions.
type row struct {
	source.Producer
	last     int64 // unix ns of its latest write
	adopted  bool  // wrote to a partition of the latest expansion
	wroteOld bool  // wrote to an older partition since the expansion
}

// list is one row per producer id that wrote within two windows, as of
// now. An id that wrote nothing for two windows is dropped: a producer
// restarted with a new id leaves its old one in Kafka's list for a day
// (producer.id.expiration.ms), and it must not stay stale (or idle) for
// that long. In source.SortProducers' order.
func (b *producerBook) list(now time.Time, exp *latest) []source.Producer {
	recent, keep := now.Add(-b.window).UnixNano(), now.Add(-2*b.window).UnixNano()
	var since int64
	if exp != nil {
		since = exp.at.UnixNano()
	}
	rows := map[int64]*row{}
	for p, marks := range b.marks {
		for _, m := range marks {
			if m.lastWrite == 0 || m.lastWrite < keep {
				continue
			}
			r := rows[m.id]
			if r == nil {
				r = &row{Producer: source.Producer{ID: m.id, Epoch: m.epoch}}
				rows[m.id] = r
			}
			r.Epoch = max(r.Epoch, m.epoch)
			r.last = max(r.last, m.lastWrite)
			r.Rate += float64(m.rate)
			if m.lastWrite >= recent {
				r.Partitions = append(r.Partitions, int32(p)) // p ascends
			}
			if exp != nil {
				r.adopted = r.adopted || (p >= exp.from && p < exp.to)
				r.wroteOld = r.wroteOld || (p < exp.from && m.lastWrite >= since)
			}
		}
	}
	out := make([]source.Producer, 0, len(rows))
	for _, r := range rows {
		r.LastWrite = time.Unix(0, r.last)
		r.State = b.state(r, now, exp)
		out = append(out, r.Producer)
	}
	source.SortProducers(out)
	return out
}

// state judges a producer id as of now:
//   - idle: it wrote nothing within the window;
//   - adopted: it wrote to a partition the latest expansion added;
//   - stale: the grace period after the latest expansion is over, and it
//     kept writing to the older partitions since the expansion, to none of
//     the new ones (a producer that by design writes to a few partitions,
//     such as one key or a fixed partition, looks the same);
//   - active otherwise: no expansion yet, or within the grace period.
func (b *producerBook) state(r *row, now time.Time, exp *latest) string {
	switch {
	case r.last < now.Add(-b.window).UnixNano():
		return source.ProducerIdle
	case r.adopted:
		return source.ProducerAdopted
	case exp != nil && r.wroteOld && now.Sub(exp.at) >= b.grace:
		return source.ProducerStale
	default:
		return source.ProducerActive
	}
}
