package platform

import (
	"context"
	"errors"
	"fmt"
	"io"

	"partop/overview"
	"partop/source"
)

// FindTopic describes the run's topic (o.Topic) on b, creating it when
// partop may: on the embedded cluster, or with --create (never in
// observe mode).
func FindTopic(ctx context.Context, b Backend, o Common, stderr io.Writer) (source.Topic, error) {
	t, err := b.Topic(ctx, o.Topic)
	switch {
	case !errors.Is(err, source.ErrUnknownTopic):
		return t, err
	case o.Observe:
		return t, fmt.Errorf("topic %q does not exist on %s: observe mode watches an existing topic and creates nothing", o.Topic, b.Name())
	case !o.Create && !b.Embedded():
		return t, fmt.Errorf("topic %q does not exist on %s; pass --create to create it with --partitions %d", o.Topic, b.Name(), o.Partitions)
	}
	if t, err = b.CreateTopic(ctx, o.Topic, o.Partitions); err == nil && !b.Embedded() {
		fmt.Fprintf(stderr, "partop: created topic %q with %d partitions on %s\n", o.Topic, o.Partitions, b.Name())
	}
	return t, err
}

// Sources wires the sources the flags ask for on t: observe mode's, or
// partop's producer with, when --consume is on, its consumer group.
func Sources(ctx context.Context, b Backend, o Common, t source.Topic) (source.Sources, error) {
	if o.Observe {
		return b.Observing(ctx, t)
	}
	var consume *source.ConsumerConfig
	if o.Consume {
		consume = &o.Consumer
	}
	return b.Producing(ctx, o.Workload, consume, t)
}

// CensusOf is b's census of its whole cluster for the topics view (with
// the consumer groups unless --groups-interval is negative), or why b
// cannot take one.
func CensusOf(b Backend, o Common) (overview.Poller, error) {
	c, ok := b.(Censuser)
	if !ok {
		return nil, fmt.Errorf("the topics view is not available on %s yet: name a topic with --topic", b.Platform())
	}
	return c.Census(o.GroupsInterval >= 0), nil
}
