package producer

import (
	"partop/rules"
	"partop/source"
)

// AboutSender is what a producer sending w is, as the engine needs to
// know it (source.About).
func AboutSender(w Config, leaders []int32) source.About {
	w = w.WithDefaults()
	a := source.About{Leaders: leaders, Routes: true, Partitioner: w.Partitioner, Keyed: w.Keyed()}
	if w.Partitioner == rules.UniformSticky && !w.Keyed() { // keyed records are hashed, so new partitions get theirs at once
		a.SlowNote, a.SlowAfter = StickyNote, SlowPickupAfter
	}
	return a
}
