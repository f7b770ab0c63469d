package cluster

import (
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// MetadataCounter is a kgo hook that calls itself for every Metadata
// request written to a broker: the steady-state cost of watching a topic.
type MetadataCounter func()

// OnBrokerWrite implements kgo.HookBrokerWrite.
func (count MetadataCounter) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if key == 3 && err == nil { // 3: Metadata
		count()
	}
}
