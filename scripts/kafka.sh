#!/usr/bin/env bash
# scripts/kafka.sh - run a real Apache Kafka (KRaft) cluster on 127.0.0.1 for
# partop's integration tests, from Maven Central jars (no Docker, no tarball).
#
# Usage (from anywhere; state lives in <repo>/.kafka/, which git ignores):
#   fetch          download Kafka, its tools and log4j into .kafka/lib with Maven
#                  (once per version)
#   up [1|3]       format and start a 1-node (default) or 3-node cluster, wait
#                  until every broker is in the metadata, create bob's ACLs
#   down           stop the nodes started here, remove .kafka/run
#   kill N         kill -9 node N (broker-failure tests)
#   start N        restart node N (no reformat), wait until it is back
#   topics ARGS..  TopicCommand (kafka-topics.sh), --bootstrap-server set to the
#                  running cluster unless ARGS has one
#   groups ARGS..  ConsumerGroupCommand (kafka-consumer-groups.sh), the same way
#   status         which nodes run, with pids and ports
#   env            eval "$(scripts/kafka.sh env)" sets KAFKA_BROKERS (PLAINTEXT),
#                  KAFKA_SASL_BROKERS (SASL_SSL), KAFKA_CA (CA certificate, PEM)
#                  and KAFKA_NODES (1 or 3)
#
# Node N = 1..3, each a combined controller+broker:
#   PLAINTEXT  127.0.0.1:29092, 29093, 29094   (principal ANONYMOUS, a super user)
#   SASL_SSL   127.0.0.1:29192, 29193, 29194   (SCRAM-SHA-256 and -512)
#   CONTROLLER 127.0.0.1:19093, 19094, 19095   (static quorum)
# SCRAM users: alice/alice-secret (super user); bob/bob-secret with Read, Write,
# Describe on every topic and Read, Describe on every group, so that
# CreatePartitions/CreateTopics fail for bob. StandardAuthorizer,
# allow.everyone.if.no.acl.found=false. TLS: a throwaway PKI (PEM) made at
# each 'up' in .kafka/tls. Nodes' config, data, logs: .kafka/run/nodeN/.
# backend/kafka/kafkactl (Go, built into .kafka/bin) writes the PKI (from
# cluster/clustertest), checks readiness (Metadata requests, failing at once
# with the node's log if it exits), stops nodes and creates the ACLs (kadm).
#
# Example: scripts/kafka.sh up 3 && eval "$(scripts/kafka.sh env)"
#          scripts/kafka.sh topics --alter --topic t --partitions 8
#          scripts/kafka.sh groups --describe --group g
#
# Knobs (environment): PARTOP_KAFKA_VERSION (4.1.1), PARTOP_KAFKA_DIR
# (<repo>/.kafka), PARTOP_KAFKA_WAIT (readiness timeout in seconds, 90),
# PARTOP_KAFKA_STOP_GRACE (seconds from SIGTERM to SIGKILL in down, 5),
# PARTOP_KAFKA_JVM_OPTS (replaces the brokers' JVM options), JAVA_HOME.
# Needs Linux (/proc), Java 17+, Go, and Maven (for fetch).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

KAFKA_VERSION=${PARTOP_KAFKA_VERSION:-4.1.1}
# Kafka 4.1 pulls slf4j-api 1.7.36 and log4j 2.24.3, so the binding is the
# slf4j 1.x one (log4j-slf4j-impl), not log4j-slf4j2-impl.
SLF4J_VERSION=1.7.36
LOG4J_VERSION=2.24.3
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

BASE=${PARTOP_KAFKA_DIR:-$ROOT/.kafka}
LIB=$BASE/lib
TLS=$BASE/tls
RUN=$BASE/run
CTL=$BASE/bin/kafkactl
WAIT_SECS=${PARTOP_KAFKA_WAIT:-90}
STOP_GRACE=${PARTOP_KAFKA_STOP_GRACE:-5}
JAVA=java
[[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/java ]] && JAVA=$JAVA_HOME/bin/java

