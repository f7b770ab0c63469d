package cmdline

import "testing"

// TestListenAddr: a bare port means loopback; anything else is taken as
// given.
func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"2222": "127.0.0.1:2222", ":2222": "127.0.0.1:2222", "0.0.0.0:2222": "0.0.0.0:2222",
		"[::1]:2222": "[::1]:2222", "bastion:22": "bastion:22", "127.0.0.1:0": "127.0.0.1:0",
	} {
		if got, err := listenAddr("--ssh", in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "1:2:3", "-1", "65536"} {
		if got, err := listenAddr("--ssh", bad); err == nil {
			t.Errorf("%q: accepted as %q", bad, got)
		}
	}
}
