#!/usr/bin/env bash
# scripts/fluvio-test.sh - partop's whole Fluvio suite against a real
# Fluvio SC and SPU, in one command:
#
#   bash scripts/fluvio-test.sh [go test flags...]   e.g. -race, -run TestProduce
#
#   ./backend/fluvio/client/ the protocol client (unit and integration)
#   ./backend/fluvio/  partop's Fluvio backend: producer, observer, topics
#   ./backend/fluvio/e2e/     the partop binary: --fluvio, --observe, SPU kill -9,
#                      failure messages, and the side-by-side benchmark with
#                      Fluvio's own producer (figures for docs/BENCHMARKS.md)
#
# It installs Fluvio's own client (PyPI fluvio==0.21.0, Python 3.11 only:
# the wheel is cp311) into a venv under ${XDG_CACHE_HOME:-~/.cache}/partop
# on first use (pip from PyPI; later runs reuse it), starts a fresh cluster
# with scripts/fluvio.sh in a state directory of its own (so it never
# touches a cluster started by hand), runs
#   go test -tags fluvio -p 1 -count=1 -v ./backend/fluvio/...
# (-p 1: tests kill and restart the one SPU, so packages must not overlap)
# with FLUVIO_SC and PARTOP_FLUVIO_PYTHON set, always stops the cluster
# (also on failure or Ctrl-C), shows the SC and SPU logs when tests fail,
# and prints each test's result and the figures the tests logged. The exit
# code is go test's. About 2-3 minutes.
#
# Knobs: PARTOP_FLUVIO_TEST_TIMEOUT (go test -timeout, default 10m; the whole
# run is killed 60 s after that), PARTOP_FLUVIO_KEEP=1 (keep the state
# directory and logs), FLUVIO_HOME (see scripts/fluvio.sh),
# PARTOP_FLUVIO_PYTHON (a Python with fluvio 0.21.0 already installed:
# skips the venv), PARTOP_PYTHON311 (the python3.11 to make the venv with).
set -euo pipefail
exec </dev/null

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
cd "$ROOT"
TIMEOUT=${PARTOP_FLUVIO_TEST_TIMEOUT:-10m}
START=$SECONDS

log() { printf 'fluvio-test.sh: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || {
  log "go not found"
  exit 1
}

# python_client: a Python with Fluvio's client, installed once into a venv.
python_client() {
  local venv py
  venv=${XDG_CACHE_HOME:-$HOME/.cache}/partop/fluvio-py-0.21.0
  if [[ -x $venv/bin/python ]] && "$venv/bin/python" -c 'import fluvio' 2>/dev/null; then
    echo "$venv/bin/python"
    return
  fi
  py=${PARTOP_PYTHON311:-$(command -v python3.11 || true)}
  if [[ -z $py ]] && command -v python3 >/dev/null 2>&1 &&
    [[ $(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') == 3.11 ]]; then
    py=$(command -v python3)
  fi
  [[ -n $py ]] || {
    log "Fluvio's Python client (fluvio 0.21.0) needs Python 3.11: install python3.11 (and python3.11-venv) or set PARTOP_PYTHON311"
    return 1
  }
  log "installing Fluvio's own client (pip install fluvio==0.21.0 from PyPI) into $venv, once"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv" >&2 || {
    log "$py -m venv failed (on Debian: apt-get install python3.11-venv)"
    return 1
  }
  "$venv/bin/pip" install --quiet --disable-pip-version-check fluvio==0.21.0 >&2 || {
    log "pip install fluvio==0.21.0 failed"
    return 1
  }
  "$venv/bin/python" -c 'import fluvio' >&2 || return 1
  echo "$venv/bin/python"
}
if [[ -z ${PARTOP_FLUVIO_PYTHON:-} ]]; then
  PARTOP_FLUVIO_PYTHON=$(python_client) || exit 1
fi
export PARTOP_FLUVIO_PYTHON

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

log "running: go test -tags fluvio -p 1 -count=1 -v -timeout $TIMEOUT ./backend/fluvio/... $* (FLUVIO_SC=$FLUVIO_SC, Python $PARTOP_FLUVIO_PYTHON)"
set +e
# go test's own -timeout panics with stacks; the outer timeout is a backstop.
case $TIMEOUT in
*[0-9]s) outer=${TIMEOUT%s} ;;
*[0-9]m) outer=$((${TIMEOUT%m} * 60)) ;;
*[0-9]h) outer=$((${TIMEOUT%h} * 3600)) ;;
*) outer=300 ;;
esac
[[ $outer =~ ^[0-9]+$ ]] || outer=300
timeout --kill-after=10s "$((outer + 60))s" go test -tags fluvio -p 1 -count=1 -v -timeout "$TIMEOUT" ./backend/fluvio/... "$@" 2>&1 | tee "$GOLOG"
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
echo "== partop Fluvio tests (client, sources, binary)"
grep -E '^\s*--- (PASS|FAIL|SKIP)' "$GOLOG" | sed -E 's/^\s*--- /  /' || true
grep -E '^(panic:|FAIL\s|ok\s)' "$GOLOG" | sed 's/^/  /' || true
echo
echo "== figures"
grep -E 'FIGURE ' "$GOLOG" | sed -E 's/^.*FIGURE /  /' || echo "  (none)"
if ((rc != 0)); then
  echo
  echo "== what failed (the lines before each FAIL, figures left out)"
  grep -v 'FIGURE ' "$GOLOG" | grep -B 12 -E '^\s*--- FAIL' | sed 's/^/  /' || true
fi
echo
echo "== go test exit code $rc, $((SECONDS - START))s"
exit "$rc"
