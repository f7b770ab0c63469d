package rules

import "fmt"

// The record sampler's budget (--sample-bytes): what one round (every 2 s)
// may fetch of the topic's records, on every platform.
const (
	// DefaultSampleBytes costs well under 5% of a core to read and
	// decode at 1,000 partitions (docs/BENCHMARKS.md).
	DefaultSampleBytes = 1 << 20
	// MaxSampleBytes bounds what one round may hold in memory.
	MaxSampleBytes = 64 << 20
)

// CheckSampleBytes says whether n is a sampling budget: 0 (off) to
// MaxSampleBytes.
func CheckSampleBytes(n int) error {
	if n < 0 || n > MaxSampleBytes {
		return fmt.Errorf("must be 0 (off) to %d (%d MiB)", MaxSampleBytes, MaxSampleBytes>>20)
	}
	return nil
}
