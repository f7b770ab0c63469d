package sshd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2/bubbletea"

	"partop/engine"
	"partop/tui"
)

// viewer is one live session: who it is, and how it ends.
type viewer struct {
	sess     ssh.Session
	user     string // the SSH user name, cleaned: the client chooses it
	key      string // the key's comment in its file, cleaned
	addr     string
	viewOnly bool
	joined   time.Time

	// ctx ends the session's dashboard: cancelled by end or by the
	// connection closing. acts bounds the admin calls it starts.
	ctx        context.Context
	cancel     context.CancelFunc
	acts       context.Context
	stopOnBase func() bool

	idleFor   time.Duration
	lastInput atomic.Int64 // unix ns of the last keystroke or resize

	mu     sync.Mutex
	topics *tui.Topics // the session's dashboard when it can open the topics view: Close stops a topic it opened
	idle   *time.Timer
	why    string // why the server ended the session; empty when the viewer left
}

// requirePTY answers a session without a terminal (ssh host cmd, a pipe,
// scp) with one line, instead of wish's generic refusal.
func requirePTY(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			fmt.Fprintln(sess.Stderr(), "partop: this is a full-screen dashboard and needs a terminal: connect with plain ssh (or ssh -t), without a command")
			_ = sess.Exit(1)
			return
		}
		next(sess)
	}
}

// track registers a session for its whole life, so Close can end it and
// the event log can tell who came and went.
func (s *Server) track(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		v, refusal := s.join(sess)
		if v == nil {
			fmt.Fprintln(sess.Stderr(), "partop: "+refusal)
			_ = sess.Exit(1)
			return
		}
		defer s.leave(v)
		next(sess) // the dashboard, until q, idle, or partop stops
		if why := v.reason(); why != "" {
			fmt.Fprintln(sess, why) // after the dashboard restored the screen
		}
	}
}

// join admits a session, or says why not.
func (s *Server) join(sess ssh.Session) (*viewer, string) {
	g, ok, warnings := s.keys.lookup(sess.PublicKey())
	s.report(warnings)
	if !ok {
		return nil, "this key is no longer authorized"
	}
	v := &viewer{
		sess:     sess,
		user:     clean(sess.User(), 32),
		key:      clean(g.comment, 64),
		addr:     sess.RemoteAddr().String(),
		viewOnly: g.viewOnly,
		joined:   time.Now(),
		idleFor:  s.cfg.IdleTimeout,
	}
	s.mu.Lock()
	switch {
	case s.closing || s.eng == nil:
		s.mu.Unlock()
		return nil, "partop is stopping"
	case len(s.sessions) >= s.cfg.MaxSessions:
		s.mu.Unlock()
		return nil, fmt.Sprintf("%d viewers are watching already, the most this partop serves: try again later", s.cfg.MaxSessions)
	}
	v.ctx, v.cancel = context.WithCancel(sess.Context())
	// Admin calls end with the session or with partop's own context
	// (SIGINT), whichever is first; the dashboard itself stays until the
	// engine has stopped, so viewers see the run end.
	var cancelActs context.CancelFunc
	v.acts, cancelActs = context.WithCancel(v.ctx)
	v.stopOnBase = context.AfterFunc(s.baseCtx, cancelActs)
	s.sessions[sess] = v
	s.active.Add(1) // under mu, before closing is set: Close waits for it
	eng := s.eng
	s.mu.Unlock()

	v.touch()
	v.mu.Lock() // checkIdle reads idle on the timer's goroutine
	v.idle = time.AfterFunc(v.idleFor, v.checkIdle)
	v.mu.Unlock()
	how := ""
	if v.viewOnly {
		how = ", view only"
	}
	noteTo(eng, engine.KindSession, fmt.Sprintf("%s joined over SSH from %s (key %s%s)", v.user, v.addr, v.key, how))
	return v, ""
}

