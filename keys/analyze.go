package keys

import (
	"container/heap"
	"slices"
)

// ExplainedEnough is the share of sampled keyed records a hasher must
// place on their partitions for Analyze to name it. Below it the
// placement is Unknown: a custom partitioner, keys set by hand, or
// records written to a partition by number. Not 1, because a sample taken
// across an expansion the caller did not pass in counts, or a few records
// produced by hand, should not hide the client that wrote the rest.
const ExplainedEnough = 0.9

// Analysis is what a sample says of the whole topic.
type Analysis struct {
	// Partitioner names the placement: Murmur2, CRC32, FNV1a or SipHash;
	// Unkeyed when no sampled record had a key; Unknown when no hasher
	// explains ExplainedEnough of the keyed records. Hashers tie when the
	// sample cannot tell them apart (one partition, a handful of keys):
	// the first in Hashers' order is named.
	Partitioner string
	Hasher      int        // index in Hashers of the placement found; -1 for Unkeyed/Unknown
	Clients     string     // Hashers[Hasher].Clients, "" otherwise
	Explained   float64    // share of sampled keyed records the placement explains (for Unknown, the best hasher's share)
	Keyed       int        // keyed records sampled (empty keys included)
	Sampled     int        // records sampled
	NullShare   float64    // share of the topic's records with no key (partitions weighted by rate)
	Top         []KeyShare // the topic's hottest keys, by share of all the topic's records
	Partitions  map[int32]PartitionKeys

	current     int  // the partition count records are placed under now (counts[0])
	emptyRandom bool // empty keys lie off their hashed partition: librdkafka's consistent_random
}

// KeyShare is one key's part of a topic's or a partition's records.
type KeyShare struct {
	Key        string  // the key's first MaxKey bytes, raw (Display for screens)
	Cut        bool    // the key was longer
	Share      float64 // of records (of the topic for Analysis.Top, of the partition for PartitionKeys.Top)
	BytesShare float64 // of bytes, the same way
	Partition  int32   // where it was sampled (for a key on several partitions, where it weighs most)
}

// PartitionKeys is what a sample says of one partition.
type PartitionKeys struct {
	Top            []KeyShare
	NullShare      float64
	BytesPerRecord float64 // mean key+value bytes of its sampled records
	Sampled        int
}

// Analyze reads a sample. rates are the partitions' records/s by id (the
// weight of each partition's sample; a partition beyond rates, or all of
// them when every rate is 0, weighs by its sample's Seen). counts are the
// partition counts a record may have been written under: the current
// count first, then earlier ones (records written before an expansion
// belong to the old count): a keyed record is explained by a hasher if it
// places it on its partition under any of counts. With no counts, the
// highest sampled partition id + 1 is taken. top is how many keys to list
// (topic and per partition).
//
// An empty key counts as explained by CRC32 wherever it is: librdkafka's
// default partitioner, consistent_random, puts empty keys at random like
// null ones (rd_kafka_msg_partitioner_consistent_random); every other
// client hashes them.
//
// It costs O(records × hashers × len(counts)), plus a heap of top keys.
func Analyze(s Sample, rates []float64, counts []int, top int) Analysis {
	counts = countsOf(s, counts)
	z := analyzer{
		a:      Analysis{Hasher: -1, Partitions: make(map[int32]PartitionKeys, len(s.Partitions))},
		counts: counts, top: top, crc: crcHasher(),
		topic: newTallies(countRecords(s)), partition: newTallies(0),
		heap: make(topHeap, 0, max(top, 0)+1),
	}
	if len(counts) > 0 {
		z.a.current = counts[0]
	}
	w := weigh(s, rates)
	for _, p := range sortedIDs(s) {
		z.readPartition(p, s.Partitions[p].Records, w[p])
	}
	z.a.NullShare = ratio(z.nullW, z.totalW)
	z.heap = z.heap[:0]
	for i := range z.topic.all {
		t := &z.topic.all[i]
		z.heap.offer(ranked{KeyShare{Key: t.key, Cut: t.cut, Share: ratio(t.records, z.totalW),
			BytesShare: ratio(t.bytes, z.totalBytesW), Partition: t.partition}, t.id}, top)
	}
	z.a.Top = z.heap.sorted()
	z.a.name(z.explained, z.emptyOff)
	return z.a
}

