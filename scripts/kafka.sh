#!/usr/bin/env bash
# scripts/kafka.sh - run a real Apache Kafka (KRaft) cluster on 127.0.0.1 for
# partop's integration tests, from Maven Central jars (no Docker, no tarball).
#
# Usage (from anywhere; state lives in <repo>/.kafka/, which git ignores):
#   scripts/kafka.sh fetch          download Kafka + tools + log4j into .kafka/lib
#                                   with Maven (skipped when already there); as
#                                   root it also apt-installs kcat if missing
#   scripts/kafka.sh up [1|3]       format + start a 1-node (default) or 3-node
#                                   cluster, wait until every broker is in the
#                                   metadata, create bob's ACLs, print addresses
#   scripts/kafka.sh down           stop the nodes started here, remove .kafka/run
#   scripts/kafka.sh kill N         kill -9 node N (broker-failure tests)
#   scripts/kafka.sh start N        restart node N (no reformat), wait until it is
#                                   back in the metadata
#   scripts/kafka.sh topics ARGS..  org.apache.kafka.tools.TopicCommand (what
#                                   kafka-topics.sh runs) with --bootstrap-server
#                                   set to the running cluster unless ARGS has one
#   scripts/kafka.sh acls ARGS..    org.apache.kafka.tools.AclCommand, same way
#   scripts/kafka.sh status         which nodes run, with pids and ports
#   scripts/kafka.sh env            shell exports; use: eval "$(scripts/kafka.sh env)"
#                                   KAFKA_BROKERS       PLAINTEXT bootstrap list
#                                   KAFKA_SASL_BROKERS  SASL_SSL bootstrap list
#                                   KAFKA_CA            CA certificate (PEM) path
#                                   KAFKA_NODES         number of nodes (1 or 3)
#
# Cluster layout (node N = 1..3, every node is a combined controller+broker):
#   PLAINTEXT  127.0.0.1:3909(1+N)  -> 39092, 39093, 39094   (principal ANONYMOUS)
#   SASL_SSL   127.0.0.1:3919(1+N)  -> 39192, 39193, 39194   (SCRAM-SHA-256 and -512)
#   CONTROLLER 127.0.0.1:1909(2+N)  -> 19093, 19094, 19095   (static quorum)
#   SCRAM users (both mechanisms):
#     alice / alice-secret   super user
#     bob   / bob-secret     ACLs: Read, Write, Describe on every topic and Read,
#                            Describe on every group; no Create or Alter, so
#                            CreatePartitions/CreateTopics fail for bob
#   StandardAuthorizer, super.users=User:ANONYMOUS;User:alice,
#   allow.everyone.if.no.acl.found=false.
#   TLS: throwaway CA in .kafka/tls/ (ca.pem for clients; the broker cert has
#   SAN IP:127.0.0.1 and DNS:localhost). Ready-made Java client configs:
#   .kafka/client-alice.properties, .kafka/client-bob.properties (SASL_SSL, SHA-256).
#   Node config, data and logs: .kafka/run/nodeN/{server.properties,data,logs/server.log}
#
# Examples:
#   scripts/kafka.sh up 3 && eval "$(scripts/kafka.sh env)"
#   scripts/kafka.sh topics --create --topic t --partitions 3 --replication-factor 3
#   scripts/kafka.sh topics --alter --topic t --partitions 8
#   kcat -b "$KAFKA_BROKERS" -P -t t <<<hello          # PLAINTEXT
#   scripts/kafka.sh topics --bootstrap-server 127.0.0.1:39192 \
#     --command-config .kafka/client-bob.properties --alter --topic t \
#     --partitions 9                                   # fails: not authorized
#   Note: kcat/librdkafka older than 2.6.1 (Debian 12 ships 2.0.2) cannot do
#   SCRAM against Kafka 4.x (it repeats the client nonce, which 4.x rejects:
#   "invalid credentials"); its TLS works. franz-go and the Java client are fine.
#   scripts/kafka.sh kill 2; scripts/kafka.sh start 2; scripts/kafka.sh down
#
# Knobs (environment): PARTOP_KAFKA_VERSION (default 4.1.1), PARTOP_KAFKA_DIR
# (default <repo>/.kafka), PARTOP_KAFKA_WAIT (seconds, default 90), JAVA_HOME,
# PARTOP_KAFKA_NO_KCAT=1 (check readiness with Java even if kcat exists),
# PARTOP_KAFKA_STOP_GRACE (seconds between SIGTERM and SIGKILL in down, default 5),
# PARTOP_KAFKA_JVM_OPTS (replaces the brokers' JVM options).
# Needs Java 17+, Maven (fetch only), openssl and keytool; kcat is optional
# (a Java fallback checks readiness without it).
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
WAIT_SECS=${PARTOP_KAFKA_WAIT:-90}
STOP_GRACE=${PARTOP_KAFKA_STOP_GRACE:-5}
if [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/java ]]; then
  JAVA=$JAVA_HOME/bin/java