// leave forgets a session that ended and logs it, unless partop is
// stopping (nobody reads the log then).
func (s *Server) leave(v *viewer) {
	v.stopOnBase()
	v.cancel() // before Stop: a checkIdle running now sees it and does not re-arm
	v.mu.Lock()
	v.idle.Stop()
	topics := v.topics
	v.mu.Unlock()
	if topics != nil {
		topics.Close() // a topic it opened from the topics view stops with it
	}
	s.mu.Lock()
	delete(s.sessions, v.sess)
	closing, eng := s.closing, s.eng
	s.mu.Unlock()
	if !closing {
		left := "left"
		if v.reason() != "" { // only the idle timer ends a session while partop runs
			left = fmt.Sprintf("closed after %s without a keystroke", v.idleFor)
		}
		noteTo(eng, engine.KindSession, fmt.Sprintf("%s %s (from %s, after %s)", v.user, left, v.addr, time.Since(v.joined).Round(time.Second)))
	}
	s.active.Done()
}

// program makes the session's own dashboard: its own model (scroll, sort,
// prompt), size and colour profile (from the session's TERM and
// COLORTERM, by MakeOptions), reading the shared engine.
func (s *Server) program(sess ssh.Session) *tea.Program {
	s.mu.Lock()
	v, eng := s.sessions[sess], s.eng
	s.mu.Unlock()
	if v == nil {
		return nil
	}
	tick := s.cfg.Tick
	if tick <= 0 {
		tick = max(DefaultRefresh, eng.Snapshot().Tick)
	}
	cfg := tui.Config{Context: v.acts, ViewOnly: v.viewOnly, Tick: tick}
	var m tea.Model = tui.New(eng, cfg)
	if c := s.clusterAccess(); c != nil {
		base := s.baseCtx
		home := tui.NewHome(eng, func() tui.Overview { return c.Watch(base) }, tui.ClusterConfig{Name: c.Name, Open: c.Open, Context: v.acts, Topic: cfg})
		v.mu.Lock()
		v.topics = home
		v.mu.Unlock()
		m = home
	}
	opts := append(bubbletea.MakeOptions(sess),
		tea.WithoutSignalHandler(), // else every session would quit on the server's SIGINT
		tea.WithContext(v.ctx),     // end cancels it: the dashboard restores the terminal and returns
		tea.WithFilter(v.filter),   // replaces MakeOptions' filter, so it does that one's job too
	)
	return tea.NewProgram(m, opts...)
}

// filter notes the viewer's activity for the idle timer, and keeps a
// viewer from suspending the server's program (what wish's own filter
// does).
func (v *viewer) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseMsg, tea.WindowSizeMsg:
		v.touch()
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	}
	return msg
}

func (v *viewer) touch() { v.lastInput.Store(time.Now().UnixNano()) }

// checkIdle runs when the idle timer fires: it ends a session that has
// been quiet for idleFor, else waits out the rest. Output does not count:
// a live dashboard writes every tick, which is why the SSH server's own
// idle timeout cannot tell an idle viewer from a busy one.
func (v *viewer) checkIdle() {
	if v.ctx.Err() != nil {
		return // the session is over
	}
	quiet := time.Since(time.Unix(0, v.lastInput.Load()))
	if quiet < v.idleFor {
		v.mu.Lock()
		v.idle.Reset(v.idleFor - quiet)
		v.mu.Unlock()
		return
	}
	v.end(fmt.Sprintf("partop: no keystroke for %s: session closed (the run goes on).", v.idleFor))
}

// end stops the session's dashboard, saying why. The first reason stays.
func (v *viewer) end(why string) {
	v.mu.Lock()
	if v.why == "" {
		v.why = why
	}
	v.mu.Unlock()
	v.cancel()
}

func (v *viewer) reason() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.why
}

// clean makes a client-chosen string (user name, key comment) safe to
// show in every viewer's event log: no control characters or escape
// sequences, at most max runes.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	if b.Len() == 0 {
		return "?"
	}
	return b.String()
}
