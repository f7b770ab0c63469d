// Package fluvio is partop's backend for Fluvio clusters: its traffic sources, the
// second backend behind the same engine and views as Kafka:
//
//   - Producer (a source.Sender): partop's producer. It paces records at
//     the target rate, batches them per partition (at most 2 ms, up to 8
//     requests in flight, a bounded buffer) and counts every
//     acknowledgement exactly once. Values start with a run id and a
//     sequence number (producer.ParseValue reads them).
//   - Observer (a source.Source that counts in steps): observe mode, and the
//     whole topic's rate beside partop's own, from end offsets. After an
//     expansion, the poll that first sees records on a new partition reads
//     the first one (client.Client.FirstRecords) and reports its timestamp,
//     the producer's first_timestamp plus the record's delta, as the
//     fleet's first write there (source.FirstWrite).
//   - Sampler (a source.Runner beside either): every 2 s the tails of the
//     partitions whose end offsets (the observer's) moved, hottest first
//     under a byte budget (client.Client.TailRecords), kept as a fair
//     sample per partition (keys.Reservoir) and reported as
//     source.Sampled, from which the engine names the placement (Fluvio's
//     producer hashes keys with SipHash) and the hot keys.
//
// # Discovery on the push stream
//
// There is no metadata poll: the SC pushes every change to the topic's
// partitions on a watch stream (fluvio.WatchPartitions), reopened with
// backoff if it breaks. A partition is routed to as soon as the SC
// announces it with a leader SPU (it takes records a few milliseconds
// later, long before the SC calls it Online); partop's own additions
// (Grow, the add-partition API) are recorded when the SC confirms them and
// routed when the stream announces them. Partitions of one add arrive one
// message each, about a millisecond apart: a growing state is held until
// the stream is quiet for 3 ms, so one add is one expansion event with the
// same timeline as on Kafka (seen, routed, first ack, balanced).
//
// # Failures
//
// Fluvio has no idempotent producer, so a record is never sent twice:
// records the SPU certainly did not write (not the leader yet, partition
// not known yet, nothing sent) are retried for up to 3 s; any other
// failure (an SPU that died mid-request) counts the records as errors,
// though some may be on the log. Leader SPUs going offline and coming back
// are events. Close waits FlushTimeout for what is in flight.
//
// # Partitioners
//
// producer's (producer.NewPartitioner), with keys hashed by SipHash-2-4
// as Fluvio's own producer hashes them (keyPartition): batch-round-robin,
// the default (each take of the flush loop, every linger at a modest rate,
// ends a partition's turn; Fluvio's own producer puts keyless records
// round-robin too); round-robin; uniform-sticky (64 KiB per partition, then another at random, as kgo's
// default); key-hash (keyless records round-robin). least-backup is not
// offered.
package fluvio