else
  JAVA=java
fi

HOST=127.0.0.1
PLAIN_BASE=39091 # node N listens on PLAIN_BASE+N
SASL_BASE=39191
CTRL_BASE=19092
STORE_PASS=partop-test-secret
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

usage() {
  sed -n '2,/^set -euo pipefail/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

plain_port() { echo $((PLAIN_BASE + $1)); }
sasl_port() { echo $((SASL_BASE + $1)); }
ctrl_port() { echo $((CTRL_BASE + $1)); }
node_dir() { echo "$RUN/node$1"; }

# join SEP WORDS...
join() {
  local sep=$1 out=""
  shift
  local w
  for w in "$@"; do out+="${out:+$sep}$w"; done
  printf '%s' "$out"
}

# Node count of the current (or last) cluster; $1 is the fallback.
current_nodes() {
  if [[ -f $RUN/nodes ]]; then cat "$RUN/nodes"; else echo "${1:-1}"; fi
}

plain_bootstrap() {
  local n i addrs=()
  n=$(current_nodes 1)
  for ((i = 1; i <= n; i++)); do addrs+=("$HOST:$(plain_port "$i")"); done
  join , "${addrs[@]}"
}

sasl_bootstrap() {
  local n i addrs=()
  n=$(current_nodes 1)
  for ((i = 1; i <= n; i++)); do addrs+=("$HOST:$(sasl_port "$i")"); done
  join , "${addrs[@]}"
}

check_node_arg() {
  [[ ${1:-} =~ ^[1-3]$ ]] || die "node must be 1, 2 or 3, got '${1:-}'"
  [[ -f $(node_dir "$1")/server.properties ]] ||
    die "node $1 is not part of the current cluster (run 'up' first)"
}

# ---------------------------------------------------------------- fetch

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  local ver major
  ver=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  major=${ver%%.*}
  [[ $major =~ ^[0-9]+$ ]] || die "cannot parse java version from: $("$JAVA" -version 2>&1 | head -n1)"
  ((major >= 17)) || die "java $ver found; Kafka $KAFKA_VERSION needs Java 17+"
}

ensure_kcat() {
  command -v kcat >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing kcat with apt-get (log: $BASE/apt.log)"
    mkdir -p "$BASE"
    if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat; } \
      >"$BASE/apt.log" 2>&1; then
      return 0
    fi
    log "warning: could not install kcat (see $BASE/apt.log); using the Java fallback"
  else
    log "note: kcat not installed; readiness checks use a slower Java fallback"
  fi
}