HOST=127.0.0.1
# Below Linux's ephemeral range (32768-60999): with 39092 and up, a node
# twice failed to bind because another connection's local port had it.
PLAIN_BASE=29091 # node N listens on PLAIN_BASE+N
SASL_BASE=29191
CTRL_BASE=19092
# C1 only (TieredStopAtLevel=1): a 3-node cluster starts in ~17 s instead of
# ~27 s on 2 cores, and a test broker does not need C2's peak throughput.
SERVER_JVM_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
if [[ -n ${PARTOP_KAFKA_JVM_OPTS:-} ]]; then
  read -r -a SERVER_JVM_OPTS <<<"$PARTOP_KAFKA_JVM_OPTS"
fi
TOOL_JVM_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  -Djava.awt.headless=true)

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
usage() { sed -n '2,/^set -euo pipefail/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

plain_port() { echo $((PLAIN_BASE + $1)); }
sasl_port() { echo $((SASL_BASE + $1)); }
ctrl_port() { echo $((CTRL_BASE + $1)); }
node_dir() { echo "$RUN/node$1"; }
# Node count of the current (or last) cluster; $1 is the fallback.
current_nodes() { if [[ -f $RUN/nodes ]]; then cat "$RUN/nodes"; else echo "${1:-1}"; fi; }

# bootstrap plain|sasl : the listener's addresses of every node, comma-separated.
bootstrap() {
  local i out=""
  for ((i = 1; i <= $(current_nodes 1); i++)); do
    out+="${out:+,}$HOST:$("${1}_port" "$i")"
  done
  echo "$out"
}

check_node_arg() {
  [[ ${1:-} =~ ^[1-3]$ ]] || die "node must be 1, 2 or 3, got '${1:-}'"
  [[ -f $(node_dir "$1")/server.properties ]] ||
    die "node $1 is not part of the current cluster (run 'up' first)"
}

# ---------------------------------------------------------------- fetch

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  local ver
  ver=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  [[ ${ver%%.*} =~ ^[0-9]+$ ]] || die "cannot parse java version from: $("$JAVA" -version 2>&1 | head -n1)"
  ((${ver%%.*} >= 17)) || die "java $ver found; Kafka $KAFKA_VERSION needs Java 17+"
}

fetch() {
  local marker=$LIB/.fetched-$KAFKA_VERSION dep jar start=$SECONDS
  if [[ -f $marker ]]; then
    log "Kafka $KAFKA_VERSION already fetched ($LIB)"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; it is needed once to download Kafka"
  log "fetching Kafka $KAFKA_VERSION with Maven into $LIB"
  mkdir -p "$BASE/fetch"
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><!-- by scripts/kafka.sh: a pom to download Kafka -->'
    echo '<modelVersion>4.0.0</modelVersion><groupId>partop.local</groupId><artifactId>kafka-runtime</artifactId>'
    echo '<version>1</version><packaging>pom</packaging><dependencies>'
    for dep in org.apache.kafka:kafka_2.13:$KAFKA_VERSION org.apache.kafka:kafka-tools:$KAFKA_VERSION \
      org.slf4j:slf4j-api:$SLF4J_VERSION org.apache.logging.log4j:log4j-slf4j-impl:$LOG4J_VERSION \
      org.apache.logging.log4j:log4j-core:$LOG4J_VERSION; do
      IFS=: read -r g a v <<<"$dep"
      echo "<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency>"
    done
    echo '</dependencies></project>'
  } >"$BASE/fetch/pom.xml"
  rm -rf "$LIB.tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$BASE/fetch/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" >"$BASE/fetch/mvn.log" 2>&1; then
    tail -n 30 "$BASE/fetch/mvn.log" >&2
    die "Maven could not fetch Kafka $KAFKA_VERSION (full log: $BASE/fetch/mvn.log)"
  fi
  for jar in "kafka_2.13-$KAFKA_VERSION" "kafka-tools-$KAFKA_VERSION" "kafka-clients-$KAFKA_VERSION" \
    "log4j-slf4j-impl-$LOG4J_VERSION" "log4j-core-$LOG4J_VERSION" "slf4j-api-$SLF4J_VERSION"; do
    [[ -f $LIB.tmp/$jar.jar ]] || die "Maven finished but $jar.jar is missing from $LIB.tmp"
  done
  rm -rf "$LIB"
  mv "$LIB.tmp" "$LIB"
  touch "$marker"
  log "fetched $(find "$LIB" -name '*.jar' | wc -l) jars in $((SECONDS - start))s"
}

