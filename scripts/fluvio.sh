#!/usr/bin/env bash
# scripts/fluvio.sh - run one Fluvio SC and one SPU on 127.0.0.1 for the
# tests of partop's Fluvio client (package fluvio), from the binaries in
# $FLUVIO_HOME, by default ../shared/fluvio beside this checkout (see its
# README.md; nothing is downloaded).
#
# Usage (from anywhere):
#   scripts/fluvio.sh start       start a fresh cluster on free ports and wait
#                                 until the SC listens and the SPU is online
#   scripts/fluvio.sh stop        stop the processes started here, remove the state
#   scripts/fluvio.sh env         shell exports: eval "$(scripts/fluvio.sh env)"
#                                   FLUVIO_SC         SC public address (what Dial takes)
#                                   FLUVIO_SPU        SPU 5001 public address
#                                   FLUVIO_HOME       where bin/fluvio and bin/fluvio-run are
#                                   PARTOP_FLUVIO_DIR the state directory
#   scripts/fluvio.sh kill-spu    kill -9 the SPU; wait until the SC marks it offline
#   scripts/fluvio.sh start-spu   start the SPU again (same command, same --log-base-dir)
#                                 and wait until the SC marks it online
#   scripts/fluvio.sh status      which processes run, with pids and ports
#   scripts/fluvio.sh cli ARGS..  Fluvio's CLI against this cluster, e.g. `cli partition list`
#
# Environment:
#   FLUVIO_HOME        default: the first of ../shared/fluvio beside this checkout
#                      and beside the repository it was cloned from (CI runs a
#                      fresh clone elsewhere)
#   PARTOP_FLUVIO_DIR  state directory, default ${TMPDIR:-/tmp}/partop-fluvio; it holds
#                      meta/ (the SC's YAML metadata), data/ (the SPU's log), logs/,
#                      home/ (a HOME with a CLI profile), ports, sc.pid, spu.pid
#   PARTOP_FLUVIO_WAIT seconds to wait for readiness (default 60)
#
# Layout: one SC (public and private port) and one custom SPU with id 5001
# (public and private port), as in $FLUVIO_HOME/start-local.sh, but
# on four free ports. Readiness comes from the SC's own metadata files: it
# writes the SPU's status to meta/SPU/custom-spu-5001.yaml.
set -euo pipefail
exec </dev/null

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# find_home prints where the Fluvio binaries are when FLUVIO_HOME is unset.
find_home() {
  local origin
  origin=$(git -C "$SCRIPT_DIR" remote get-url origin 2>/dev/null || true)
  for d in "$SCRIPT_DIR/../../shared/fluvio" ${origin:+"$origin/../shared/fluvio"}; do
    if [[ -x $d/bin/fluvio-run ]]; then
      echo "$d"
      return
    fi
  done
  echo "$SCRIPT_DIR/../../shared/fluvio" # not found: the check below names it
}
FLUVIO_HOME=${FLUVIO_HOME:-$(find_home)}
DIR=${PARTOP_FLUVIO_DIR:-${TMPDIR:-/tmp}/partop-fluvio}
WAIT=${PARTOP_FLUVIO_WAIT:-60}
SPU_ID=5001
SPU_YAML=$DIR/meta/SPU/custom-spu-$SPU_ID.yaml