write_pom() {
  cat >"$BASE/fetch/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/kafka.sh: throwaway pom to download Kafka's jars -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>partop.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>$SLF4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

fetch() {
  local marker="$LIB/.fetched-$KAFKA_VERSION"
  if [[ -f $marker ]]; then
    log "Kafka $KAFKA_VERSION already fetched ($LIB)"
  else
    command -v mvn >/dev/null 2>&1 || die "mvn not found; it is needed once to download Kafka"
    local start=$SECONDS
    log "fetching Kafka $KAFKA_VERSION with Maven into $LIB"
    mkdir -p "$BASE/fetch"
    write_pom
    rm -rf "$LIB.tmp"
    if ! mvn -q -B -Dstyle.color=never -f "$BASE/fetch/pom.xml" \
      "$DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime \
      -DoutputDirectory="$LIB.tmp" >"$BASE/fetch/mvn.log" 2>&1; then
      tail -n 30 "$BASE/fetch/mvn.log" >&2
      die "Maven could not fetch Kafka $KAFKA_VERSION (full log: $BASE/fetch/mvn.log)"
    fi
    local jar
    for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" \
      "kafka-clients-$KAFKA_VERSION.jar" "log4j-slf4j-impl-$LOG4J_VERSION.jar" \
      "log4j-core-$LOG4J_VERSION.jar" "slf4j-api-$SLF4J_VERSION.jar"; do
      [[ -f $LIB.tmp/$jar ]] || die "Maven finished but $jar is missing from $LIB.tmp"
    done
    rm -rf "$LIB"
    mv "$LIB.tmp" "$LIB"
    touch "$marker"
    log "fetched $(find "$LIB" -name '*.jar' | wc -l) jars in $((SECONDS - start))s"
  fi
  ensure_kcat
}

# ---------------------------------------------------------------- config

write_log_configs() {
  mkdir -p "$BASE"
  # Brokers: everything to <node>/logs/server.log, nothing on the console.
  cat >"$BASE/log4j2-server.properties" <<'EOF'
# generated by scripts/kafka.sh
status = warn
name = partop-kafka-server
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  # CLI tools: warnings to .kafka/tools.log so that their output stays clean.
  cat >"$BASE/log4j2-tools.properties" <<'EOF'
# generated by scripts/kafka.sh
status = warn
name = partop-kafka-tools
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/tools.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
EOF
}

write_client_configs() {
  local user
  for user in alice bob; do
    cat >"$BASE/client-$user.properties" <<EOF
# generated by scripts/kafka.sh: Java client config for the SASL_SSL listener
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-256
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$user" password="$user-secret";
ssl.truststore.type=PEM
ssl.truststore.location=$TLS/ca.pem
EOF
  done
}

gen_tls() {
  if [[ -f $TLS/ca.pem && -f $TLS/broker.p12 && -f $TLS/truststore.p12 ]]; then
    return 0
  fi
  command -v openssl >/dev/null 2>&1 || die "openssl not found"
  command -v keytool >/dev/null 2>&1 || die "keytool not found (it comes with the JDK)"
  log "generating a throwaway CA and broker certificate in $TLS"
  local tmp="$TLS.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes \
      -keyout ca.key -out ca.pem -subj "/CN=partop test CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -sha256 -nodes -keyout broker.key \
      -out broker.csr -subj "/CN=localhost"
    cat >broker.ext <<'EOF'
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key \
      -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 \
      -extfile broker.ext -out broker.pem
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem \
      -name broker -out broker.p12 -passout "pass:$STORE_PASS"
    keytool -importcert -noprompt -alias partop-ca -file ca.pem \
      -keystore truststore.p12 -storetype PKCS12 -storepass "$STORE_PASS"
    openssl verify -CAfile ca.pem broker.pem
    rm -f broker.csr broker.ext
  ) >"$BASE/tls-gen.log" 2>&1 || {
    cat "$BASE/tls-gen.log" >&2
    die "TLS material generation failed"
  }
  rm -rf "$TLS"
  mv "$tmp" "$TLS"
}

# write_server_props N COUNT
write_server_props() {
  local n=$1 count=$2 dir rf isr i voters=()
  dir=$(node_dir "$n")
  for ((i = 1; i <= count; i++)); do voters+=("$i@$HOST:$(ctrl_port "$i")"); done
  if ((count == 1)); then rf=1 isr=1; else rf=3 isr=2; fi
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<EOF
# generated by scripts/kafka.sh (node $n of $count)
node.id=$n
process.roles=broker,controller
controller.quorum.voters=$(join , "${voters[@]}")
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
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$TLS/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$STORE_PASS
listener.name.sasl_ssl.ssl.key.password=$STORE_PASS
listener.name.sasl_ssl.ssl.truststore.type=PKCS12
listener.name.sasl_ssl.ssl.truststore.location=$TLS/truststore.p12
listener.name.sasl_ssl.ssl.truststore.password=$STORE_PASS
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
  "$JAVA" "${TOOL_JVM_OPTS[@]}" -Dkafka.logs.dir="$BASE" \
    -Dlog4j2.configurationFile="$BASE/log4j2-tools.properties" \
    -cp "$LIB/*" "$cls" "$@"
}

require_fetched() {
  [[ -f $LIB/.fetched-$KAFKA_VERSION ]] ||
    die "Kafka $KAFKA_VERSION is not fetched; run: scripts/kafka.sh fetch"
  [[ -f $BASE/log4j2-tools.properties ]] || write_log_configs
}

