package client

import (
	"strconv"
	"strings"
)

// Decoders for the SC's object specs and statuses (crate
// fluvio-controlplane-metadata: topic/, partition/, spu/). Each object is
// Metadata { name String, spec, status }. partop needs a few fields of
// each, but everything is decoded (and mostly dropped), because the layout
// is only self-delimiting field by field: skipping an unknown part is
// impossible. v is the API version the SC encoded with.

// topicMeta is what partop keeps of a topic.
type topicMeta struct {
	name       string
	partitions int // partition count from the spec (0 for mirror topics)
}

// partitionMeta is what partop keeps of a partition.
type partitionMeta struct {
	topic      string
	id         int32
	leader     int32 // SPU id
	replicas   []int32
	resolution PartitionStatus
}

// spuMeta is what partop keeps of an SPU.
type spuMeta struct {
	id     int32
	addr   string // public endpoint, host:port
	online bool
}

func readTopic(r *reader, v int16) topicMeta {
	t := topicMeta{name: r.str()}
	// TopicSpec.replicas: enum ReplicaSpec
	switch tag := r.u8(); tag {
	case 0: // Assigned(Vec<PartitionMap { id u32, replicas Vec<i32>, mirror (v14) }>)
		t.partitions = r.count()
		for i := 0; i < t.partitions; i++ {
			r.u32()
			readInt32s(r)
			if v >= 14 && r.present() {
				readPartitionMirror(r, v)
			}
		}
	case 1: // Computed { partitions u32, replication_factor u32, ignore_rack bool }
		t.partitions = int(r.u32())
		r.u32()
		r.bool()
	case 2: // Mirror(MirrorConfig)
		readMirrorConfig(r, v)
	default:
		r.failf("ReplicaSpec tag %d", tag)
	}
	readPolicies(r, v, 3)
	if v >= 13 {
		r.bool() // system
	}
	// TopicStatus { resolution, replica_map, mirror_map (v14), reason }
	r.u8()
	for n := r.mapCount(); n > 0; n-- {
		r.u32()
		readInt32s(r)
	}
	if v >= 14 {
		for n := r.mapCount(); n > 0; n-- {
			r.u32()
			readPartitionMirror(r, v)
		}
	}
	r.str()
	return t
}

// readPolicies reads the fields topic and partition specs share:
// cleanup_policy, storage, compression_type and deduplication. Topics got
// cleanup_policy at version 3 and storage at 4; partitions got both at 4.
func readPolicies(r *reader, v, cleanupSince int16) {
	if v >= cleanupSince && r.present() { // CleanupPolicy::Segment { time_in_seconds u32 }
		if tag := r.u8(); tag != 0 {
			r.failf("CleanupPolicy tag %d", tag)
		}
		r.u32()
	}
	if v >= 4 && r.present() { // TopicStorageConfig { Option<u32>, Option<u64> }
		if r.present() {
			r.u32()
		}
		if r.present() {
			r.i64()
		}
	}
	if v >= 6 {
		r.u8() // CompressionAlgorithm
	}
	if v >= 12 && r.present() { // Deduplication { bounds { count u64, age Option<Duration> }, filter }
		r.i64()
		if r.present() {
			r.i64() // Duration: secs u64, nanos u32
			r.u32()
		}
		r.str() // filter.transform.uses
		for n := r.mapCount(); n > 0; n-- {
			r.str()
			r.str()
		}
	}
}

func readPartition(r *reader, v int16) partitionMeta {
	var p partitionMeta
	name := r.str() // "<topic>-<partition>"
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		id, err := strconv.ParseInt(name[i+1:], 10, 32)
		if err != nil {
			r.failf("partition name %q", name)
		}
		p.topic, p.id = name[:i], int32(id)
	} else {
		r.failf("partition name %q", name)
	}
	p.leader = r.i32()
	p.replicas = readInt32s(r)
	readPolicies(r, v, 4)
	if v >= 13 {
		r.bool() // system
	}
	if v >= 14 && r.present() {
		readPartitionMirror(r, v)
	}
	// PartitionStatus
	p.resolution = partitionStatus(r.u8())
	readReplicaStatus(r) // leader's: spu, hw, leo as the SC last heard
	r.u32()              // lsr
	for n := r.count(); n > 0; n-- {
		readReplicaStatus(r)
	}
	if v >= 5 {
		r.i64() // size
	}
	r.bool() // is_being_deleted
	if v >= 16 {
		r.i64() // base_offset
	}
	return p
}

func readReplicaStatus(r *reader) {
	r.i32()
	r.i64()
	r.i64()
}

func readSPU(r *reader, v int16) spuMeta {
	r.str() // name, e.g. "custom-spu-5001"; the id below is what partitions refer to
	s := spuMeta{id: r.i32()}
	r.u8() // spu_type
	// public_endpoint: IngressPort { port u16, ingress Vec<IngressAddr>, encryption }
	port := r.u16()
	host := ""
	for n := r.count(); n > 0; n-- {
		hostname, ip := r.optStr(), r.optStr()
		if host == "" { // Fluvio uses the first ingress, hostname before ip
			host = hostname
			if host == "" {
				host = ip
			}
		}
	}
	r.u8()
	s.addr = host + ":" + strconv.Itoa(int(port))
	readEndpoint(r) // private endpoint, for SPU-to-SPU traffic
	r.optStr()      // rack
	if v >= 1 && r.present() {
		readEndpoint(r) // public_endpoint_local
	}
	s.online = r.u8() == 0 // SpuStatus: Online 0, Offline 1, Init 2
	return s
}

func readEndpoint(r *reader) {
	r.u16()
	r.str()
	r.u8()
}

func readInt32s(r *reader) []int32 {
	n := r.count()
	out := make([]int32, 0, n)
	for ; n > 0; n-- {
		out = append(out, r.i32())
	}
	return out
}

// readPartitionMirror reads enum PartitionMirrorConfig.
func readPartitionMirror(r *reader, v int16) {
	switch tag := r.u8(); tag {
	case 0: // Remote { home_cluster, home_spu_key, home_spu_id i32, home_spu_endpoint, target (v18) }
		r.str()
		r.str()
		r.i32()
		r.str()
	case 1: // Home { remote_cluster, remote_replica, source (v18) }
		r.str()
		r.str()
	default:
		r.failf("PartitionMirrorConfig tag %d", tag)
	}
	if v >= 18 {
		r.bool()
	}
}

// readMirrorConfig reads enum MirrorConfig (a mirror topic's replicas).
func readMirrorConfig(r *reader, v int16) {
	switch tag := r.u8(); tag {
	case 0: // Remote { home_cluster, home_spus Vec<{ id i32, key, endpoint }>, target (v18) }
		r.str()
		for n := r.count(); n > 0; n-- {
			r.i32()
			r.str()
			r.str()
		}
	case 1: // Home { partitions Vec<HomePartitionConfig>, source (v18) }
		for n := r.count(); n > 0; n-- {
			r.str()
			r.str()
			if v >= 18 {
				r.bool()
			}
		}
	default:
		r.failf("MirrorConfig tag %d", tag)
	}
	if v >= 18 {
		r.bool()
	}
}
