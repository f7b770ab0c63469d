package observe

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"partop/backend/kafka/cluster"
	"partop/engine"
	"partop/rules"
)

// cpuFor is how long BenchmarkObserveCPU observes (PARTOP_BENCH_CPU_FOR
// overrides it, e.g. 60s).
func cpuFor() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PARTOP_BENCH_CPU_FOR")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}

// BenchmarkObserveCPU is observe mode's CPU at 10,000 partitions with end
// offsets polled every second (and producers every 10 s), as a share of one
// core: user + system CPU time of the observing process over wall time. The
// cluster (kfake, with a producer at 5,000 records/s round-robin over all
// partitions) runs in another process and is not counted.
//
//   - in-process: an observe source and the engine (sampling, snapshots
//     every 250 ms) in this process, measured with getrusage(RUSAGE_SELF)
//     from Run to its return; no view.
//   - binary: with PARTOP_BIN set to a built partop, `partop --observe
//     --headless` (JSON lines with 10,000 partitions a second included)
//     from exec to exit, from its rusage.
func BenchmarkObserveCPU(b *testing.B) {
	seeds := clusterProcess(b, 10000, 5000)
	d := cpuFor()
	b.Run("in-process", func(b *testing.B) {
		for range b.N {
			cpu, wall := observeInProcess(b, seeds, d)
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
			b.ReportMetric(cpu.Seconds()*1000, "cpu-ms")
		}
	})
	bin := os.Getenv("PARTOP_BIN")
	if bin == "" {
		return
	}
	b.Run("binary", func(b *testing.B) {
		for range b.N {
			cpu, wall := observeBinary(b, bin, seeds, d)
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
			b.ReportMetric(cpu.Seconds()*1000, "cpu-ms")
		}
	})
}

func observeInProcess(b *testing.B, seeds []string, d time.Duration) (cpu, wall time.Duration) {
	opts := []kgo.Opt{kgo.SeedBrokers(seeds...)}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		b.Fatal(err)
	}
	top, err := cluster.Describe(context.Background(), cl, benchTopic)
	cl.Close()
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Topic: benchTopic, ClientOpts: opts}, nil, top)
	if err != nil {
		b.Fatal(err)
	}
	eng := engine.New(s, engine.Config{
		Info:       engine.Info{Cluster: strings.Join(seeds, ","), Topic: benchTopic},
		StepWindow: rules.DefaultPollInterval,
	})
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	before, start := usage(b), time.Now()
	if err := eng.Run(ctx); err != nil {
		b.Fatal(err)
	}
	cpu, wall = usage(b)-before, time.Since(start)
	if snap := eng.Snapshot(); snap.Stats.Acked == 0 || len(snap.Producers.List) == 0 {
		b.Fatalf("observed %d records and %d producers: the cluster process is not writing", snap.Stats.Acked, len(snap.Producers.List))
	}
	return cpu, wall
}

// usage is this process's CPU time so far, user and system.
func usage(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func observeBinary(b *testing.B, bin string, seeds []string, d time.Duration) (cpu, wall time.Duration) {
	cmd := exec.Command(bin, "--observe", "--headless", "--brokers", strings.Join(seeds, ","), "--topic", benchTopic, "--duration", d.String())
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	wall = time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), wall
}