cmdline_of() {
  if [[ -r /proc/$1/cmdline ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -ww -p "$1" -o args= 2>/dev/null || true
  fi
}

# node_pid N : prints the pid of node N when it runs (and is really ours).
node_pid() {
  local pidfile pid
  pidfile=$(node_dir "$1")/pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  [[ $(cmdline_of "$pid") == *"kafka.Kafka $(node_dir "$1")/server.properties"* ]] || return 1
  echo "$pid"
}

# node_alive N : true while the process started for node N exists. Unlike
# node_pid it does not check the command line: right after start_node the
# forked shell may not have exec'd java yet, and a check then would report
# a healthy node as dead.
node_alive() {
  local pidfile pid
  pidfile=$(node_dir "$1")/pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid"
}

# Pids of any broker process started from this run directory, pid file or
# not (a safety net for 'down'; matches the exact absolute config path).
our_stray_pids() {
  local p
  [[ -d /proc ]] || return 0
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if [[ $(cmdline_of "$p") == *"kafka.Kafka $RUN/node"*"/server.properties"* ]]; then
      echo "$p"
    fi
  done
}

port_in_use() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

check_ports_free() {
  local port
  for port in "$(plain_port "$1")" "$(sasl_port "$1")" "$(ctrl_port "$1")"; do
    if port_in_use "$port"; then
      die "port $port (node $1) is already in use by another process"
    fi
  done
}

start_node() {
  local n=$1 dir
  dir=$(node_dir "$n")
  check_ports_free "$n"
  mkdir -p "$dir/logs"
  nohup "$JAVA" "${SERVER_JVM_OPTS[@]}" -Dkafka.logs.dir="$dir/logs" \
    -Dlog4j2.configurationFile="$BASE/log4j2-server.properties" \
    -cp "$LIB/*" kafka.Kafka "$dir/server.properties" \
    >>"$dir/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
}

show_node_log() {
  local n=$1 dir f
  dir=$(node_dir "$n")
  for f in "$dir/logs/stdout.log" "$dir/logs/server.log"; do
    [[ -s $f ]] || continue
    # The tail is often only the shutdown; the reason is an earlier error.
    if grep -qE 'ERROR|FATAL|Exception' "$f"; then
      printf '\n----- node %s: first errors in %s -----\n' "$n" "$f" >&2
      grep -m 15 -E 'ERROR|FATAL|Exception' "$f" >&2
    fi
    printf '\n----- node %s: tail of %s -----\n' "$n" "$f" >&2
    tail -n 30 "$f" >&2
  done
}

# pid_alive PID : true while PID exists and is not a zombie (a killed node
# whose parent shell is gone waits for init to reap it).
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r /proc/$1/stat ]]; then
    local stat
    stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]] || return 1
  fi
}

