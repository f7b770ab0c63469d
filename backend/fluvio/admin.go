package fluvio

import (
	"context"
	"fmt"

	"partop/backend/fluvio/client"
	"partop/rules"
)

// noPlacement is why partop cannot place the partitions it adds on
// Fluvio (rules.FluvioRules), as the engine and the dashboard refuse
// balanced placement.
var noPlacement = rules.FluvioRules.CheckPlacement(rules.PlaceBalanced).Error()

// addPartitions adds partitions to topic through the SC: the current count
// from a fresh look, the target from it, then Fluvio's add-partition (the
// same call `fluvio topic add-partition` makes). The engine records it as
// partop's, also when the watch stream announces the new partitions before
// the SC's answer arrives.
func addPartitions(ctx context.Context, cl *client.Client, topic string, target func(int) int) (from, to int, err error) {
	tp, err := cl.Topic(ctx, topic)
	if err != nil {
		return 0, 0, fmt.Errorf("add partitions to %q: %w", topic, err)
	}
	from = len(tp.Partitions)
	to = target(from)
	if err := rules.CheckGrow(rules.Fluvio, from, to); err != nil {
		return from, from, err
	}
	if err := cl.AddPartitions(ctx, topic, to-from); err != nil {
		return from, from, fmt.Errorf("the SC refused to add %d partitions to %q (%d→%d): %w", to-from, topic, from, to, err)
	}
	return from, to, nil
}
