#!/usr/bin/env bash
# scripts/fluvio-test.sh - the Fluvio client's tests (package fluvio: unit
# and integration) against a real Fluvio SC and SPU, in one command:
#
#   bash scripts/fluvio-test.sh [go test flags...]   e.g. -race, -run TestProduce
#
# It starts a fresh cluster with scripts/fluvio.sh in a state directory of
# its own (so it never touches a cluster started by hand), runs
#   go test -tags fluvio -count=1 -v ./fluvio/...
# with FLUVIO_SC set, always stops the cluster (also on failure or Ctrl-C),
# shows the SC and SPU logs when tests fail, and prints each test's result
# and the figures the tests logged. The exit code is go test's.
#
# Knobs: PARTOP_FLUVIO_TEST_TIMEOUT (go test -timeout, default 5m; the whole
# run is killed 60 s after that), PARTOP_FLUVIO_KEEP=1 (keep the state
# directory and logs), FLUVIO_HOME (see scripts/fluvio.sh).
set -euo pipefail
exec </dev/null

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
cd "$ROOT"
TIMEOUT=${PARTOP_FLUVIO_TEST_TIMEOUT:-5m}
START=$SECONDS

log() { printf 'fluvio-test.sh: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || {
  log "go not found"
  exit 1
}

PARTOP_FLUVIO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/partop-fluvio-test.XXXXXX")
export PARTOP_FLUVIO_DIR
GOLOG=$(mktemp "${TMPDIR:-/tmp}/partop-fluvio-test-log.XXXXXX")
FLUVIO=(bash "$SCRIPT_DIR/fluvio.sh")

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n ${PARTOP_FLUVIO_KEEP:-} ]]; then
    log "keeping the cluster's state in $PARTOP_FLUVIO_DIR and the go test log in $GOLOG; stopping the processes"
    kill "$(cat "$PARTOP_FLUVIO_DIR/spu.pid" 2>/dev/null)" "$(cat "$PARTOP_FLUVIO_DIR/sc.pid" 2>/dev/null)" 2>/dev/null || true
  else
    "${FLUVIO[@]}" stop >/dev/null 2>&1 || log "warning: scripts/fluvio.sh stop failed"
    rm -f "$GOLOG"
  fi
  log "done in $((SECONDS - START))s, exit code $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Ports are picked free but could be taken before the SC binds them; one
# more try with fresh ports covers that.
if ! "${FLUVIO[@]}" start; then
  log "the cluster did not come up; trying once more on other ports"
  "${FLUVIO[@]}" start
fi
eval "$("${FLUVIO[@]}" env)"

log "running: go test -tags fluvio -count=1 -v -timeout $TIMEOUT ./fluvio/... $* (FLUVIO_SC=$FLUVIO_SC)"
set +e
# go test's own -timeout panics with stacks; the outer timeout is a backstop.
case $TIMEOUT in
*[0-9]s) outer=${TIMEOUT%s} ;;
*[0-9]m) outer=$((${TIMEOUT%m} * 60)) ;;
*[0-9]h) outer=$((${TIMEOUT%h} * 3600)) ;;
*) outer=300 ;;
esac
[[ $outer =~ ^[0-9]+$ ]] || outer=300
timeout --kill-after=10s "$((outer + 60))s" go test -tags fluvio -count=1 -v -timeout "$TIMEOUT" ./fluvio/... "$@" 2>&1 | tee "$GOLOG"
rc=${PIPESTATUS[0]}
set -e

if ((rc != 0)); then
  for f in "$PARTOP_FLUVIO_DIR"/logs/*.log; do
    [[ -f $f ]] || continue
    echo "----- last 40 lines of $(basename "$f")"
    tail -n 40 "$f"
  done
fi
echo
echo "== partop Fluvio client tests"
grep -E '^\s*--- (PASS|FAIL|SKIP)' "$GOLOG" | sed -E 's/^\s*--- /  /' || true
grep -E '^(panic:|FAIL\s|ok\s)' "$GOLOG" | sed 's/^/  /' || true
echo
echo "== figures"
grep -E 'FIGURE ' "$GOLOG" | sed -E 's/^.*FIGURE /  /' || echo "  (none)"
echo
echo "== go test exit code $rc, $((SECONDS - START))s"
exit "$rc"