# wait_pids_gone SECONDS PID... : returns 1 if some are still alive after that.
wait_pids_gone() {
  local limit=$1 deadline p alive
  shift
  deadline=$((SECONDS + limit))
  while :; do
    alive=0
    for p in "$@"; do
      if pid_alive "$p"; then alive=1; fi
    done
    ((alive)) || return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Stop all nodes: SIGTERM, then SIGKILL after a grace period. Keeps data.
stop_all_nodes() {
  local grace=${1:-15} pids=() p n
  for ((n = 1; n <= 3; n++)); do
    if p=$(node_pid "$n"); then pids+=("$p"); fi
  done
  while read -r p; do
    [[ -n $p && " ${pids[*]} " != *" $p "* ]] && pids+=("$p")
  done < <(our_stray_pids)
  ((${#pids[@]})) || return 0
  log "stopping ${#pids[@]} Kafka process(es): ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  if ! wait_pids_gone "$grace" "${pids[@]}"; then
    log "still running after ${grace}s, sending SIGKILL"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait_pids_gone 10 "${pids[@]}" || die "could not stop: ${pids[*]}"
  fi
  # Give init a moment to reap the zombies so that no java entry is left.
  local deadline=$((SECONDS + 5))
  while ((SECONDS < deadline)); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$RUN"/node*/pid
}

# ---------------------------------------------------------------- readiness

# Prints the ids of the brokers in a Metadata response, one per line.
metadata_broker_ids() {
  local bootstrap=$1 out
  if [[ -z ${PARTOP_KAFKA_NO_KCAT:-} ]] && command -v kcat >/dev/null 2>&1; then
    out=$(kcat -b "$bootstrap" -L -m 3 2>/dev/null) || return 0
    sed -n 's/^ *broker \([0-9][0-9]*\) at .*/\1/p' <<<"$out"
  else
    out=$(run_java_tool org.apache.kafka.tools.BrokerApiVersionsCommand \
      --bootstrap-server "$bootstrap" 2>/dev/null) || return 0
    sed -n -e '/isFenced: true/d' -e 's/^[^ ]* (id: \([0-9][0-9]*\) .*/\1/p' <<<"$out"
  fi
}

# wait_ready NODE... : until each given node answers a Metadata request on
# its own PLAINTEXT port with every given node in it. A broker opens its
# listeners only once the controller has unfenced it, so this also sees a
# restarted node (a killed one stays in the metadata of the others until its
# session times out, so asking them would not do).
wait_ready() {
  local deadline=$((SECONDS + WAIT_SECS)) n m ids missing
  while :; do
    for n in "$@"; do
      if ! node_alive "$n"; then
        show_node_log "$n"
        log "node $n exited during startup (logs in $(node_dir "$n")/logs)"
        return 1
      fi
    done
    missing=()
    for n in "$@"; do
      ids=$(metadata_broker_ids "$HOST:$(plain_port "$n")")
      for m in "$@"; do
        if ! grep -qx "$m" <<<"$ids"; then
          missing+=("$n")
          break
        fi
      done
    done
    ((${#missing[@]})) || return 0
    if ((SECONDS >= deadline)); then
      for n in "${missing[@]}"; do show_node_log "$n"; done
      log "timed out after ${WAIT_SECS}s: node(s) ${missing[*]} did not answer with broker(s) $* in the metadata"
      return 1
    fi
    sleep 1
  done
}

create_acls() {
  local bootstrap
  bootstrap=$(plain_bootstrap)
  run_java_tool org.apache.kafka.tools.AclCommand --bootstrap-server "$bootstrap" \
    --add --allow-principal User:bob --operation Read --operation Write \
    --operation Describe --topic '*' >"$RUN/acls-topic.log" 2>&1 &
  local p1=$!
  run_java_tool org.apache.kafka.tools.AclCommand --bootstrap-server "$bootstrap" \
    --add --allow-principal User:bob --operation Read --operation Describe \
    --group '*' >"$RUN/acls-group.log" 2>&1 &
  local p2=$! rc=0
  wait "$p1" || rc=1
  wait "$p2" || rc=1
  if ((rc)); then
    cat "$RUN/acls-topic.log" "$RUN/acls-group.log" >&2
    return 1
  fi
}

print_summary() {
  local n
  n=$(current_nodes 1)
  cat <<EOF
Kafka $KAFKA_VERSION KRaft cluster up: $n node(s)
  PLAINTEXT bootstrap: $(plain_bootstrap)
  SASL_SSL  bootstrap: $(sasl_bootstrap)   (SCRAM-SHA-256/512: alice/alice-secret super user, bob/bob-secret read/write/describe only)
  CA certificate:      $TLS/ca.pem
  eval "\$(scripts/kafka.sh env)"   # KAFKA_BROKERS KAFKA_SASL_BROKERS KAFKA_CA KAFKA_NODES
EOF
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local count=${1:-1} n running=0 start=$SECONDS
  [[ $count == 1 || $count == 3 ]] || die "up takes 1 or 3 nodes, got '$count'"
  for ((n = 1; n <= 3; n++)); do
    if node_pid "$n" >/dev/null; then running=$((running + 1)); fi
  done
  if ((running)); then
    if [[ $(current_nodes 0) == "$count" && $running == "$count" ]]; then
      log "cluster already running with $count node(s)"
      wait_ready $(seq 1 "$count") || die "running cluster is not healthy; try: scripts/kafka.sh down"
      print_summary
      return 0
    fi
    die "a cluster is already running ($running of $(current_nodes '?') node(s) up); run 'scripts/kafka.sh down' first"
  fi

  fetch
  check_java
  gen_tls
  write_log_configs
  write_client_configs
  stop_all_nodes 5 # strays from a crashed run, if any
  for ((n = 1; n <= count; n++)); do check_ports_free "$n"; done
  rm -rf "$RUN"
  mkdir -p "$RUN"
  echo "$count" >"$RUN/nodes"

  local cid
  cid=$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=\n')
  cid=${cid/#-/A} # a leading '-' would look like an option
  echo "$cid" >"$RUN/cluster-id"

  log "formatting $count node(s), cluster id $cid"
  local pids=() rc=0
  for ((n = 1; n <= count; n++)); do
    write_server_props "$n" "$count"
    run_java_tool kafka.tools.StorageTool format -t "$cid" \
      -c "$(node_dir "$n")/server.properties" \
      --add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]' \
      --add-scram 'SCRAM-SHA-512=[name=alice,password=alice-secret]' \
      --add-scram 'SCRAM-SHA-256=[name=bob,password=bob-secret]' \
      --add-scram 'SCRAM-SHA-512=[name=bob,password=bob-secret]' \
      >"$(node_dir "$n")/logs/format.log" 2>&1 &
    pids+=($!)
  done
  for ((n = 1; n <= count; n++)); do
    if ! wait "${pids[n - 1]}"; then
      cat "$(node_dir "$n")/logs/format.log" >&2
      rc=1
    fi
  done
  ((rc == 0)) || die "formatting storage failed"

  log "starting $count node(s)"
  for ((n = 1; n <= count; n++)); do start_node "$n"; done
  # shellcheck disable=SC2046 # word splitting of seq is intended
  if ! wait_ready $(seq 1 "$count"); then
    stop_all_nodes 5
    die "cluster did not come up; node files kept in $RUN (scripts/kafka.sh down removes them)"
  fi
  if ! create_acls; then
    stop_all_nodes 5
    die "creating bob's ACLs failed"
  fi
  log "up in $((SECONDS - start))s"
  print_summary
}

cmd_down() {
  # Data is thrown away, so a short grace is enough: when all voters stop at
  # once, the last ones lose the quorum and their controlled shutdown stalls.
  stop_all_nodes "$STOP_GRACE"
  rm -rf "$RUN"
  log "down"
}

cmd_kill() {
  check_node_arg "${1:-}"
  local n=$1 pid
  pid=$(node_pid "$n") || die "node $n is not running"
  kill -KILL "$pid"
  wait_pids_gone 10 "$pid" || die "node $n (pid $pid) did not die"
  rm -f "$(node_dir "$n")/pid"
  log "killed node $n (pid $pid)"
}

cmd_start() {
  check_node_arg "${1:-}"
  local n=$1 start=$SECONDS
  if node_pid "$n" >/dev/null; then
    log "node $n is already running"
    return 0
  fi
  require_fetched
  start_node "$n"
  wait_ready "$n" || die "node $n did not come back"
  log "node $n back in $((SECONDS - start))s"
}

# cmd_tool CLASS ARGS... : adds --bootstrap-server unless ARGS has one.
cmd_tool() {
  local cls=$1 a
  shift
  require_fetched
  for a in "$@"; do
    if [[ $a == --bootstrap-server || $a == --bootstrap-server=* ]]; then
      run_java_tool "$cls" "$@"
      return
    fi
  done
  run_java_tool "$cls" --bootstrap-server "$(plain_bootstrap)" "$@"
}

cmd_status() {
  local n count pid
  count=$(current_nodes 0)
  if ((count == 0)); then
    echo "no cluster (run: scripts/kafka.sh up [1|3])"
    return 0
  fi
  for ((n = 1; n <= count; n++)); do
    if pid=$(node_pid "$n"); then
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
  export_line KAFKA_BROKERS "$(plain_bootstrap)"
  export_line KAFKA_SASL_BROKERS "$(sasl_bootstrap)"
  export_line KAFKA_CA "$TLS/ca.pem"
  export_line KAFKA_NODES "$(current_nodes 1)"
}

main() {
  local cmd=${1:-help}
  [[ $# -gt 0 ]] && shift
  case $cmd in
  fetch) fetch ;;
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  kill) cmd_kill "$@" ;;
  start) cmd_start "$@" ;;
  topics) cmd_tool org.apache.kafka.tools.TopicCommand "$@" ;;
  acls) cmd_tool org.apache.kafka.tools.AclCommand "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  help | -h | --help) usage ;;
  *)
    usage >&2
    die "unknown command '$cmd'"
    ;;
  esac
}

main "$@"