# build_ctl : backend/kafka/kafkactl into $CTL (0.2 s when nothing changed).
build_ctl() {
  command -v go >/dev/null 2>&1 || die "go not found (kafka.sh runs backend/kafka/kafkactl)"
  (cd "$ROOT" && go build -o "$CTL" ./backend/kafka/kafkactl) || die "building backend/kafka/kafkactl failed"
}

# ---------------------------------------------------------------- config

# One log4j2 config: brokers log INFO to <node>/logs/server.log, CLI tools
# WARN to .kafka/tools.log so that their output stays clean.
write_log_config() {
  mkdir -p "$BASE"
  cat >"$BASE/log4j2.properties" <<'EOF'
# generated by scripts/kafka.sh
status = warn
name = partop-kafka
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/${sys:partop.log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${sys:partop.log.level}
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

# write_server_props N COUNT
write_server_props() {
  local n=$1 count=$2 dir rf=3 isr=2 i voters=""
  dir=$(node_dir "$n")
  for ((i = 1; i <= count; i++)); do voters+="${voters:+,}$i@$HOST:$(ctrl_port "$i")"; done
  ((count > 1)) || rf=1 isr=1
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<EOF
# generated by scripts/kafka.sh (node $n of $count)
node.id=$n
process.roles=broker,controller
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$(plain_port "$n"),SASL_SSL://$HOST:$(sasl_port "$n"),CONTROLLER://$HOST:$(ctrl_port "$n")
advertised.listeners=PLAINTEXT://$HOST:$(plain_port "$n"),SASL_SSL://$HOST:$(sasl_port "$n")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data

sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS/broker-keystore.pem
listener.name.sasl_ssl.ssl.client.auth=none

authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:alice
allow.everyone.if.no.acl.found=false

offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
num.partitions=1
EOF
}

# ---------------------------------------------------------------- processes

# run_java_tool CLASS ARGS... : a Kafka CLI class on the fetched classpath.
run_java_tool() {
  local cls=$1
  shift
  "$JAVA" "${TOOL_JVM_OPTS[@]}" -Dkafka.logs.dir="$BASE" -Dpartop.log.file=tools.log \
    -Dpartop.log.level=WARN -Dlog4j2.configurationFile="$BASE/log4j2.properties" \
    -cp "$LIB/*" "$cls" "$@"
}

require_fetched() {
  [[ -f $LIB/.fetched-$KAFKA_VERSION ]] || die "Kafka $KAFKA_VERSION is not fetched; run: scripts/kafka.sh fetch"
  [[ -f $BASE/log4j2.properties ]] || write_log_config
}

# node_pids [N] : the pids of node N (default: of every node) of this run
# directory, found by their command line, which names the node's config.
node_pids() {
  local p args
  for p in /proc/[0-9]*; do
    mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
    # shellcheck disable=SC2027 # ${1:-[1-3]} is unquoted on purpose: a pattern
    [[ " ${args[*]} " == *" kafka.Kafka $RUN/node"${1:-[1-3]}"/server.properties "* ]] && echo "${p#/proc/}"
  done
  return 0
}

check_ports_free() {
  local port
  for port in "$(plain_port "$1")" "$(sasl_port "$1")" "$(ctrl_port "$1")"; do
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
      die "port $port (node $1) is already in use by another process"
    fi
  done
}

STARTED=() # node -> pid, of the nodes this run of the script started
start_node() {
  local dir
  dir=$(node_dir "$1")
  check_ports_free "$1"
  mkdir -p "$dir/logs"
  nohup "$JAVA" "${SERVER_JVM_OPTS[@]}" -Dkafka.logs.dir="$dir/logs" -Dpartop.log.file=server.log \
    -Dpartop.log.level=INFO -Dlog4j2.configurationFile="$BASE/log4j2.properties" \
    -cp "$LIB/*" kafka.Kafka "$dir/server.properties" >>"$dir/logs/stdout.log" 2>&1 </dev/null &
  STARTED[$1]=$!
}

# stop_nodes GRACE [N] : SIGTERM to node N (default: every node), SIGKILL
# after GRACE seconds (at once for 0). Keeps data.
stop_nodes() {
  local pids
  mapfile -t pids < <(node_pids "${2:-}")
  ((${#pids[@]})) || return 0
  log "stopping ${#pids[@]} Kafka process(es): ${pids[*]}"
  build_ctl
  "$CTL" stop -grace "${1}s" "${pids[@]}"
}

# wait_ready NODE... : until each node answers a Metadata request on its own
# PLAINTEXT port with every given node in it, failing fast with the node's
# log if one this run started exits meanwhile.
wait_ready() {
  local n flags=(-timeout "${WAIT_SECS}s" -logs "$RUN") addrs=()
  for n in "$@"; do
    flags+=(-pid "$n=${STARTED[n]}")
    addrs+=("$n=$HOST:$(plain_port "$n")")
  done
  build_ctl
  "$CTL" ready "${flags[@]}" "${addrs[@]}"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local count=${1:-1} n running start=$SECONDS
  [[ $count == 1 || $count == 3 ]] || die "up takes 1 or 3 nodes, got '$count'"
  running=$(node_pids | wc -l)
  if ((running)); then
    [[ $(current_nodes 0) == "$count" && $running == "$count" ]] ||
      die "a cluster is already running ($running of $(current_nodes '?') node(s) up); run 'scripts/kafka.sh down' first"
    log "cluster already running with $count node(s)"
    for ((n = 1; n <= count; n++)); do STARTED[n]=$(node_pids "$n"); done
    # shellcheck disable=SC2046 # word splitting of seq is intended
    wait_ready $(seq 1 "$count") || die "running cluster is not healthy; try: scripts/kafka.sh down"
  else
    fetch
    check_java
    write_log_config
    for ((n = 1; n <= count; n++)); do check_ports_free "$n"; done
    rm -rf "$RUN" "$TLS"
    mkdir -p "$RUN"
    echo "$count" >"$RUN/nodes"
    build_ctl
    "$CTL" pki "$TLS"

    local cid pids=() rc=0
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    cid=${cid/#-/A} # a leading '-' would look like an option
    log "formatting $count node(s), cluster id $cid"
    for ((n = 1; n <= count; n++)); do
      write_server_props "$n" "$count"
      run_java_tool kafka.tools.StorageTool format -t "$cid" -c "$(node_dir "$n")/server.properties" \
        --add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]' \
        --add-scram 'SCRAM-SHA-512=[name=alice,password=alice-secret]' \
        --add-scram 'SCRAM-SHA-256=[name=bob,password=bob-secret]' \
        --add-scram 'SCRAM-SHA-512=[name=bob,password=bob-secret]' \
        >"$(node_dir "$n")/logs/format.log" 2>&1 &
      pids+=($!)
    done
    for ((n = 1; n <= count; n++)); do
      wait "${pids[n - 1]}" || { cat "$(node_dir "$n")/logs/format.log" >&2 && rc=1; }
    done
    ((rc == 0)) || die "formatting storage failed"

    log "starting $count node(s)"
    for ((n = 1; n <= count; n++)); do start_node "$n"; done
    # shellcheck disable=SC2046 # word splitting of seq is intended
    if ! wait_ready $(seq 1 "$count"); then
      stop_nodes 5
      die "cluster did not come up; node files kept in $RUN (scripts/kafka.sh down removes them)"
    fi
    if ! "$CTL" acls "$(bootstrap plain)"; then
      stop_nodes 5
      die "creating bob's ACLs failed"
    fi
    log "up in $((SECONDS - start))s"
  fi
  cat <<EOF
Kafka $KAFKA_VERSION KRaft cluster up: $(current_nodes 1) node(s)
  PLAINTEXT bootstrap: $(bootstrap plain)
  SASL_SSL  bootstrap: $(bootstrap sasl)   (SCRAM-SHA-256/512: alice/alice-secret super user, bob/bob-secret read/write/describe only)
  CA certificate:      $TLS/ca.pem
  eval "\$(scripts/kafka.sh env)"   # KAFKA_BROKERS KAFKA_SASL_BROKERS KAFKA_CA KAFKA_NODES
EOF
}

cmd_down() {
  # Data is thrown away, so a short grace is enough: when all voters stop at
  # once, the last ones lose the quorum and their controlled shutdown stalls.
  stop_nodes "$STOP_GRACE"
  rm -rf "$RUN"
  log "down"
}

cmd_kill() {
  check_node_arg "${1:-}"
  [[ -n $(node_pids "$1") ]] || die "node $1 is not running"
  stop_nodes 0 "$1" || die "node $1 did not die"
  log "killed node $1"
}

cmd_start() {
  check_node_arg "${1:-}"
  local start=$SECONDS
  if [[ -n $(node_pids "$1") ]]; then
    log "node $1 is already running"
    return 0
  fi
  require_fetched
  start_node "$1"
  wait_ready "$1" || die "node $1 did not come back"
  log "node $1 back in $((SECONDS - start))s"
}

# run_admin_tool CLASS ARGS... : a Kafka admin tool, with --bootstrap-server
# unless ARGS has one.
run_admin_tool() {
  local cls=$1
  shift
  require_fetched
  if [[ " $* " == *" --bootstrap-server"[\ =]* ]]; then
    run_java_tool "$cls" "$@"
  else
    run_java_tool "$cls" --bootstrap-server "$(bootstrap plain)" "$@"
  fi
}

# cmd_topics ARGS... : TopicCommand (kafka-topics.sh).
cmd_topics() { run_admin_tool org.apache.kafka.tools.TopicCommand "$@"; }

# cmd_groups ARGS... : ConsumerGroupCommand (Kafka 4.1's kafka-consumer-groups.sh).
cmd_groups() { run_admin_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"; }

cmd_status() {
  local n pid
  if [[ ! -f $RUN/nodes ]]; then
    echo "no cluster (run: scripts/kafka.sh up [1|3])"
    return 0
  fi
  for ((n = 1; n <= $(current_nodes); n++)); do
    if pid=$(node_pids "$n") && [[ -n $pid ]]; then
      echo "node $n: running (pid $pid) PLAINTEXT $HOST:$(plain_port "$n") SASL_SSL $HOST:$(sasl_port "$n") CONTROLLER $HOST:$(ctrl_port "$n")"
    else
      echo "node $n: stopped"
    fi
  done
}

# export_line NAME VALUE : plain when VALUE is shell-safe, else %q-quoted.
export_line() {
  if [[ $2 =~ ^[A-Za-z0-9_.:,/@+=-]+$ ]]; then
    printf 'export %s=%s\n' "$1" "$2"
  else
    printf 'export %s=%q\n' "$1" "$2"
  fi
}

cmd_env() {
  export_line KAFKA_BROKERS "$(bootstrap plain)"
  export_line KAFKA_SASL_BROKERS "$(bootstrap sasl)"
  export_line KAFKA_CA "$TLS/ca.pem"
  export_line KAFKA_NODES "$(current_nodes 1)"
}

cmd=${1:-help}
[[ $# -gt 0 ]] && shift
case $cmd in
fetch) fetch ;;
up) cmd_up "$@" ;;
down) cmd_down ;;
kill) cmd_kill "$@" ;;
start) cmd_start "$@" ;;
topics) cmd_topics "$@" ;;
groups) cmd_groups "$@" ;;
status) cmd_status ;;
env) cmd_env ;;
help | -h | --help) usage ;;
*)
  usage >&2
  die "unknown command '$cmd'"
  ;;
esac
