package engine_test

import (
	"testing"
	"time"

	"partop/engine"
	"partop/source"
	"partop/source/sourcetest"
)

// TestPlacementFromTheSource: the snapshot names what places partop's
// records as the source says ("key-hash, murmur2"), the partitioner when
// the source says nothing, and nothing in observe mode.
func TestPlacementFromTheSource(t *testing.T) {
	for _, tc := range []struct {
		src  source.Source
		want string
	}{
		{sourcetest.NewSender(4, 10, source.About{Partitioner: "uniform-sticky", Keyed: true, Placement: "key-hash, murmur2"}), "key-hash, murmur2"},
		{sourcetest.NewSender(4, 10, source.About{Partitioner: "round-robin", Keyed: true}), "round-robin"},
		{sourcetest.NewSource(4, source.About{Stepped: true, Placement: "key-hash, murmur2"}), ""},
	} {
		if got := engine.New(tc.src, engine.Config{}).Snapshot().Placement; got != tc.want {
			t.Errorf("%+v: placement %q, want %q", tc.src.About(), got, tc.want)
		}
	}
}

// TestNoProducersFromTheSource: a source that lists no producers says why
// from the first snapshot on (Snapshot.Producers.Off), before any poll.
func TestNoProducersFromTheSource(t *testing.T) {
	const why = "not listed: this platform cannot"
	if got := engine.New(sourcetest.NewSource(4, source.About{Stepped: true, NoProducers: why}), engine.Config{}).Snapshot().Producers; got.Off != why || !got.At.IsZero() {
		t.Errorf("producers %+v, want Off %q", got, why)
	}
	if got := engine.New(sourcetest.NewSource(4, source.About{Stepped: true}), engine.Config{}).Snapshot().Producers; got.Off != "" {
		t.Errorf("producers %+v, want none off", got)
	}
}

// TestGivesUpAfterFromTheSource: how long the producer keeps records the
// cluster does not take is the source's to say.
func TestGivesUpAfterFromTheSource(t *testing.T) {
	src := sourcetest.NewSender(4, 10, source.About{GivesUpAfter: 3 * time.Second})
	if got := engine.New(src, engine.Config{}).Snapshot().GivesUpAfter; got != 3*time.Second {
		t.Errorf("gives up after %s, want 3s", got)
	}
}
