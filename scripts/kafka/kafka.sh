#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft, no ZooKeeper, no Docker).
#
#   bash scripts/kafka/kafka.sh start|stop|status      (or: npm run kafka:start ...)
#
# The broker's jars come from Maven Central through scripts/kafka/pom.xml
# (mvn dependency:copy-dependencies into $KAFKA_DIR/libs, cached in ~/.m2).
# Everything it writes lives under $KAFKA_DIR (git-ignored):
#   libs/  server.properties  log4j.properties  data/  broker.log  broker.pid
#
# Environment:
#   KAFKA_DIR               state directory            (default: <repo>/.kafka)
#   KAFKA_PORT              client listener port       (default: 9092)
#   KAFKA_CONTROLLER_PORT   KRaft controller port      (default: 9093)
#   KAFKA_DATA_RESET=1      start: wipe the data first (fresh cluster; for CI)
#   KAFKA_HEAP_OPTS         JVM heap                   (default: -Xms128m -Xmx512m)
#   KAFKA_START_TIMEOUT     seconds to wait for the broker to answer (default: 60)
#   KAFKA_STOP_TIMEOUT      seconds to wait after SIGTERM before SIGKILL (default: 30)

# shellcheck disable=SC2016  # the inner `bash -c '...'` scripts expand their own $0, $1
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

HOST=127.0.0.1
KAFKA_DIR="${KAFKA_DIR:-$REPO_ROOT/.kafka}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
BIND_ATTEMPTS=5

# Make KAFKA_DIR absolute (a relative value is taken from the current directory).
[[ $KAFKA_DIR == /* ]] || KAFKA_DIR="$PWD/$KAFKA_DIR"
LIBS_DIR="$KAFKA_DIR/libs"
DATA_DIR="$KAFKA_DIR/data"
CONFIG="$KAFKA_DIR/server.properties"
LOG4J="$KAFKA_DIR/log4j.properties"
LOG_FILE="$KAFKA_DIR/broker.log"
PID_FILE="$KAFKA_DIR/broker.pid"

log() { printf 'kafka: %s\n' "$*"; }
err() { printf 'kafka: %s\n' "$*" >&2; }
die() { err "error: $*"; exit 1; }

for v in PORT CONTROLLER_PORT START_TIMEOUT STOP_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done
[[ $PORT != "$CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"

# Run "$@" with a time limit when coreutils' timeout is available.
with_timeout() {
  local secs="$1"; shift
  if command -v timeout >/dev/null 2>&1; then timeout "$secs" "$@"; else "$@"; fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# Prints the broker's pid when the pid file names a live Kafka process.
broker_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid.
  if [[ -r /proc/$pid/cmdline ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka'; then
    return 1
  fi
  printf '%s\n' "$pid"
}

# Does anything accept TCP connections on 127.0.0.1:$1?
port_open() {
  with_timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

# Asks 127.0.0.1:$1 for cluster metadata (Kafka Metadata request v4, no topics)
# and succeeds only if a Kafka broker answers and lists at least one live
# (registered, unfenced) broker -- i.e. it is ready to serve clients.
metadata_ok() {
  local hex
  # Request: size=26 | api_key=3 | api_version=4 | correlation_id="KAKA"
  #          | client_id="baton-probe" | topics=[] | allow_auto_topic_creation=false
  # Read back the first 20 bytes of the response: size | correlation_id
  #          | throttle_time_ms | brokers.length | brokers[0].node_id
  hex="$(with_timeout 5 bash -c '
      exec 3<>"/dev/tcp/$0/$1" || exit 1
      printf "\x00\x00\x00\x1a\x00\x03\x00\x04KAKA\x00\x0b" >&3
      printf "baton-probe" >&3
      printf "\x00\x00\x00\x00\x00" >&3
      dd bs=1 count=20 <&3 2>/dev/null | od -An -v -tx1
    ' "$HOST" "$1" 2>/dev/null)" || return 1
  hex="${hex//[$' \n']/}"
  [[ ${#hex} -eq 40 && ${hex:8:8} == 4b414b41 ]] || return 1
  local brokers=$((16#${hex:24:8}))
  ((brokers >= 1 && brokers < 10000))
}

# Downloads (first time) and copies the broker's jars into $LIBS_DIR, unless
# they are already there for the current pom.xml.
ensure_libs() {
  local want have=""
  want="$(sha256 "$POM")"
  [[ -f $LIBS_DIR/.pom.sha256 ]] && have="$(<"$LIBS_DIR/.pom.sha256")"
  if [[ $want == "$have" ]] && compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to fetch the Kafka jars"
  log "fetching Kafka jars with Maven (the first run downloads them into ~/.m2) ..."
  local tmp="$KAFKA_DIR/libs.tmp.$$" mvn_log="$KAFKA_DIR/mvn.log"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -Dmdep.includeScope=runtime -Dstyle.color=never >"$mvn_log" 2>&1; then
    rm -rf "$tmp"
    err "Maven failed; last lines of $mvn_log:"
    tail -n 30 "$mvn_log" >&2 || true
    exit 1
  fi
  printf '%s\n' "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  local jars=("$LIBS_DIR"/*.jar) core=("$LIBS_DIR"/kafka_2.13-*.jar) version
  version="${core[0]##*/kafka_2.13-}"
  log "jars ready in $LIBS_DIR (${#jars[@]} jars, Kafka ${version%.jar})"
}

