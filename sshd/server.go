// Package sshd serves partop's dashboard over SSH: every session gets its
// own dashboard (its own size, colour profile, scroll and sort) over the
// one engine, the way Charm's soft-serve and wishlist serve their TUIs.
//
// Security model: public keys only, from an authorized_keys file; keys
// from a second file may watch but not act (tui.Config.ViewOnly); no
// passwords, no keyboard-interactive, no anonymous access (wish accepts
// everyone when no auth option is set; this server always sets one); no
// port forwarding, agent use, exec or subsystems beyond the dashboard.
//
// Sessions are tracked in a map that holds only live sessions, so Close
// can end each one cleanly: its dashboard restores the viewer's terminal,
// it gets a line saying why, and only then is the connection closed.
package sshd

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"partop/engine"
	"partop/tui"
)

// Engine is what sessions watch: *engine.Engine. The server's own news
// (sessions joining and leaving, refused logins) goes through Apply too, as
// an engine.ActNote.
type Engine interface {
	tui.Engine
	// Done is closed when the engine has stopped; sessions end then.
	Done() <-chan struct{}
}

// Defaults.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxSessions = 64
	// DefaultRefresh is how often a session's dashboard redraws: half the
	// local dashboard's rate. Measured on 2 cores at full speed, 20
	// viewers redrawing every 250 ms cost the producer 5–7% of its
	// throughput, every 500 ms 3–5%; and half the redraws are half the
	// bytes on a slow jump-host link.
	DefaultRefresh = 500 * time.Millisecond
)

// Config sets up a Server.
type Config struct {
	Addr string // host:port to listen on
	// AuthorizedKeys may watch and act; ViewOnlyKeys may only watch. At
	// least one must name a readable file with a usable key.
	AuthorizedKeys, ViewOnlyKeys string
	// HostKey is the server's private key file, created when missing
	// (default DefaultHostKey).
	HostKey string
	// IdleTimeout ends a session with no keystroke or resize for this
	// long (default DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxSessions bounds concurrent sessions (default DefaultMaxSessions):
	// each costs a render per tick.
	MaxSessions int
	// Tick is how often each dashboard reads a snapshot and redraws
	// (default DefaultRefresh, or the engine's tick when that is slower).
	Tick time.Duration
	// RefusalWindow is how often refused logins reach the event log: the
	// first at once, the rest of each window as one line (default
	// DefaultRefusalWindow).
	RefusalWindow time.Duration
}

// Server is an SSH server of dashboards. Listen binds it, Serve starts
// it, Close ends every session and stops it.
type Server struct {
	cfg         Config
	cluster     *tui.Cluster // SetCluster's: t opens the topics view
	ln          net.Listener
	ssh         *ssh.Server
	keys        *keyring
	refused     *refusals
	fingerprint string
	created     bool
	warnings    []string

	mu       sync.Mutex
	eng      Engine          // set by Serve
	baseCtx  context.Context // set by Serve: bounds sessions' admin calls
	stop     context.CancelFunc
	sessions map[ssh.Session]*viewer // live sessions only: removed as they end
	closing  bool

	active sync.WaitGroup // session handlers running
	once   sync.Once
	closed chan struct{} // closed when shutdown is done
}

// Listen checks the key files, reads or creates the host key and binds
// the address, so every mistake shows before partop connects to a
// cluster.
func Listen(cfg Config) (*Server, error) {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.RefusalWindow <= 0 {
		cfg.RefusalWindow = DefaultRefusalWindow
	}
	keys, warnings, err := newKeyring(cfg.AuthorizedKeys, cfg.ViewOnlyKeys)
	if err != nil {
		return nil, err
	}
	if cfg.HostKey == "" {
		if cfg.HostKey, err = DefaultHostKey(); err != nil {
			return nil, fmt.Errorf("host key: %w", err)
		}
	}
	pemBytes, signer, created, err := hostKey(cfg.HostKey)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	s := &Server{cfg: cfg, keys: keys, warnings: warnings, created: created,
		fingerprint: gossh.FingerprintSHA256(signer.PublicKey()),
		sessions:    map[ssh.Session]*viewer{}, closed: make(chan struct{})}
	s.refused = &refusals{window: cfg.RefusalWindow, note: func(msg string) { s.note(engine.KindSession, msg) }}
	s.ssh, err = wish.NewServer(
		wish.WithHostKeyPEM(pemBytes), // never wish's default: a new key in the working directory
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithIdleTimeout(cfg.IdleTimeout), // connections with no session; sessions have their own timer
		wish.WithVersion("partop"),
		func(srv *ssh.Server) error {
			srv.HandshakeTimeout = 20 * time.Second
			srv.ConnectionFailedCallback = s.refused.failed
			return nil
		},
		// The last runs first.
		wish.WithMiddleware(bubbletea.MiddlewareWithProgramHandler(s.program), s.track, requirePTY),
	)
	if err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, err
	}
	return s, nil
}

