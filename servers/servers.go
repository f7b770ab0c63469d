// Package servers holds the listeners the flags ask for beside a run:
// dashboards over SSH (sshd) and Prometheus /metrics (metrics). They are
// bound before partop connects to anything, so a taken port fails fast,
// and serve the run's engine, or the topics view's censuses, once there
// is one. main only calls Listen, Serve or ServeCluster, and Close.
package servers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"

	"partop/cmdline"
	"partop/engine"
	"partop/metrics"
	"partop/sshd"
	"partop/tui"
)

// Servers are the listeners the flags asked for.
type Servers struct {
	ssh     *sshd.Server
	metrics *metrics.Server
}

// Listen binds what the flags ask for; nil when nothing is served.
func Listen(o cmdline.Options) (*Servers, error) {
	if o.SSH.Addr == "" && o.Metrics == "" {
		return nil, nil
	}
	srv := &Servers{}
	if o.SSH.Addr != "" {
		var err error
		s := o.SSH
		cfg := sshd.Config{Addr: s.Addr, AuthorizedKeys: s.AuthorizedKeys, ViewOnlyKeys: s.ViewOnlyKeys, HostKey: s.HostKey, IdleTimeout: s.IdleTimeout, Tick: s.Refresh}
		if srv.ssh, err = sshd.Listen(cfg); err != nil {
			if errors.Is(err, fs.ErrNotExist) && o.SSH.DefaultKeys {
				err = fmt.Errorf("%w (name the keys allowed in with --ssh-authorized-keys FILE)", err)
			}
			return nil, fmt.Errorf("--ssh: %w", err)
		}
	}
	if o.Metrics != "" {
		m, err := metrics.Listen(o.Metrics)
		if err != nil {
			srv.Close()
			return nil, fmt.Errorf("--metrics: %w", err)
		}
		srv.metrics = m
	}
	return srv, nil
}

// Serve starts accepting viewers of eng; they are served until Close or
// until eng stops. ctx bounds the admin calls SSH sessions start. Safe on
// nil.
func (s *Servers) Serve(ctx context.Context, eng *engine.Engine, cluster *tui.Cluster, stderr io.Writer) {
	if s == nil {
		return
	}
	if s.ssh != nil {
		s.ssh.Announce(stderr)
		if cluster != nil {
			s.ssh.SetCluster(cluster)
		}
		s.ssh.Serve(ctx, eng)
	}
	if s.metrics != nil {
		s.metrics.Announce(stderr)
		s.metrics.Serve(eng)
	}
}

// ServeCluster answers /metrics from the topics view's censuses (--ssh
// is refused with the topics view). Safe on nil.
func (s *Servers) ServeCluster(w metrics.Overview, match func(string) bool, stderr io.Writer) {
	if s == nil || s.metrics == nil {
		return
	}
	s.metrics.Announce(stderr)
	s.metrics.ServeCluster(w, match)
}

// MetricsAddr is where /metrics listens; nil without --metrics.
func (s *Servers) MetricsAddr() net.Addr {
	if s == nil || s.metrics == nil {
		return nil
	}
	return s.metrics.Addr()
}

// Close stops accepting and ends every session. Safe on nil.
func (s *Servers) Close() {
	if s == nil {
		return
	}
	s.ssh.Close()
	s.metrics.Close()
}
