package sshd

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"partop/backend/kafka/cluster/embeddedtest"
	"partop/backend/kafka/kproducer"
	"partop/engine"
	"partop/producer"
	"partop/rules"
	"partop/sshd/sshtest"
)

// benchEngine runs partop's producer on the embedded cluster, as main
// does, with a topic of the given partitions.
func benchEngine(b *testing.B, partitions int, rate float64, partitioner string) *engine.Engine {
	b.Helper()
	cl, topic := embeddedtest.Start(b, "bench", partitions)
	pcfg := kproducer.Config{Config: producer.Config{Topic: "bench", Rate: rate, Partitioner: partitioner}, ClientOpts: cl.ClientOpts()}
	p, err := kproducer.New(pcfg, cl, topic)
	if err != nil {
		b.Fatal(err)
	}
	eng := engine.New(p, engine.Config{Info: engine.Info{Cluster: cl.Name(), Topic: "bench"}})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = eng.Run(runCtx); close(done) }()
	b.Cleanup(func() { stop(); <-done })
	return eng
}

// benchServer serves eng to one authorized key on a free loopback port.
// PARTOP_BENCH_SSH_TICK sets how often the sessions' dashboards redraw
// (default DefaultRefresh).
func benchServer(b *testing.B, eng Engine, keyLine string) *Server {
	b.Helper()
	var tick time.Duration
	if v := os.Getenv("PARTOP_BENCH_SSH_TICK"); v != "" {
		var err error
		if tick, err = time.ParseDuration(v); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.WriteFile(keys, []byte(keyLine), 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := Listen(Config{Addr: "127.0.0.1:0", AuthorizedKeys: keys, HostKey: filepath.Join(dir, "hk"), Tick: tick})
	if err != nil {
		b.Fatal(err)
	}
	s.Serve(context.Background(), eng)
	b.Cleanup(s.Close)
	return s
}

// countingConn counts the bytes the server sends, SSH framing and
// encryption included.
type countingConn struct {
	net.Conn
	read atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// countingWriter counts what the dashboard writes to the terminal.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// BenchmarkSessionBytes measures what one SSH session at 120×40 costs on
// the wire while partop produces 1,000 records/s (uniform-sticky, the
// default when this was measured, whose bursts make every row change; and
// round-robin): terminal
// bytes per second (what the dashboard writes) and wire bytes per second
// (with SSH framing, MAC and encryption), with the 256 colours most
// clients get (TERM=xterm-256color) and with COLORTERM=truecolor. The
// first paint and a warm-up (PARTOP_BENCH_WARMUP, default 2s; the charts
// are full after 2m) are left out. Each op is one second of watching: run
// with -benchtime 20x.
func BenchmarkSessionBytes(b *testing.B) {
	warmUp := 2 * time.Second
	if v := os.Getenv("PARTOP_BENCH_WARMUP"); v != "" {
		var err error
		if warmUp, err = time.ParseDuration(v); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		partitions  int
		partitioner string
		colorterm   string
	}{
		{4, rules.UniformSticky, ""},
		{8, rules.UniformSticky, ""}, {8, rules.RoundRobin, ""}, {8, rules.UniformSticky, "truecolor"},
		{1024, rules.UniformSticky, ""}, {1024, rules.RoundRobin, ""}, {1024, rules.UniformSticky, "truecolor"},
	} {
		colors := "256"
		if bc.colorterm != "" {
			colors = bc.colorterm
		}
		b.Run(fmt.Sprintf("partitions=%d/%s/colors=%s", bc.partitions, bc.partitioner, colors), func(b *testing.B) {
			eng := benchEngine(b, bc.partitions, 1000, bc.partitioner)
			signer, line := newKey(b, "bench")
			s := benchServer(b, eng, line)
			raw, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			conn := &countingConn{Conn: raw}
			cc, chans, reqs, err := gossh.NewClientConn(conn, s.Addr().String(), &gossh.ClientConfig{
				User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
			})
			if err != nil {
				b.Fatal(err)
			}
			c := gossh.NewClient(cc, chans, reqs)
			defer c.Close()
			sess, err := c.NewSession()
			if err != nil {
				b.Fatal(err)
			}
			out := &countingWriter{}
			sess.Stdout = out
			if bc.colorterm != "" {
				if err := sess.Setenv("COLORTERM", bc.colorterm); err != nil {
					b.Fatal(err)
				}
			}
			if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
				b.Fatal(err)
			}
			if err := sess.Shell(); err != nil {
				b.Fatal(err)
			}
			time.Sleep(warmUp) // first paint; the charts fill in over 2 minutes
			t0, w0, n0 := time.Now(), conn.read.Load(), out.n.Load()
			b.ResetTimer()
			time.Sleep(time.Duration(b.N) * time.Second)
			b.StopTimer()
			secs := time.Since(t0).Seconds()
			b.ReportMetric(float64(out.n.Load()-n0)/secs, "term-B/s")
			b.ReportMetric(float64(conn.read.Load()-w0)/secs, "wire-B/s")
		})
	}
}

// cpuTime is the process's user+system CPU so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user+system CPU of other processes, from /proc (clock
// ticks of 10 ms); processes that are gone count nothing.
func procCPU(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces): state is
		// field 3, utime 14, stime 15.
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.Atoi(f[11])
			s, _ := strconv.Atoi(f[12])
			total += time.Duration(u+s) * 10 * time.Millisecond
		}
	}
	return total
}

