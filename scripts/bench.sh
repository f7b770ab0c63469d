#!/usr/bin/env bash
# Runs partop's benchmarks and summarizes them with benchstat.
# Usage: scripts/bench.sh [quick|all|throughput]   (default all: about 4 minutes)
#   throughput: BenchmarkThroughput 5 times (about 6 minutes), every run's
#   ratio (the median over rounds of partop's records/s over plain kgo's in
#   the same round) and the minimum, the figure the goal is on (>= 0.95)
# Numbers depend on the machine and on what else runs: measure on an idle one.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-$(mktemp -d)}
benchstat="go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

if [ "${1:-all}" = throughput ]; then
  echo "== partop vs plain kgo, 5 runs of 10 alternating rounds each"
  go test -run '^$' -bench 'Throughput$' -benchtime 1x -count 5 -timeout 30m -v ./backend/kafka/kproducer/ | tee "$out/throughput.txt" | grep -E '^(Benchmark|    throughput_test)'
  awk '/^BenchmarkThroughput/ { for (i = 2; i <= NF; i++) if ($i == "ratio") { r = $(i-1); printf "%s ", r; if (min == "" || r < min) min = r } }
       END { printf "\nminimum ratio %s (goal >= 0.95)\n", min }' "$out/throughput.txt"
  echo "raw output in $out"
  exit 0
fi

echo "== micro benchmarks (10 runs each): stats and tui rendering"
go test -run '^$' -bench 'Snapshot|Sample|Ack' -benchmem -count 10 ./stats/ | tee "$out/stats.txt" >/dev/null
if ls tui/*_test.go >/dev/null 2>&1; then
  go test -run '^$' -bench 'Render' -benchmem -count 10 ./tui/ | tee "$out/tui.txt" >/dev/null
fi
$benchstat "$out"/stats.txt "$out"/tui.txt 2>/dev/null || $benchstat "$out/stats.txt"

[ "${1:-all}" = quick ] && exit 0

echo "== measurement runs against the embedded cluster (one run each)"
go test -run '^$' -bench 'Pickup|MetadataCost|Throughput|Memory60s' -benchtime 1x -timeout 20m -v ./backend/kafka/kproducer/ | tee "$out/producer.txt" | grep -E '^(Benchmark|    (bench|throughput)_test)'
echo "raw output in $out"
