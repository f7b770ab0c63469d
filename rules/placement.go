package rules

import (
	"fmt"
	"strings"
)

// Placements: who chooses the brokers of the partitions partop adds.
const (
	// PlaceCluster leaves it to the cluster (Kafka's controller, Fluvio's
	// SC): the default.
	PlaceCluster = "cluster"
	// PlaceBalanced has partop choose: each new partition's leader on the
	// broker whose leaders carry the least of the topic's traffic, its
	// followers on other brokers (other racks first). Kafka only: its
	// CreatePartitions takes an explicit assignment.
	PlaceBalanced = "balanced"
)

// Placements are the placement names, the default first.
var Placements = []string{PlaceCluster, PlaceBalanced}

// CheckPlacement says whether partop can add partitions on the platform
// with placement name ("" is the default, PlaceCluster).
func (p Platform) CheckPlacement(name string) error {
	switch name {
	case "", PlaceCluster:
		return nil
	case PlaceBalanced:
		if p.NoPlacement != "" {
			return fmt.Errorf("balanced placement is not available on %s: %s", p.Name, p.NoPlacement)
		}
		return nil
	}
	return fmt.Errorf("unknown placement %q: want %s", name, strings.Join(Placements, " or "))
}

// placementSuffix splits a placement off a partition change, after a
// comma or a space ("4,balanced", "+4 balanced"): the placement named, or
// "" when none is.
func placementSuffix(s string) (rest, place string, err error) {
	if before, word, ok := strings.Cut(s, ","); ok {
		word = strings.TrimSpace(word)
		if word != "" && word != PlaceCluster && word != PlaceBalanced { // "4,": still typing
			return "", "", fmt.Errorf("unknown placement %q after the count: want ,%s or ,%s", word, PlaceCluster, PlaceBalanced)
		}
		return strings.TrimSpace(before), word, nil
	}
	if i := strings.LastIndex(s, " "); i >= 0 {
		if word := s[i+1:]; word == PlaceCluster || word == PlaceBalanced {
			return strings.TrimSpace(s[:i]), word, nil
		}
	}
	return s, "", nil
}
