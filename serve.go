package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"partop/cmdline"
	"partop/engine"
	"partop/metrics"
	"partop/sshd"
	"partop/tui"
)

// servers are the listeners the flags asked for, bound before partop
// connects to anything so a taken port fails fast.
type servers struct {
	ssh     *sshd.Server
	metrics *metrics.Server
}

// listen binds what the flags ask for; nil when nothing is served.
func listen(o cmdline.Options) (*servers, error) {
	if o.SSH.Addr == "" && o.Metrics == "" {
		return nil, nil
	}
	srv := &servers{}
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
			srv.close()
			return nil, fmt.Errorf("--metrics: %w", err)
		}
		srv.metrics = m
	}
	return srv, nil
}

// serve starts accepting viewers of eng; they are served until close or
// until eng stops. ctx bounds the admin calls SSH sessions start.
func (s *servers) serve(ctx context.Context, eng *engine.Engine, cluster *tui.Cluster, stderr io.Writer) {
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

// serveCluster answers /metrics from the topics view's censuses (--ssh
// is refused with the topics view). Safe on nil.
func (s *servers) serveCluster(w metrics.Overview, match func(string) bool, stderr io.Writer) {
	if s == nil || s.metrics == nil {
		return
	}
	s.metrics.Announce(stderr)
	s.metrics.ServeCluster(w, match)
}

// close stops accepting and ends every session. Safe on nil.
func (s *servers) close() {
	if s == nil {
		return
	}
	s.ssh.Close()
	s.metrics.Close()
}