log() { printf 'fluvio.sh: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

check_home() {
  [[ -x $FLUVIO_HOME/bin/fluvio-run && -x $FLUVIO_HOME/bin/fluvio ]] ||
    die "no Fluvio binaries in $FLUVIO_HOME/bin (set FLUVIO_HOME)"
  FLUVIO_HOME=$(cd "$FLUVIO_HOME" && pwd)
}

# port_used P: true if anything listens on or is connected from port P.
port_used() {
  if command -v ss >/dev/null 2>&1; then
    ss -Htan "( sport = :$1 )" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# free_ports N: N distinct unused ports below Linux's ephemeral range, so
# that an outgoing connection cannot take one between our check and bind.
free_ports() {
  local -a ports=()
  local p tries=0
  while ((${#ports[@]} < $1)); do
    ((tries++ < 1000)) || die "no free ports found"
    p=$((20000 + RANDOM % 12000))
    [[ " ${ports[*]} " == *" $p "* ]] && continue
    port_used "$p" || ports+=("$p")
  done
  echo "${ports[@]}"
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [[ -f $DIR/$1.pid ]] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }
spu_status() { sed -n 's/^  resolution: //p' "$SPU_YAML" 2>/dev/null | head -1; }

show_logs() {
  local f
  for f in "$DIR"/logs/*.log; do
    [[ -f $f ]] || continue
    echo "----- last 30 lines of $f" >&2
    tail -n 30 "$f" >&2
  done
}

# wait_for WHAT CMD..: poll CMD every 0.2 s for up to $WAIT seconds.
wait_for() {
  local what=$1 deadline=$((SECONDS + WAIT))
  shift
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${WAIT}s waiting for $what"
      show_logs
      return 1
    fi
    alive sc || {
      log "the SC exited while waiting for $what"
      show_logs
      return 1
    }
    if [[ $what == *online* ]] && ! alive spu; then
      log "the SPU exited while waiting for $what"
      show_logs
      return 1
    fi
    sleep 0.2
  done
}

load_ports() {
  [[ -f $DIR/ports ]] || die "no cluster state in $DIR (run: $0 start)"
  # shellcheck source=/dev/null
  source "$DIR/ports"
}

write_spu_yaml() {
  mkdir -p "$DIR/meta/SPU"
  cat >"$SPU_YAML" <<YAML
!1.0.0
meta:
  id: custom-spu-$SPU_ID
  revision: 0
key: custom-spu-$SPU_ID
status:
  resolution: Init
spec:
  spuId: $SPU_ID
  spuType: Custom
  publicEndpoint:
    port: $SPU_PUBLIC
    ingress:
      - ip: 127.0.0.1
    encryption: PLAINTEXT
  privateEndpoint:
    port: $SPU_PRIVATE
    host: 127.0.0.1
    encryption: PLAINTEXT
YAML
}

spu_online() { [[ $(spu_status) == Online ]] && listening "$SPU_PUBLIC"; }
spu_offline() { [[ $(spu_status) == Offline ]]; }

run_spu() {
  "$FLUVIO_HOME/bin/fluvio-run" spu -i "$SPU_ID" -p "127.0.0.1:$SPU_PUBLIC" -v "127.0.0.1:$SPU_PRIVATE" \
    --sc-addr "127.0.0.1:$SC_PRIVATE" --log-base-dir "$DIR/data" >>"$DIR/logs/spu.log" 2>&1 &
  echo $! >"$DIR/spu.pid"
}

# start_failed stops what was started; the logs stay in $DIR/logs.
start_failed() {
  stop_pid spu
  stop_pid sc
  die "start failed; logs in $DIR/logs"
}

cmd_start() {
  check_home
  cmd_stop quiet
  mkdir -p "$DIR/data" "$DIR/logs" "$DIR/home"
  read -r SC_PUBLIC SC_PRIVATE SPU_PUBLIC SPU_PRIVATE <<<"$(free_ports 4)"
  [[ -n $SPU_PRIVATE ]] || die "could not pick ports"
  printf 'SC_PUBLIC=%s\nSC_PRIVATE=%s\nSPU_PUBLIC=%s\nSPU_PRIVATE=%s\n' \
    "$SC_PUBLIC" "$SC_PRIVATE" "$SPU_PUBLIC" "$SPU_PRIVATE" >"$DIR/ports"
  # The SC admits only registered SPUs; a local SC reads them from meta/.
  write_spu_yaml
  "$FLUVIO_HOME/bin/fluvio-run" sc --local "$DIR/meta" --bind-public "127.0.0.1:$SC_PUBLIC" \
    --bind-private "127.0.0.1:$SC_PRIVATE" >"$DIR/logs/sc.log" 2>&1 &
  echo $! >"$DIR/sc.pid"
  wait_for "the SC on 127.0.0.1:$SC_PUBLIC" listening "$SC_PUBLIC" || start_failed
  run_spu
  wait_for "SPU $SPU_ID to be online" spu_online || start_failed
  HOME=$DIR/home "$FLUVIO_HOME/bin/fluvio" profile add partop "127.0.0.1:$SC_PUBLIC" local >/dev/null 2>&1 ||
    log "warning: could not add a CLI profile in $DIR/home"
  log "SC 127.0.0.1:$SC_PUBLIC, SPU $SPU_ID 127.0.0.1:$SPU_PUBLIC, state $DIR"
}

# stop_pid NAME: TERM, then KILL after 5 s; only the pid recorded here.
stop_pid() {
  local pid i
  [[ -f $DIR/$1.pid ]] || return 0
  pid=$(cat "$DIR/$1.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/$1.pid"
}

cmd_stop() {
  stop_pid spu
  stop_pid sc
  [[ -d $DIR ]] || return 0
  # Remove only what looks like ours: a state directory, or an empty one.
  if [[ -f $DIR/ports || -d $DIR/meta || -z $(ls -A "$DIR") ]]; then
    rm -rf "$DIR"
    [[ ${1:-} == quiet ]] || log "stopped; removed $DIR"
  else
    die "$DIR does not look like a fluvio.sh state directory; not removing it"
  fi
}

cmd_env() {
  check_home
  load_ports
  printf 'export FLUVIO_SC=127.0.0.1:%s\n' "$SC_PUBLIC"
  printf 'export FLUVIO_SPU=127.0.0.1:%s\n' "$SPU_PUBLIC"
  printf 'export FLUVIO_HOME=%q\n' "$FLUVIO_HOME"
  printf 'export PARTOP_FLUVIO_DIR=%q\n' "$DIR"
}

cmd_kill_spu() {
  load_ports
  alive spu || die "the SPU is not running"
  local pid
  pid=$(cat "$DIR/spu.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  # Wait for the SC to notice, so that start-spu cannot mistake the old
  # "Online" for the restarted SPU.
  wait_for "the SC to mark SPU $SPU_ID offline" spu_offline
  log "SPU $SPU_ID killed (pid $pid)"
}

cmd_start_spu() {
  check_home
  load_ports
  alive spu && die "the SPU is already running"
  run_spu
  wait_for "SPU $SPU_ID to be online again" spu_online
  log "SPU $SPU_ID started (pid $(cat "$DIR/spu.pid"))"
}

cmd_status() {
  load_ports
  local n
  for n in sc spu; do
    if alive "$n"; then echo "$n: running, pid $(cat "$DIR/$n.pid")"; else echo "$n: not running"; fi
  done
  echo "ports: SC $SC_PUBLIC (private $SC_PRIVATE), SPU $SPU_PUBLIC (private $SPU_PRIVATE)"
  echo "SPU $SPU_ID status in the SC: $(spu_status)"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
kill-spu) cmd_kill_spu ;;
start-spu) cmd_start_spu ;;
status) cmd_status ;;
cli)
  shift
  check_home
  load_ports
  HOME=$DIR/home exec "$FLUVIO_HOME/bin/fluvio" "$@"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
  ;;
esac