// Addr is where the server listens (the real port when 0 was asked for).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Fingerprint is the host key's SHA256 fingerprint, for viewers to check
// on first connect.
func (s *Server) Fingerprint() string { return s.fingerprint }

// Announce tells the operator, on w, the key-file lines Listen skipped
// (later ones go to the engine's event log) and how to connect: the address, the ssh command and the host key's fingerprint.
func (s *Server) Announce(w io.Writer) {
	for _, warn := range s.warnings {
		fmt.Fprintln(w, "partop: ssh:", warn)
	}
	host, port, _ := net.SplitHostPort(s.Addr().String())
	created := ""
	if s.created {
		created = ", new"
	}
	fmt.Fprintf(w, "partop: ssh: listening on %s (ssh -p %s %s; host key %s%s)\n", s.Addr(), port, host, s.fingerprint, created)
}

// SetCluster gives the sessions started after it the topics view of the
// cluster (t), sharing c's census; call it before Serve.
func (s *Server) SetCluster(c *tui.Cluster) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cluster = c
}

func (s *Server) clusterAccess() *tui.Cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cluster
}

// Serve accepts viewers of eng until Close or until eng stops. ctx bounds
// the admin calls sessions start.
func (s *Server) Serve(ctx context.Context, eng Engine) {
	// wish's middleware logs every program that ends with an error (a
	// viewer who drops the connection) on its global logger, whose
	// default is stderr: under the local dashboard that would scribble
	// over the screen. Session news goes to the event log instead.
	log.SetOutput(io.Discard)
	s.mu.Lock()
	s.eng = eng
	s.baseCtx, s.stop = context.WithCancel(ctx)
	s.mu.Unlock()
	go func() { _ = s.ssh.Serve(s.ln) }() // returns once Close closes the listener
	go func() {
		select {
		case <-eng.Done():
			s.shutdown(stopped)
		case <-s.closed:
		}
	}()
}

// Sessions is how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Close ends every session and stops the server. Safe on nil and more
// than once.
func (s *Server) Close() {
	if s == nil {
		return
	}
	s.shutdown(stopped)
}

// stopped is what viewers read when partop stops.
const stopped = "partop stopped: the run is over."

// shutdown stops accepting, ends each session so its dashboard restores
// the viewer's terminal and says why, then closes what is left:
// connections without a session and sessions whose viewer stopped
// reading.
func (s *Server) shutdown(why string) {
	s.once.Do(func() {
		s.mu.Lock()
		s.closing = true
		open := make([]*viewer, 0, len(s.sessions))
		for _, v := range s.sessions {
			open = append(open, v)
		}
		s.mu.Unlock()
		s.refused.close()
		_ = s.ln.Close()
		for _, v := range open {
			v.end(why)
		}
		waitFor(&s.active, 3*time.Second)
		// Give clients a moment to close their connections themselves
		// (OpenSSH says "closed by remote host" otherwise), then cut what
		// is left: connections without a session, and sessions whose
		// viewer stopped reading (their writes block), which ends their
		// handlers.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.ssh.Shutdown(ctx)
		cancel()
		_ = s.ssh.Close()
		waitFor(&s.active, 2*time.Second)
		s.mu.Lock()
		stop := s.stop
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
		close(s.closed)
	})
}

// waitFor waits for wg at most d.
func waitFor(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// authorize is the only authentication the server accepts.
func (s *Server) authorize(_ ssh.Context, key ssh.PublicKey) bool {
	_, ok, warnings := s.keys.lookup(key)
	s.report(warnings)
	return ok
}

// note puts a line in the event log, once Serve has an engine: logins
// and key-file problems can come before it.
func (s *Server) note(kind, msg string) {
	s.mu.Lock()
	eng := s.eng
	s.mu.Unlock()
	if eng != nil {
		noteTo(eng, kind, msg)
	}
}

// noteTo puts a line in eng's event log.
func noteTo(eng Engine, kind, msg string) {
	_ = eng.Apply(context.Background(), engine.Action{Kind: engine.ActNote, NoteKind: kind, Note: msg})
}

// report puts key-file problems found after start in the event log.
func (s *Server) report(warnings []string) {
	for _, w := range warnings {
		s.note(engine.KindError, "ssh keys: "+clean(w, 200))
	}
}
