package producer

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"

	"partop/rules"
)

// Records builds the keys and values partop's producers send (on Kafka and
// on Fluvio). A send loop owns it: it takes no lock.
type Records struct {
	runID  uint64
	seq    uint64
	filler []byte // value bytes after the header; shared, never written
	keys   [][]byte
	pick   func() int // index into keys
}

// NewRecords makes records as cfg describes (value size, key mode, key
// space; defaults applied), for a run identified by runID.
func NewRecords(cfg Config, runID uint64) *Records {
	cfg = cfg.WithDefaults()
	m := &Records{runID: runID, filler: make([]byte, cfg.ValueSize-rules.MinValueSize)}
	for i := range m.filler {
		m.filler[i] = 'a' + byte(i%26) // compressible, like most real payloads
	}
	if cfg.Keys == rules.KeysNone {
		return m
	}
	m.keys = make([][]byte, cfg.KeySpace)
	for i := range m.keys {
		m.keys[i] = []byte("key-" + strconv.Itoa(i))
	}
	rng := rand.New(rand.NewPCG(runID, 0x9e3779b97f4a7c15))
	if cfg.Keys == rules.KeysZipf {
		z := rand.NewZipf(rng, 1.1, 1, uint64(cfg.KeySpace-1))
		m.pick = func() int { return int(z.Uint64()) }
	} else {
		n := cfg.KeySpace
		m.pick = func() int { return rng.IntN(n) }
	}
	return m
}

// RunID identifies this run's records: every value starts with it.
func (m *Records) RunID() uint64 { return m.runID }

// Next returns the key (nil in key mode none) and value of the next record.
// Each value starts with the run id and a sequence number, big-endian, so
// whoever reads the topic back can find missing and duplicated records.
func (m *Records) Next() (key, value []byte) {
	value = make([]byte, rules.MinValueSize+len(m.filler))
	binary.BigEndian.PutUint64(value, m.runID)
	binary.BigEndian.PutUint64(value[8:], m.seq)
	copy(value[rules.MinValueSize:], m.filler)
	m.seq++
	if m.pick != nil {
		key = m.keys[m.pick()]
	}
	return key, value
}

// ParseValue reads the run id and sequence number from a value partop
// produced.
func ParseValue(v []byte) (runID, seq uint64, ok bool) {
	if len(v) < rules.MinValueSize {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:]), true
}
