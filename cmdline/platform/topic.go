package platform

import (
	"context"
	"errors"
	"fmt"
	"io"

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
