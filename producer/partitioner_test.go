package producer

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/engine"
	"partop/rules"
)

// TestKeysMovedMatchesMurmur2 checks the prompt's remap preview against the
// partitioner partop's key-hash mode really uses (murmur2 mod n, as the
// Java producer): the share of random keys whose partition changes when
// the topic grows from n to m.
func TestKeysMovedMatchesMurmur2(t *testing.T) {
	tp := basePartitioner(rules.KeyHash).ForTopic("t")
	rng := rand.New(rand.NewPCG(1, 2))
	const keys = 50000
	for _, g := range [][2]int{{4, 8}, {6, 8}, {4, 5}, {3, 12}, {10, 11}, {7, 9}} {
		moved := 0
		for range keys {
			r := &kgo.Record{Key: []byte("order-" + strconv.FormatUint(rng.Uint64(), 36))}
			if tp.Partition(r, g[0]) != tp.Partition(r, g[1]) {
				moved++
			}
		}
		got, want := float64(moved)/keys, engine.KeysMoved(g[0], g[1])
		// Binomial noise at 50,000 keys is under 0.3%; 1% never flakes.
		if math.Abs(got-want) > 0.01 {
			t.Errorf("%d → %d: %.2f%% of keys moved, formula says %.2f%%", g[0], g[1], got*100, want*100)
		}
	}
}
