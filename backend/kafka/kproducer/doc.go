// Package kproducer is partop's producer on Kafka: a kgo client that sends
// records to one topic at a target rate, counts every acknowledgement per
// partition exactly once, and discovers new partitions within about a
// second instead of kgo's default five-minute metadata refresh. It is a
// source.Sender; the engine runs it, samples its counters, keeps the
// timeline of every expansion from the facts the producer reports, and
// applies the operator's actions to it.
//
// # Why discovery is needed
//
// kgo, like the Java client and librdkafka, learns a topic's partitions
// from metadata it refreshes every MetadataMaxAge (5 minutes). Partitions
// added in between do not exist for the producer: it keeps routing to the
// old ones, and the new ones sit idle. partop makes the producer's view of
// its topic a first-class value (engine.TopicState: how many partitions the
// cluster has, how many the producer routes to) and drives it to agree with
// the cluster quickly, at a bounded cost.
//
// # The timeline of an expansion
//
// Every change of the partition count is an expansion event
// (engine.Event) with four timestamps, from the facts the producer reports:
//
//	created   partop's CreatePartitions call answered (partop-made only)
//	seen      partop knew of the new count: at once for its own change,
//	          on the watcher's next poll for anyone else's
//	routed    kgo's partitioner was first called with the new count:
//	          the routing table has the new partitions
//	first ack the last of the new partitions acknowledged its first record
//
// Pickup latency runs from created (or seen) to first ack. The partitioner
// is wrapped (routing) so partop reads the count kgo routes over on
// every record: one atomic load, no access to kgo internals. Acks are
// counted in the per-record promise, exactly once, so a partition's first
// ack is exact too. The engine adds "balanced": when every new partition
// first carried 80% of its fair share.
//
// # Three inputs
//
//  1. partop's own admin call (Grow): the count changes because partop
//     changed it. The producer forces a metadata refresh at once; the
//     engine records the expansion as partop's, and while the call runs it
//     does not take the watcher's look at the new count, polling
//     meanwhile, for someone else's change.
//  2. The watcher (watch in run.go): every DiscoveryInterval (1 s,
//     ±10% jitter so many producers do not poll in step, backing off to 30 s
//     on errors) one Metadata request for the topic. A larger count is an
//     expansion by someone else, and forces a refresh. Steady-state cost:
//     one small request per interval.
//  3. Produce errors that mean stale metadata (NOT_LEADER_FOR_PARTITION,
//     UNKNOWN_TOPIC_OR_PARTITION, …) force a refresh, at most once a
//     second however many records fail.
//
// # Why the watcher has its own client
//
// A Metadata request issued through the producing client goes through
// kgo's metadata handling and cost about 8% of throughput at full speed;
// kadm's helpers answer from kgo's cache, up to MetadataMinAge old, so a
// watcher using them saw other clients' partitions 5 s late. A second
// client sending direct Metadata requests is always fresh and costs the
// producer nothing.
//
// # Why refreshes are confirmed until the first acks arrive
//
// A forced refresh right after CreatePartitions can hit a broker that has
// not applied the change yet (about 1 in 5 expansions on a 3-node Kafka
// 4.1 cluster): kgo then keeps the old count, with no error, until its next
// refresh five minutes later. And a new partition's leader may answer the
// first produce with NOT_LEADER_FOR_PARTITION, after which kgo waits out
// MetadataMinAge before it refreshes. So confirmRefresh refreshes again
// with backoff (25 ms doubling to 2 s) until the client can route to every
// partition the cluster showed and every pending expansion has its first
// acks; the watcher re-triggers it if a poll still finds the client behind.
package kproducer