write_config() {
  cat >"$CONFIG" <<EOF
# Generated by scripts/kafka/kafka.sh on every start -- edits are overwritten.
# Single-node KRaft cluster: this process is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# One broker: every replication factor and min ISR is 1.
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
# Small internal topics: creating them (first consumer group / transactional
# producer) is quick on a laptop or CI runner.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1

group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF

  cat >"$LOG4J" <<'EOF'
# Generated by scripts/kafka/kafka.sh. Warnings and errors, plus the broker's
# lifecycle lines (started / shutting down) and its version.
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n

log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.logger.kafka.server.ControllerServer=INFO
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=INFO
log4j.logger.org.apache.kafka.common.utils.AppInfoParser$AppInfo=WARN
EOF
}

java_opts() {
  # shellcheck disable=SC2206  # KAFKA_HEAP_OPTS is a list of flags
  JAVA_OPTS=($HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$LOG4J" "-Dkafka.logs.dir=$KAFKA_DIR")
}

format_storage() {
  if [[ -f $DATA_DIR/meta.properties ]]; then
    return 0
  fi
  local cluster_id
  # A Kafka Uuid: 16 random bytes, URL-safe base64 without padding. Avoid a
  # leading '-', which the command line would take for an option.
  while :; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ $cluster_id != -* ]] && break
  done
  log "formatting storage in $DATA_DIR (cluster id $cluster_id)"
  mkdir -p "$DATA_DIR"
  local out
  if ! out="$(java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto \
      "-Dlog4j.configuration=file:$LOG4J" -cp "$LIBS_DIR/*" \
      kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$CONFIG" 2>&1)"; then
    err "$out"
    die "formatting the storage failed"
  fi
}

# Launches the JVM and waits for the broker to answer. Returns 2 when it
# exited during startup because a port was in use, 1 when it exited for
# another reason; exits when it does not answer in time.
launch_broker() {
  local pid
  [[ -f $LOG_FILE ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  local java_pid_file="$PID_FILE.starting"
  rm -f "$java_pid_file"
  java_opts
  # New session (setsid): the broker outlives this shell, npm and the terminal.
  # The inner shell records its own pid, then becomes the JVM (exec).
  local launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  (
    cd "$KAFKA_DIR"
    exec ${launcher[@]+"${launcher[@]}"} bash -c 'echo $$ >"$0"; exec "$@"' "$java_pid_file" \
      java "${JAVA_OPTS[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG" \
      </dev/null >>"$LOG_FILE" 2>&1
  ) &
  disown 2>/dev/null || true

  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $java_pid_file ]] && break
    sleep 0.1
  done
  [[ -s $java_pid_file ]] || die "could not launch java (see $LOG_FILE)"
  pid="$(<"$java_pid_file")"
  mv -f "$java_pid_file" "$PID_FILE"
  log "starting broker (pid $pid), waiting for $HOST:$PORT to answer ..."

  local deadline=$((SECONDS + START_TIMEOUT))
  until metadata_ok "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      grep -q 'Address already in use' "$LOG_FILE" && return 2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      err "the broker did not answer on $HOST:$PORT within ${START_TIMEOUT}s; last lines of $LOG_FILE:"
      tail -n 40 "$LOG_FILE" >&2 || true
      err "stopping it"
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      exit 1
    fi
    sleep 0.5
  done
  log "running (pid $pid): bootstrap server $HOST:$PORT, log $LOG_FILE"
}

cmd_start() {
  local pid
  if pid="$(broker_pid)"; then
    if [[ ${KAFKA_DATA_RESET:-0} == 1 ]]; then
      die "KAFKA_DATA_RESET=1 but the broker is running (pid $pid); run 'stop' first"
    fi
    log "already running (pid $pid) on $HOST:$PORT"
    return 0
  fi
  rm -f "$PID_FILE"

  command -v java >/dev/null 2>&1 || die "java is not on the PATH (Java 17+ is needed)"
  # A broker that just stopped may still be closing its sockets: wait a little before calling a port taken.
  local p i
  for p in "$PORT" "$CONTROLLER_PORT"; do
    for ((i = 0; i < 20; i++)); do
      port_open "$p" || break
      sleep 0.5
    done
    if port_open "$p"; then
      die "port $HOST:$p is already taken by another process (not started by this script?)"
    fi
  done

  mkdir -p "$KAFKA_DIR"
  ensure_libs
  write_config

  if [[ ${KAFKA_DATA_RESET:-0} == 1 ]]; then
    log "KAFKA_DATA_RESET=1: wiping $DATA_DIR"
    rm -rf "$DATA_DIR"
  fi
  format_storage

  # A broker just stopped can leave its ports unbindable for a moment (the
  # listen check above passes, the JVM's bind does not): launch again then.
  local attempt status
  for ((attempt = 1; ; attempt++)); do
    status=0
    launch_broker || status=$?
    ((status == 0)) && break
    if ((status == 2 && attempt < BIND_ATTEMPTS)); then
      log "a port was still held by the broker that stopped before; launching again in 2s (attempt $((attempt + 1)) of $BIND_ATTEMPTS)"
      sleep 2
      continue
    fi
    err "the broker exited during startup; last lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2 || true
    exit 1
  done
}

cmd_stop() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      err "still running after ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local i
      for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if ! pid="$(broker_pid)"; then
    log "not running"
    return 1
  fi
  if metadata_ok "$PORT"; then
    log "running (pid $pid) and answering on $HOST:$PORT"
    return 0
  fi
  log "process $pid is up but the broker does not answer on $HOST:$PORT (starting, stopping or stuck; see $LOG_FILE)"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    err "usage: $(basename "$0") start|stop|status"
    exit 2
    ;;
esac