// phase is what one measurement phase saw.
type phase struct {
	rate, cpu, clientCPU float64 // records/s; cores
}

// BenchmarkTwentySessions measures, in one run, partop's CPU and the
// producer's throughput (as fast as the cluster takes, and at 100,000
// records/s; 8 partitions, round-robin) without viewers and with 20 OpenSSH clients watching at
// 120×40, each in a tmux pane outside this process: phases alternate,
// without first and last, three with. The throughput ratio is the mean
// with over the mean without; the clients' own CPU (ssh and tmux, on the
// same two cores here, elsewhere in real use) is reported beside it.
// PARTOP_BENCH_PHASE sets a phase's length (default 8s). Run with
// -benchtime 1x.
func BenchmarkTwentySessions(b *testing.B) {
	sshtest.Require(b)
	length := 8 * time.Second
	if v := os.Getenv("PARTOP_BENCH_PHASE"); v != "" {
		var err error
		if length, err = time.ParseDuration(v); err != nil {
			b.Fatal(err)
		}
	}
	for _, rate := range []float64{0, 100_000} {
		name := "rate=max"
		if rate > 0 {
			name = fmt.Sprintf("rate=%.0f", rate)
		}
		b.Run(name, func(b *testing.B) { twentySessions(b, rate, length) })
	}
}

func twentySessions(b *testing.B, rate float64, length time.Duration) {
	eng := benchEngine(b, 8, rate, rules.RoundRobin)
	key, line := sshtest.Key(b, b.TempDir(), "viewer")
	s := benchServer(b, eng, line)
	measure := func(clients []int) phase {
		a0, c0, k0, t0 := eng.Snapshot().Stats.Acked, cpuTime(b), procCPU(clients), time.Now()
		time.Sleep(length)
		secs := time.Since(t0).Seconds()
		return phase{
			rate:      float64(eng.Snapshot().Stats.Acked-a0) / secs,
			cpu:       (cpuTime(b) - c0).Seconds() / secs,
			clientCPU: (procCPU(clients) - k0).Seconds() / secs,
		}
	}
	for range b.N {
		time.Sleep(3 * time.Second) // warm-up: connections, batches, GC
		without := []phase{measure(nil)}
		var with []phase
		for range 3 {
			x := sshtest.NewTmux(b)
			var terms []*sshtest.Term
			for i := range 20 {
				terms = append(terms, x.SSH(fmt.Sprintf("v%d", i), 120, 40, s.Addr().String(), key, "viewer"))
			}
			clients := []int{x.ServerPID()}
			for _, term := range terms {
				term.WaitText(30*time.Second, "topic bench")
				clients = append(clients, term.PID())
			}
			if n := s.Sessions(); n != 20 {
				b.Fatalf("%d sessions", n)
			}
			time.Sleep(time.Second)
			with = append(with, measure(clients))
			for _, term := range terms {
				term.Type("q")
			}
			for _, term := range terms {
				term.WaitExit(10 * time.Second)
			}
			x.Close()
			time.Sleep(time.Second)
			without = append(without, measure(nil))
		}
		mean := func(ps []phase) (m phase) {
			for _, p := range ps {
				m.rate += p.rate / float64(len(ps))
				m.cpu += p.cpu / float64(len(ps))
				m.clientCPU += p.clientCPU / float64(len(ps))
			}
			return m
		}
		for i, p := range without {
			b.Logf("without %d: %8.0f records/s, partop %.2f cores", i+1, p.rate, p.cpu)
			if i < len(with) {
				w := with[i]
				b.Logf("with    %d: %8.0f records/s, partop %.2f cores, clients %.2f cores", i+1, w.rate, w.cpu, w.clientCPU)
			}
		}
		mw, mo := mean(with), mean(without)
		b.ReportMetric(mw.rate/mo.rate, "throughput-ratio")
		b.ReportMetric(mo.cpu, "cores-without")
		b.ReportMetric(mw.cpu, "cores-with-20")
		b.ReportMetric(mw.clientCPU, "client-cores")
	}
}
