package keys

// MaxKey is how much of a key a Record keeps to show: a 1 MiB key costs
// the sample no more than a short one. Placement needs only the hashes,
// taken of the whole key.
const MaxKey = 64

// A Record is one sampled record, as much of it as the analysis needs.
type Record struct {
	Key   string // the key's first MaxKey bytes, raw (Display escapes it)
	Len   int    // the whole key's length; -1: no key (null)
	Bytes int    // the record's key and value bytes
	Sums  [numHashers]uint64
}

// NewRecord samples a record with key (nil: none) and valueBytes of value.
// An empty key is a key: most clients hash it (librdkafka's default,
// consistent_random, places empty keys at random like null ones; Analyze
// allows for that).
func NewRecord(key []byte, valueBytes int) Record {
	r := Record{Len: -1, Bytes: len(key) + valueBytes}
	if key == nil {
		return r
	}
	r.Len, r.Key = len(key), string(key[:min(len(key), MaxKey)])
	for i, h := range Hashers {
		if i > 0 && Hashers[i-1].Name == h.Name {
			r.Sums[i] = r.Sums[i-1] // the same hash, placed another way
			continue
		}
		r.Sums[i] = h.Sum(key)
	}
	return r
}

// Keyed says the record has a key.
func (r Record) Keyed() bool { return r.Len >= 0 }

// ID tells keys apart, long ones included: two independent 32-bit hashes
// of the whole key and its length.
func (r Record) ID() KeyID {
	return KeyID{Sum: r.Sums[0]<<32 | r.Sums[1], Len: r.Len}
}

// A KeyID identifies a key without keeping all of it.
type KeyID struct {
	Sum uint64
	Len int
}
