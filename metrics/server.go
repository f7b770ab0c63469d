package metrics

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"partop/rules"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Running is an engine the server follows: *engine.Engine.
type Running interface {
	Engine
	// Done is closed when the engine has stopped.
	Done() <-chan struct{}
}

// Server serves /metrics over HTTP. Listen binds it, Serve starts it,
// Close stops it.
type Server struct {
	ln        net.Listener
	http      *http.Server
	collector *Collector
	stop      chan struct{}
	wg        sync.WaitGroup
	once      sync.Once
}

// Listen binds addr (host:port) so a taken port fails before partop
// connects to anything.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{ln: ln, stop: make(chan struct{})}, nil
}

// Addr is the address the server listens on (the real port when 0 was
// asked for).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Announce tells the operator, on w, where to scrape.
func (s *Server) Announce(w io.Writer) {
	fmt.Fprintf(w, "partop: metrics: listening on http://%s/metrics\n", s.Addr())
}

// Handler serves the registry of a collector on eng, with Go runtime and
// process metrics (partop's CPU and memory) beside it.
func Handler(c *Collector) http.Handler { return handler(c) }

// handler serves the registry of c, with Go runtime and process metrics.
func handler(c prometheus.Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "partop: metrics are at /metrics")
	})
	return mux
}

// Serve answers scrapes of eng until Close, and keeps the pickup
// histogram in step with eng on every tick until eng stops.
func (s *Server) Serve(eng Running) {
	c := NewCollector(eng)
	s.collector = c
	s.http = &http.Server{
		Handler:           Handler(c),
		ReadHeaderTimeout: 10 * time.Second, // a scraper that never finishes its request holds nothing for long
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		// ErrServerClosed after Close; any other error means the listener
		// broke: scrapes fail, which is what Prometheus reports (up == 0),
		// and the run goes on.
		_ = s.http.Serve(s.ln)
	}()
	go func() {
		defer s.wg.Done()
		follow(c, eng, s.stop)
	}()
}

// ServeCluster answers scrapes of the topics view's censuses (of the
// topics match allows; nil: all) until Close.
func (s *Server) ServeCluster(w Overview, match func(string) bool) {
	s.http = &http.Server{Handler: handler(NewClusterCollector(w, match)), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.http.Serve(s.ln) // see Serve
	}()
}

// follow syncs the histogram on every engine tick until the engine stops
// (then once more, for the final snapshot) or stop closes.
func follow(c *Collector, eng Running, stop <-chan struct{}) {
	tick := eng.Snapshot().Tick
	if tick <= 0 {
		tick = rules.DefaultTick
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-eng.Done():
			c.Sync(eng.Snapshot())
			return
		case <-t.C:
			c.Sync(eng.Snapshot())
		}
	}
}

// Close stops serving: scrapes in flight get a second to finish. Safe on
// nil and more than once.
func (s *Server) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		close(s.stop)
		if s.http == nil { // never served
			_ = s.ln.Close()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			_ = s.http.Close()
		}
		s.wg.Wait()
	})
}
