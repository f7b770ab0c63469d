package groups

import (
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestEndOffsetsOfNewPartitions: the poller's own end offsets (with no
// observer to read them from) include partitions added a moment before,
// even while their leaders do not know them yet; a topic that does not
// exist is said to be unknown.
func TestEndOffsetsOfNewPartitions(t *testing.T) {
	t.Parallel()
	c, opts := fake(t, "ends", 2)
	produce(t, opts, "ends", 3, 1)
	p := poller(t, Config{Topic: "ends", ClientOpts: opts})
	if ends, err := p.endOffsets(ctx(t)); err != nil || !slices.Equal(ends, []int64{0, 3}) {
		t.Fatalf("ends %v, %v; want [0 3]", ends, err)
	}

	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "ends", Partitions: []int32{2, 3}, Err: kerr.UnknownTopicOrPartition, Count: 2})
	if resp, err := kadm.NewClient(client(t, opts)).UpdatePartitions(ctx(t), 4, "ends"); err != nil || resp.Error() != nil {
		t.Fatalf("UpdatePartitions: %v %v", err, resp.Error())
	}
	if ends, err := p.endOffsets(ctx(t)); err != nil || !slices.Equal(ends, []int64{0, 3, 0, 0}) || h.Hits() != 2 {
		t.Fatalf("after growing: ends %v, %v (fault hit %d times); want [0 3 0 0]", ends, err, h.Hits())
	}

	p = poller(t, Config{Topic: "nope", ClientOpts: opts})
	if ends, err := p.endOffsets(ctx(t)); len(ends) != 0 || err == nil || !strings.Contains(err.Error(), `end offsets: topic "nope": unknown topic`) {
		t.Fatalf("unknown topic: %v, %v", ends, err)
	}
}