// analyzer is Analyze's state while it reads the partitions in turn.
type analyzer struct {
	a           Analysis
	counts      []int
	top, crc    int
	explained   [numHashers]int // keyed records each hasher places where they are
	emptyOff    bool            // an empty key lies off its CRC-32 partition
	totalW      float64         // the topic's records (weighted)
	nullW       float64
	totalBytesW float64
	topic       *tallies // the topic's keys (weighted)
	partition   *tallies // the partition's being read (records)
	heap        topHeap
}

// readPartition reads partition p's sample, whose records weigh w in all.
func (z *analyzer) readPartition(p int32, recs []Record, w float64) {
	pk := PartitionKeys{Sampled: len(recs)}
	if len(recs) == 0 {
		z.a.Partitions[p] = pk
		return
	}
	rw := w / float64(len(recs))
	var nulls, bytes int
	z.partition.reset()
	for i := range recs {
		r := &recs[i]
		z.a.Sampled++
		bytes += r.Bytes
		z.totalW += rw
		z.totalBytesW += rw * float64(r.Bytes)
		if !r.Keyed() {
			nulls++
			z.nullW += rw
			continue
		}
		z.a.Keyed++
		z.explain(r, p)
		t := z.partition.of(r.ID(), r.Key, r.Len > len(r.Key), p)
		t.records++
		t.bytes += float64(r.Bytes)
	}
	pk.NullShare = float64(nulls) / float64(len(recs))
	pk.BytesPerRecord = float64(bytes) / float64(len(recs))
	z.heap = z.heap[:0]
	for i := range z.partition.all {
		t := &z.partition.all[i]
		z.heap.offer(ranked{KeyShare{Key: t.key, Cut: t.cut, Share: t.records / float64(len(recs)),
			BytesShare: ratio(t.bytes, float64(bytes)), Partition: p}, t.id}, z.top)
		tt := z.topic.of(t.id, t.key, t.cut, p)
		tt.records += t.records * rw
		tt.bytes += t.bytes * rw
		if t.records*rw > tt.most {
			tt.most, tt.partition = t.records*rw, p
		}
	}
	pk.Top = z.heap.sorted()
	z.a.Partitions[p] = pk
}

// explain counts the hashers that place keyed record r on p.
func (z *analyzer) explain(r *Record, p int32) {
	for h := range Hashers {
		placed := placedUnder(h, r, p, z.counts)
		if r.Len == 0 && h == z.crc {
			z.explained[h]++ // consistent_random: anywhere
			z.emptyOff = z.emptyOff || !placed
			continue
		}
		if placed {
			z.explained[h]++
		}
	}
}

// name sets the placement from how many keyed records each hasher
// explains.
func (a *Analysis) name(explained [numHashers]int, emptyOff bool) {
	if a.Keyed == 0 {
		a.Partitioner, a.Explained = Unkeyed, 0
		return
	}
	best := 0
	for h := range explained {
		if explained[h] > explained[best] {
			best = h
		}
	}
	a.Explained = float64(explained[best]) / float64(a.Keyed)
	if a.Explained < ExplainedEnough {
		a.Partitioner = Unknown
		return
	}
	a.Hasher, a.Partitioner, a.Clients = best, Hashers[best].Name, Hashers[best].Clients
	a.emptyRandom = best == crcHasher() && emptyOff
}

// placedUnder says hasher h puts r on partition p under one of counts.
func placedUnder(h int, r *Record, p int32, counts []int) bool {
	for _, n := range counts {
		if Hashers[h].Place(r.Sums[h], n) == int(p) {
			return true
		}
	}
	return false
}

func crcHasher() int {
	for h := range Hashers {
		if Hashers[h].Name == CRC32 {
			return h
		}
	}
	return -1
}

// countsOf drops counts that place nothing; with none left, the highest
// sampled partition id + 1.
func countsOf(s Sample, counts []int) []int {
	out := make([]int, 0, len(counts))
	for _, n := range counts {
		if n > 0 {
			out = append(out, n)
		}
	}
	if len(out) > 0 {
		return out
	}
	n := 0
	for p := range s.Partitions {
		n = max(n, int(p)+1)
	}
	if n == 0 {
		return nil
	}
	return []int{n}
}

