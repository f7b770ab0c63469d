// Package client is a small Fluvio client for the part of Fluvio's protocol that
// partop needs: topic metadata, creating topics, adding partitions,
// watching partitions, producing and reading end offsets. It is written
// from Fluvio's Rust sources (crates fluvio-protocol, fluvio-sc-schema,
// fluvio-spu-schema, fluvio-controlplane-metadata); it is not an SDK.
//
// # The model
//
// A Fluvio cluster has one SC (streaming controller) and any number of
// SPUs (streaming processing units).
//
// The SC holds the cluster's metadata as objects of a few kinds: topics,
// partitions (named "<topic>-<n>", each with a leader SPU and a status such
// as Online or LeaderOffline) and SPUs (each with an id and a public
// address). Clients list, create and update objects, and can watch a kind:
// the SC then sends a snapshot followed by every change, on the same
// request, for as long as the connection stays open.
//
// SPUs store the partitions. A partition's leader SPU is the one to
// produce to and to ask for offsets; the client finds it from the
// partition's spec and the SPU's address from the SPU's spec, both from the
// SC. The client never talks to SPUs about metadata.
//
// # The wire
//
// SC and SPUs speak the same framing: a size-prefixed request with an API
// key, version and correlation id, answered by frames carrying the same
// correlation id (conn.go). Encodings are Kafka-like but not Kafka's
// (codec.go); the API version, agreed per API with an ApiVersions request
// when connecting (versions.go), decides which fields exist. Records travel
// in Kafka-style "magic 2" batches with a CRC-32C (records.go).
//
// # Use
//
//	c, err := fluvio.Dial(ctx, "127.0.0.1:9003")
//	err = c.CreateTopic(ctx, "events", 2)
//	w, err := c.WatchPartitions(ctx, "events")   // w.Updates(), w.Err()
//	res, err := c.Produce(ctx, "events", map[int32][][]byte{0: {[]byte("a")}})
//	hw, err := c.EndOffsets(ctx, "events", []int32{0, 1})
//
// A Client is safe for concurrent use: each SPU gets one connection, and
// concurrent Produce calls pipeline their requests on it. Every wait is
// bounded by the caller's context; a dead SPU fails the calls in flight at
// once, and the next call reconnects.
package client
