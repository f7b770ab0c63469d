package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SSH are the --ssh flags' values; main makes the SSH server's settings
// from them.
type SSH struct {
	Addr string // host:port to listen on; empty: no SSH dashboards
	// AuthorizedKeys may watch and act, ViewOnlyKeys only watch: files,
	// a leading ~ resolved; empty: none.
	AuthorizedKeys, ViewOnlyKeys string
	// DefaultKeys: AuthorizedKeys is DefaultAuthorizedKeys, not a file the
	// user named (a missing one gets a hint).
	DefaultKeys bool
	HostKey     string // the server's private key file; empty: the server's default
	IdleTimeout time.Duration
	Refresh     time.Duration // 0: the server's default
}

// serveOptions are the settings for views served to others: dashboards
// over SSH (--ssh) and Prometheus metrics (--metrics).
type serveOptions struct {
	fs             *flag.FlagSet // to tell which flags were given
	ssh            string
	authorizedKeys string
	viewOnlyKeys   string
	hostKey        string
	idleTimeout    time.Duration
	refresh        time.Duration
	metrics        string
}

// DefaultAuthorizedKeys is --ssh-authorized-keys' default.
const DefaultAuthorizedKeys = "~/.ssh/authorized_keys"

// DefaultSSHIdleTimeout is --ssh-idle-timeout's default (the SSH server's
// own default, which main's tests hold equal).
const DefaultSSHIdleTimeout = 30 * time.Minute

func defineServeFlags(fs *flag.FlagSet, u *usage) *serveOptions {
	s := &serveOptions{fs: fs}
	fs.StringVar(&s.ssh, "ssh", "", "serve the dashboard over SSH on `ADDR` (host:port; a bare port like 2222 means 127.0.0.1), one dashboard per session")
	fs.StringVar(&s.authorizedKeys, "ssh-authorized-keys", DefaultAuthorizedKeys, "public keys that may watch and act over SSH, in authorized_keys `FILE` format (\"\": none)")
	fs.StringVar(&s.viewOnlyKeys, "ssh-view-only-keys", "", "public keys that may only watch over SSH: no adding partitions, rate changes or pause (`FILE`)")
	fs.StringVar(&s.hostKey, "ssh-host-key", "", "the SSH server's private key `FILE`, created on first start (default: partop/ssh_host_ed25519_key in the user's config directory)")
	durationVar(fs, &s.idleTimeout, "ssh-idle-timeout", DefaultSSHIdleTimeout, "end an SSH session after this long without a keystroke", false)
	durationVar(fs, &s.refresh, "ssh-refresh", 0, "how often SSH dashboards redraw (default 500ms, or --tick if slower): each redraw of each viewer costs about 1 ms of CPU at 8 partitions", false)
	u.section("SSH dashboards")
	fs.StringVar(&s.metrics, "metrics", "", "serve Prometheus metrics on http://`ADDR`/metrics (host:port; a bare port like 9464 means 127.0.0.1)")
	u.section("Metrics")
	return s
}

// check validates the serving flags after parsing. Served views work the
// same with or without the local dashboard, so headless changes nothing.
func (s *serveOptions) check() error {
	var sshOnly []string
	s.fs.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "ssh-") {
			sshOnly = append(sshOnly, "--"+f.Name)
		}
	})
	var err error
	if s.ssh == "" {
		if len(sshOnly) > 0 {
			return fmt.Errorf("%s: needs --ssh ADDR", strings.Join(sshOnly, ", "))
		}
	} else {
		if s.ssh, err = listenAddr("--ssh", s.ssh); err != nil {
			return err
		}
		if s.idleTimeout < time.Second {
			return fmt.Errorf("--ssh-idle-timeout %s: must be at least 1s", s.idleTimeout)
		}
		if s.refresh != 0 && (s.refresh < 20*time.Millisecond || s.refresh > 10*time.Second) {
			return fmt.Errorf("--ssh-refresh %s: must be between 20ms and 10s", s.refresh)
		}
		if s.authorizedKeys == "" && s.viewOnlyKeys == "" {
			return errors.New("--ssh: --ssh-authorized-keys and --ssh-view-only-keys are both empty: nobody could log in")
		}
	}
	if s.metrics != "" {
		if s.metrics, err = listenAddr("--metrics", s.metrics); err != nil {
			return err
		}
	}
	return nil
}

// listenAddr makes a flag's address a host:port, loopback when only a
// port is given: serving to the network is a choice made by naming it.
func listenAddr(name, v string) (string, error) {
	v = strings.TrimSpace(v)
	host, port := "127.0.0.1", v
	if strings.Contains(v, ":") {
		var err error
		if host, port, err = net.SplitHostPort(v); err != nil {
			return "", fmt.Errorf("%s %q: want host:port, :port or a port", name, v)
		}
		if host == "" {
			host = "127.0.0.1"
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%s %q: %q is not a TCP port", name, v, port)
	}
	return net.JoinHostPort(host, port), nil
}

// expandHome resolves a leading ~/ in a file flag.
func expandHome(path string) (string, error) {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, strings.TrimPrefix(path, "~")), nil
}

// options checks the serving flags and returns the SSH settings (zero
// without --ssh) and the metrics address ("" without --metrics).
func (s *serveOptions) options() (SSH, string, error) {
	if err := s.check(); err != nil {
		return SSH{}, "", err
	}
	if s.ssh == "" {
		return SSH{}, s.metrics, nil
	}
	cfg, err := s.sshSettings()
	return cfg, s.metrics, err
}

// sshSettings resolves the SSH flags' file names.
func (s *serveOptions) sshSettings() (SSH, error) {
	cfg := SSH{Addr: s.ssh, IdleTimeout: s.idleTimeout, Refresh: s.refresh, DefaultKeys: s.authorizedKeys == DefaultAuthorizedKeys}
	var err error
	if cfg.AuthorizedKeys, err = expandHome(s.authorizedKeys); err != nil {
		return cfg, fmt.Errorf("--ssh-authorized-keys %s: %w", s.authorizedKeys, err)
	}
	if cfg.ViewOnlyKeys, err = expandHome(s.viewOnlyKeys); err != nil {
		return cfg, fmt.Errorf("--ssh-view-only-keys %s: %w", s.viewOnlyKeys, err)
	}
	if cfg.HostKey, err = expandHome(s.hostKey); err != nil {
		return cfg, fmt.Errorf("--ssh-host-key %s: %w", s.hostKey, err)
	}
	return cfg, nil
}