// weigh is each sampled partition's weight: its rate, or its Seen when
// it is beyond rates or no sampled partition has a rate above 0.
func weigh(s Sample, rates []float64) map[int32]float64 {
	byRate := false
	for p, ps := range s.Partitions {
		if len(ps.Records) > 0 && p >= 0 && int(p) < len(rates) && rates[p] > 0 {
			byRate = true
		}
	}
	w := make(map[int32]float64, len(s.Partitions))
	for p, ps := range s.Partitions {
		if byRate && p >= 0 && int(p) < len(rates) {
			w[p] = max(rates[p], 0)
		} else {
			w[p] = float64(ps.Seen)
		}
	}
	return w
}

func sortedIDs(s Sample) []int32 {
	ids := make([]int32, 0, len(s.Partitions))
	for p := range s.Partitions {
		ids = append(ids, p)
	}
	slices.Sort(ids)
	return ids
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// keyTally adds up one key's records and bytes (weighted, for the topic).
type keyTally struct {
	id             KeyID
	key            string
	cut            bool
	records, bytes float64
	partition      int32
	most           float64 // its weight on partition
	sum            uint64  // its hash by the placement Predict uses
}

// tallies are keyTallies by key, in the order first seen, without a
// pointer a key.
type tallies struct {
	index map[uint64]int32 // by KeyID.Sum mixed with its Len: the fast 64-bit map
	all   []keyTally
}

func newTallies(n int) *tallies {
	return &tallies{index: make(map[uint64]int32, n), all: make([]keyTally, 0, n)}
}

func (ts *tallies) reset() {
	clear(ts.index)
	ts.all = ts.all[:0]
}

// of is id's tally, new if need be.
func (ts *tallies) of(id KeyID, key string, cut bool, p int32) *keyTally {
	h := id.Sum ^ uint64(id.Len)*0x9e3779b97f4a7c15
	i, ok := ts.index[h]
	if !ok || ts.all[i].id != id {
		if ok { // two keys' 64-bit mixes collide: look further, rarely
			for j := range ts.all {
				if ts.all[j].id == id {
					return &ts.all[j]
				}
			}
		}
		i = int32(len(ts.all))
		ts.index[h] = i
		ts.all = append(ts.all, keyTally{id: id, key: key, cut: cut, partition: p})
	}
	return &ts.all[i]
}

func countRecords(s Sample) int {
	n := 0
	for _, ps := range s.Partitions {
		n += len(ps.Records)
	}
	return n
}

// topHeap keeps the top keys seen so far, the least first.
type topHeap []ranked

// ranked is a KeyShare with what breaks a tie between equal shares: the
// key's ID (cheaper than comparing keys, and as stable), then partition.
type ranked struct {
	KeyShare
	id KeyID
}

func lessShare(a, b *ranked) bool {
	if a.Share != b.Share {
		return a.Share < b.Share
	}
	if a.BytesShare != b.BytesShare {
		return a.BytesShare < b.BytesShare
	}
	if a.id != b.id {
		return a.id.Sum > b.id.Sum || (a.id.Sum == b.id.Sum && a.id.Len > b.id.Len)
	}
	return a.Partition > b.Partition
}

func (h topHeap) Len() int           { return len(h) }
func (h topHeap) Less(i, j int) bool { return lessShare(&h[i], &h[j]) }
func (h topHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topHeap) Push(x any)        { *h = append(*h, x.(ranked)) }
func (h *topHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// offer keeps k if it is among the n highest offered.
func (h *topHeap) offer(k ranked, n int) {
	if n <= 0 {
		return
	}
	if len(*h) < n {
		heap.Push(h, k)
		return
	}
	if lessShare(&(*h)[0], &k) {
		(*h)[0] = k
		heap.Fix(h, 0)
	}
}

// sorted returns the keys, the highest share first.
func (h topHeap) sorted() []KeyShare {
	if len(h) == 0 {
		return nil
	}
	rs := slices.Clone(h)
	slices.SortFunc(rs, func(a, b ranked) int {
		if lessShare(&b, &a) {
			return -1
		}
		if lessShare(&a, &b) {
			return 1
		}
		return 0
	})
	out := make([]KeyShare, len(rs))
	for i := range rs {
		out[i] = rs[i].KeyShare
	}
	return out
}
