package cluster

import (
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Reading records straight from a partition's leader, as observe mode
// reads new partitions' first records and the sampler reads their tails:
// one request per leader, sent with kgo.Broker.RequestWith-style calls.

// FetchAt is one partition to read: from Offset, at most MaxBytes of it.
type FetchAt struct {
	Partition int32
	Offset    int64
	MaxBytes  int32
}

// FetchRequest reads each of at without waiting, uncommitted (what end
// offsets count): the topic is named both by name and by id, and the
// version the broker takes picks one.
func FetchRequest(topic string, id [16]byte, at []FetchAt) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxWaitMillis = 0
	req.MinBytes = 0
	req.MaxBytes = 0       // the sum of the partitions' below (the default is 2 GiB)
	req.IsolationLevel = 0 // read uncommitted
	req.SessionID, req.SessionEpoch = 0, -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = topic, id
	for _, a := range at {
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = a.Partition
		rp.FetchOffset = a.Offset
		rp.PartitionMaxBytes = a.MaxBytes
		req.MaxBytes += a.MaxBytes
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	return req
}

// decompressor decompresses the batches read (kgo's, pooled).
var decompressor = kgo.DefaultDecompressor()

// FetchedRecords decodes one partition's answer from offset from (kgo
// decodes: message formats v0-v2, compression, the CRC; control records
// are left out), calling onBatch, when set, for each batch. next is the
// offset after the last batch read.
func FetchedRecords(topic string, rp *kmsg.FetchResponseTopicPartition, from int64, onBatch func(kgo.FetchBatchMetrics)) (fp kgo.FetchPartition, next int64) {
	return kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
		Topic: topic, Partition: rp.Partition, Offset: from, IsolationLevel: kgo.ReadUncommitted(),
	}, rp, decompressor, onBatch)
}
