#!/usr/bin/env bash
# scripts/kafka-test.sh - partop's integration tests against a real Apache
# Kafka, in one command:
#
#   bash scripts/kafka-test.sh [go test flags...]   e.g. -run TestPickup
#
# It fetches Kafka if needed (scripts/kafka.sh fetch: Maven, once), starts a
# fresh 3-node KRaft cluster on 127.0.0.1 (stopping any cluster kafka.sh
# left running), runs `go test -tags kafka -count=1 -v ./backend/kafka/e2e/...`
# with a timeout, always stops the cluster (even on failure or Ctrl-C), and
# prints a summary: each test's result and figures (pickup latency, acked vs
# read back, missing, duplicates, recovery time), and the total runtime.
# The exit code is go test's (or kafka.sh's, if the cluster did not start).
#
# Non-interactive: reads nothing from stdin, installs nothing that asks
# questions; fine from a fresh clone, with CI=true, as root. As root it
# installs Debian's kcat when missing (apt-get): TestGroupsOnKafka runs it
# as a librdkafka consumer group.
#
# Knobs (environment): PARTOP_IT_NODES (3; 1 skips the broker-failure test),
# PARTOP_IT_TIMEOUT (go test -timeout, default 8m), PARTOP_IT_KEEP_LOGS=1
# (keep the go test log), and scripts/kafka.sh's own (PARTOP_KAFKA_*).
set -euo pipefail
exec </dev/null

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
cd "$ROOT"

NODES=${PARTOP_IT_NODES:-3}
TIMEOUT=${PARTOP_IT_TIMEOUT:-8m}
KAFKA=(bash "$SCRIPT_DIR/kafka.sh")
START=$SECONDS

log() { printf 'kafka-test.sh: %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/partop-kafka-test.XXXXXX")
REPORT=$WORK/figures.txt
GOLOG=$WORK/go-test.log
: >"$REPORT"

cluster_started=0
# shellcheck disable=SC2317 # called by the traps
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((cluster_started)); then
    log "stopping the cluster"
    "${KAFKA[@]}" down || log "warning: scripts/kafka.sh down failed"
  fi
  log "done in $((SECONDS - START))s, exit code $rc"
  if [[ -n ${PARTOP_IT_KEEP_LOGS:-} ]]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

command -v go >/dev/null 2>&1 || {
  log "go not found"
  exit 1
}

"${KAFKA[@]}" fetch

# kcat (librdkafka) is the consumer group nobody here wrote in
# TestGroupsOnKafka.
if ! command -v kcat >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing kcat with apt-get"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat; } >"$WORK/apt.log" 2>&1; then
      tail -n 20 "$WORK/apt.log" >&2
      log "warning: could not install kcat; TestGroupsOnKafka will fail"
    fi
  else
    log "warning: kcat not found and not root; TestGroupsOnKafka will fail (install it: apt-get install kcat)"
  fi
fi

# A cluster kafka.sh left running (by hand, or by a run that was killed)
# would be reused with old topics, or refuse a different node count:
# start from nothing.
cluster_started=1
"${KAFKA[@]}" down
up_start=$SECONDS
# A node has been seen to exit during start-up once in about 20 runs, with
# nothing in its log but the shutdown; a second start has always worked.
if ! "${KAFKA[@]}" up "$NODES"; then
  log "the cluster did not come up; stopping it and trying once more"
  "${KAFKA[@]}" down
  "${KAFKA[@]}" up "$NODES"
fi
up_secs=$((SECONDS - up_start))
eval "$("${KAFKA[@]}" env)"
export KAFKA_BROKERS KAFKA_SASL_BROKERS KAFKA_CA KAFKA_NODES
export PARTOP_IT_REPORT=$REPORT

log "running: go test -tags kafka -count=1 -v -timeout $TIMEOUT ./backend/kafka/e2e/... $*"
test_start=$SECONDS
set +e
go test -tags kafka -count=1 -v -timeout "$TIMEOUT" ./backend/kafka/e2e/... "$@" 2>&1 | tee "$GOLOG"
rc=${PIPESTATUS[0]}
set -e
test_secs=$((SECONDS - test_start))

{
  echo
  echo "== partop integration summary (Kafka ${PARTOP_KAFKA_VERSION:-4.1.1}, $KAFKA_NODES node(s))"
  grep -E '^\s*--- (PASS|FAIL|SKIP)' "$GOLOG" | sed -E 's/^\s*--- /  /' || true
  if grep -qE '^(panic:|FAIL\s|ok\s)' "$GOLOG"; then
    grep -E '^(panic:|FAIL\s|ok\s)' "$GOLOG" | sed 's/^/  /'
  fi
  echo
  echo "== figures"
  if [[ -s $REPORT ]]; then
    # One line per figure group: "Test/sub  a | b | c" -> a, b, c indented.
    while IFS= read -r line; do
      name=${line%% *}
      rest=${line#"$name"}
      rest=${rest#"${rest%%[![:space:]]*}"}
      echo "  $name"
      awk -v s="$rest" 'BEGIN { n = split(s, parts, / \| /); for (i = 1; i <= n; i++) print "      " parts[i] }'
    done <"$REPORT"
  else
    echo "  (none recorded)"
  fi
  if ((rc != 0)); then
    echo
    echo "== what failed (the lines before each FAIL)"
    grep -B 12 -E '^\s*--- FAIL' "$GOLOG" | sed 's/^/  /' || true
    # A node that died mid-run fails every test after it: say which, with
    # the end of its log, before down removes it.
    echo
    echo "== the cluster after the tests"
    "${KAFKA[@]}" status 2>&1 | sed 's/^/  /' || true
    while read -r node state _; do
      if [[ $state == stopped ]]; then
        n=${node%:}
        for f in "${PARTOP_KAFKA_DIR:-$ROOT/.kafka}/run/node$n/logs/"{server,stdout}.log; do
          [[ -s $f ]] && { echo "  -- last lines of $f"; tail -n 15 "$f" | sed 's/^/    /'; }
        done
      fi
    done < <("${KAFKA[@]}" status 2>/dev/null | sed 's/^node //')
  fi
  echo
  echo "== time: cluster up ${up_secs}s, tests ${test_secs}s, total $((SECONDS - START))s (before shutdown); go test exit code $rc"
}
exit "$rc"
