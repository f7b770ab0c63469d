// Package consumer is partop's own consumer group (--consume): a kgo group
// consumer on partop's topic, beside its producer, so the demo shows both
// sides of an expansion. The producer shows how soon new partitions get
// records; the group shows how soon they are read, and what the group
// never read there. It is a source.Companion: the engine samples its
// counters (records read per partition, one Ack per record) into read
// rates, and takes its facts (the group up with its protocol, each
// assignment, the end offsets when it came, each partition's first
// fetched record and first commit)
// into each expansion's timeline.
//
// # What "skipped" means
//
// A group starts on a partition it has no commit for where its reset
// policy says. After an expansion every new partition is such a partition,
// and producers that pick the new partitions up quickly (partop's does,
// in milliseconds) write to it before the group is assigned it. With
// latest, the Java client's default and partop's, the group starts at the
// partition's end as of its assignment: every record written there before
// is skipped, never read by the group (KAFKA-12261). With earliest it
// starts at the beginning and skips nothing. With by-duration:D (KIP-1106's
// by_duration, Kafka 4.0, implemented here on the client) it starts at the
// first record stamped at or after the assignment's time minus D.
//
// # Why partop can count it exactly
//
// An outside observer sees a group's commits and assignments only to its
// poll interval, and a commit says where the group is, not where it
// started. partop's consumer knows the offset of the first record it
// fetched on each partition (FirstFetch): on a new partition, whose log
// starts at offset 0, every record before that offset was written and not
// read by the group, so the offset is the skipped count, to the record.
// The tests check it against the partition read back from offset 0.
//
// # How fast it sees new partitions
//
// A KIP-848 group (--consumer-protocol consumer, the default where every
// broker supports it) is assigned new partitions by the broker on its next
// heartbeat (group.consumer.heartbeat.interval.ms: 5 s by default on
// Kafka, 1 s on partop's embedded cluster). A classic group's leader asks
// for a rebalance when a metadata refresh shows the new partitions; kgo
// refreshes every 5 minutes by default, so this consumer refreshes every
// DiscoveryInterval, as fast as partop's producer polls (1 s): its group
// notices an expansion within about a second, and the demo shows the reset
// policy's skip rather than a five-minute wait. The group joins when Run
// starts (not when New makes the client), so no fact is reported before
// the engine listens.
//
// # Choosing the protocol
//
// New asks every broker for its API versions: KIP-848 needs
// ConsumerGroupHeartbeat v1 (Kafka 4.0) on every broker, since any may be
// the group's coordinator. Asked for the consumer protocol on a cluster
// without it, New fails and names --consumer-protocol classic; asked for
// neither, it picks consumer where supported, else classic. ConsumerStarted
// reports the protocol of the group requests kgo actually sent.
//
// # Cost
//
// The consumer shares the machine with the producer. Per record it does
// one Counters.Ack; a partition's first record is looked for once per
// partition per poll, not per record; nothing is allocated per record
// beyond what kgo decodes. docs/BENCHMARKS.md has the producer's rate
// beside it.
package consumer
