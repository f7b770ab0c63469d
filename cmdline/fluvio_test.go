package cmdline

import (
	"io"
	"strings"
	"testing"
)

// TestFluvioFlags: what --fluvio refuses, in words that name the conflict.
// None of these reach a network.
func TestFluvioFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // "" = accepted
	}{
		{[]string{"--fluvio", "127.0.0.1:9003"}, ""},
		{[]string{"--fluvio", "127.0.0.1:9003", "--observe"}, ""},
		{[]string{"--fluvio", "127.0.0.1:9003", "--partitioner", "key-hash", "--create", "--at", "5s:add=2"}, ""},
		{[]string{"--fluvio", "127.0.0.1:9003", "--brokers", "k:9092"}, "--fluvio and --brokers"},
		{[]string{"--fluvio", "127.0.0.1:9003", "--tls"}, "TLS and SASL"},
		{[]string{"--fluvio", "127.0.0.1:9003", "--sasl-user", "a"}, "TLS and SASL"},
		{[]string{"--fluvio", "127.0.0.1:9003", "--port", "9093"}, "no embedded Fluvio"},
		{[]string{"--fluvio", "127.0.0.1:9003", "--discovery-interval", "2s"}, "pushes partition changes"},
		{[]string{"--fluvio", "127.0.0.1:9003", "--partitioner", "least-backup"}, "not available with --fluvio"},
		{[]string{"--fluvio", "127.0.0.1:9003", "--topic", "Orders_v1"}, "Fluvio topic names"},
		{[]string{"--fluvio", "9003"}, "host:port"},
		{[]string{"--fluvio", "127.0.0.1:9003", "--observe", "--rate", "5"}, "--observe with --rate"},
	} {
		_, err := Parse(c.args, io.Discard)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want one with %q", c.args, err, c.want)
		}
	}
}

// TestConsumeFlags: what --consume and its flags refuse, naming the flag.
func TestConsumeFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // "" = accepted
	}{
		{[]string{"--consume"}, ""},
		{[]string{"--consume", "--group", "billing", "--consumer-protocol", "classic", "--consumer-reset", "by-duration:10m"}, ""},
		{[]string{"--consume", "--consumer-protocol", "eager"}, "unknown consumer protocol"},
		{[]string{"--consume", "--consumer-reset", "none"}, "unknown reset policy"},
		{[]string{"--consume", "--consumer-reset", "by-duration:-1m"}, "positive duration"},
		{[]string{"--consume", "--group", ""}, "--group: group name is empty"},
		{[]string{"--consume", "--group", strings.Repeat("g", 300)}, "at most 255"},
		{[]string{"--consume", "--observe", "--brokers", "k:9092"}, "--consume with --observe"},
		{[]string{"--consume", "--fluvio", "127.0.0.1:9003"}, "--consume with --fluvio"},
		{[]string{"--group", "billing"}, ""}, // the embedded cluster consumes by default
		{[]string{"--brokers", "k:9092", "--group", "billing"}, "--group: needs --consume"},
		{[]string{"--consume=false", "--group", "billing"}, "--group: needs --consume"},
		{[]string{"--groups-interval", "100ms"}, "--groups-interval 100ms"},
		{[]string{"--groups-interval", "-1s"}, ""},
	} {
		_, err := Parse(c.args, io.Discard)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want one with %q", c.args, err, c.want)
		}
	}
}

// TestConsumeByDefault: partop's own group runs on the embedded cluster
// unless turned off, and never on a real cluster unless asked.
func TestConsumeByDefault(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--consume=false"}, false},
		{[]string{"--brokers", "k:9092"}, false},
		{[]string{"--brokers", "k:9092", "--consume"}, true},
		{[]string{"--fluvio", "127.0.0.1:9003"}, false},
		{[]string{"--observe", "--brokers", "k:9092"}, false},
	} {
		o, err := Parse(c.args, io.Discard)
		if err != nil || o.Consume != c.want {
			t.Errorf("%v: consume %v, %v; want %v", c.args, o.Consume, err, c.want)
		}
	}
}
