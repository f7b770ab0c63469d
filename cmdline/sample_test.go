package cmdline

import (
	"io"
	"strings"
	"testing"

	"partop/rules"
)

// --sample-bytes is every platform's: its default is the sampler's, 0
// turns sampling off, and what no round can keep to is refused.
func TestSampleBytesFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{{nil, rules.DefaultSampleBytes}, {[]string{"--sample-bytes", "0"}, 0}, {[]string{"--sample-bytes", "65536"}, 65536}, {[]string{"--gamma", "h:1", "--sample-bytes", "0"}, 0}} {
		o, err := Parse(tc.args, io.Discard, fakes()...)
		if err != nil || o.SampleBytes != tc.want {
			t.Errorf("%v: %d, %v; want %d", tc.args, o.SampleBytes, err, tc.want)
		}
	}
	for _, bad := range []string{"-1", "67108865"} {
		if _, err := Parse([]string{"--sample-bytes", bad}, io.Discard, fakes()...); err == nil || !strings.Contains(err.Error(), "--sample-bytes "+bad+": must be 0 (off) to 67108864") {
			t.Errorf("--sample-bytes %s: %v", bad, err)
		}
	}
}
