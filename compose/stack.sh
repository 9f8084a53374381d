#!/usr/bin/env bash
# Local ragstream service stack without Docker: Kafka (KRaft), OpenSearch + k-NN,
# optionally PostgreSQL (logical WAL) and Kafka Connect + Debezium.
#
#   compose/stack.sh up     [service...]   start (default: kafka opensearch)
#   compose/stack.sh down   [service...]   stop what this script started (default: all)
#   compose/stack.sh status [service...]   service, pid, port, health (read-only, installs nothing)
#   compose/stack.sh check  [service...]   smoke tests (k-NN query, Kafka round trip, ...; installs nothing)
#   compose/stack.sh logs   service        tail the service log
#   compose/stack.sh pin                   download every artifact set, write compose/artifacts.sha256
#
# Services: kafka opensearch postgres connect. postgres/connect start only when named,
# or with RAGSTREAM_STACK_CDC=1. See compose/README.md.
set -euo pipefail
umask 022   # configs, jars and dirs must be readable by the unprivileged service user

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
STACK_DIR="${RAGSTREAM_STACK_DIR:-$REPO/.stack}"

HOST=127.0.0.1
KAFKA_PORT="${RAGSTREAM_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${RAGSTREAM_KAFKA_CONTROLLER_PORT:-9093}"
OPENSEARCH_PORT="${RAGSTREAM_OPENSEARCH_PORT:-9200}"
OPENSEARCH_TRANSPORT_PORT="${RAGSTREAM_OPENSEARCH_TRANSPORT_PORT:-9300}"
POSTGRES_PORT="${RAGSTREAM_POSTGRES_PORT:-5432}"
CONNECT_PORT="${RAGSTREAM_CONNECT_PORT:-8083}"

KAFKA_VERSION="${RAGSTREAM_KAFKA_VERSION:-3.9.1}"
OPENSEARCH_VERSION="${RAGSTREAM_OPENSEARCH_VERSION:-2.19.1}"
KNN_VERSION="${OPENSEARCH_VERSION}.0"
DEBEZIUM_VERSION="${RAGSTREAM_DEBEZIUM_VERSION:-3.2.3.Final}"
# lang-painless runtime deps for OpenSearch 2.19.1 (from its published pom)
ANTLR_VERSION=4.13.1
ASM_VERSION=9.7

KAFKA_HEAP="${RAGSTREAM_KAFKA_HEAP:-512m}"
OPENSEARCH_HEAP="${RAGSTREAM_OPENSEARCH_HEAP:-768m}"
CONNECT_HEAP="${RAGSTREAM_CONNECT_HEAP:-512m}"
OPENSEARCH_NEURAL="${RAGSTREAM_OPENSEARCH_NEURAL:-1}"   # install neural-search (hybrid query)
STACK_USER="${RAGSTREAM_STACK_USER:-ragstream}"         # Kafka, Connect and OpenSearch run as this user
PG_USER=postgres
PG_PASSWORD="${RAGSTREAM_POSTGRES_PASSWORD:-postgres}"
PG_DB="${RAGSTREAM_POSTGRES_DB:-ragstream}"
START_TIMEOUT="${RAGSTREAM_STACK_TIMEOUT:-180}"
CHECKSUMS="${RAGSTREAM_STACK_CHECKSUMS:-$SCRIPT_DIR/artifacts.sha256}"   # pinned SHA-256 of every jar/zip
MAVEN_REPO="${RAGSTREAM_MAVEN_REPO:-}"   # Maven local repository (default ~/.m2/repository)

DIST="$STACK_DIR/dist"     # downloaded artifacts (cached)
LOGS="$STACK_DIR/logs"     # process output
PIDS="$STACK_DIR/pids"     # pid files of processes started by this script

ALL_SERVICES=(kafka opensearch postgres connect)
DEFAULT_SERVICES=(kafka opensearch)
if [[ "${RAGSTREAM_STACK_CDC:-0}" == 1 ]]; then DEFAULT_SERVICES+=(postgres connect); fi

log()  { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- prerequisites
APT_UPDATED=0
apt_install() {  # apt_install pkg... (idempotent; only called when something is missing)
  command -v apt-get >/dev/null || die "need packages ($*) but apt-get is unavailable; install them manually"
  local sudo=""
  if [[ $EUID -ne 0 ]]; then command -v sudo >/dev/null || die "need root to apt-get install $*"; sudo=sudo; fi
  if [[ $APT_UPDATED == 0 ]]; then
    log "apt-get update"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOGS/apt.log" 2>&1 \
      || { tail -n 20 "$LOGS/apt.log" >&2; die "apt-get update failed (log: $LOGS/apt.log)"; }
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1 \
    || { tail -n 20 "$LOGS/apt.log" >&2; die "apt-get install $* failed (log: $LOGS/apt.log)"; }
}

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }

JAVA_HOME_17=""
lookup_java() {  # OpenSearch 2.19 needs a JDK 11..21 (SecurityManager); use it for everything. Installs nothing.
  [[ -n "$JAVA_HOME_17" ]] && return 0
  local cand v
  for cand in "${RAGSTREAM_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17* \
              /usr/lib/jvm/java-21-openjdk-* /usr/lib/jvm/temurin-21*; do
    [[ -n "$cand" && -x "$cand/bin/java" ]] || continue
    v="$(java_major "$cand")"
    if [[ "$v" =~ ^(11|17|21)$ ]]; then JAVA_HOME_17="$cand"; return 0; fi
  done
  return 1
}
find_java() {  # lookup_java, installing a JDK 17 when there is none (up only)
  lookup_java && return 0
  apt_install openjdk-17-jdk-headless
  for cand in /usr/lib/jvm/java-17-openjdk-*; do [[ -x "$cand/bin/java" ]] && { JAVA_HOME_17="$cand"; return 0; }; done
  die "no Java 17 found (set RAGSTREAM_JAVA_HOME)"
}

ensure_tools() {
  local missing=()
  command -v curl  >/dev/null || missing+=(curl)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v python3 >/dev/null || missing+=(python3)
  command -v setpriv >/dev/null || missing+=(util-linux)
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
}

ensure_maven() {
  find_java
  command -v mvn >/dev/null || apt_install maven
}

# ------------------------------------------------------------------ unprivileged user
# Kafka, Connect and OpenSearch run as $STACK_USER (a system user without a login shell) when the
# script runs as root; otherwise they run as the invoking (already unprivileged) user.
ensure_stack_user() {
  [[ $EUID -eq 0 ]] || return 0
  id -u "$STACK_USER" >/dev/null 2>&1 && return 0
  log "creating system user $STACK_USER"
  useradd --system --user-group --no-create-home --home-dir "$STACK_DIR" --shell /usr/sbin/nologin "$STACK_USER"
}
run_user() { if [[ $EUID -eq 0 ]]; then echo "$STACK_USER"; else echo -; fi; }
as_stack_user() {  # as_stack_user CMD...: run CMD as the service user
  if [[ $EUID -eq 0 ]]; then setpriv --reuid="$STACK_USER" --regid="$STACK_USER" --init-groups -- "$@"; else "$@"; fi
}
# own DIR...: everything under DIR belongs to the service user, including trees an older
# version of this script created as root (up only; status and check never call it)
own() {
  [[ $EUID -eq 0 ]] || return 0
  local d
  for d in "$@"; do
    [[ -e "$d" ]] || continue
    if [[ -n "$(find "$d" ! -user "$STACK_USER" -print -quit)" ]]; then
      log "chown -R $STACK_USER $d"
      find "$d" ! -user "$STACK_USER" -exec chown -h "$STACK_USER:" {} +
    fi
  done
}
# readable_by_user SVC PATH...: die unless the service user can read every PATH
readable_by_user() {
  local svc="$1" p; shift
  for p in "$@"; do
    as_stack_user test -r "$p" \
      || die "$svc: user $STACK_USER cannot read $p (are $STACK_DIR and every directory above it world-executable?)"
  done
}

# ------------------------------------------------------------------ artifacts
# verify_set NAME: every jar/zip in $DIST/NAME has the SHA-256 pinned in $CHECKSUMS, and every file
# pinned for NAME is there. Refuses, and drops the set's stamp so the next up downloads it again,
# on any difference.
verify_set() {
  local name="$1" dir="$DIST/$1" sum path rel n=0
  local -A want=() seen=()
  [[ -f "$CHECKSUMS" ]] || die "$CHECKSUMS is missing: refusing to use artifacts that cannot be verified"
  while read -r sum path; do
    [[ -z "$sum" || "$sum" == \#* ]] && continue
    [[ "$path" == "$name/"* ]] && want["$path"]="$sum"
  done <"$CHECKSUMS"
  while read -r sum path; do
    rel="$name/${path##*/}"; seen["$rel"]=1
    if [[ -z "${want[$rel]:-}" ]]; then
      printf '[stack] %s: not pinned in %s (sha256 %s)\n' "$rel" "$CHECKSUMS" "$sum" >&2; n=$((n + 1))
    elif [[ "${want[$rel]}" != "$sum" ]]; then
      printf '[stack] %s: SHA-256 MISMATCH: pinned %s, found %s\n' "$rel" "${want[$rel]}" "$sum" >&2; n=$((n + 1))
    fi
  done < <(find "$dir" -maxdepth 1 -type f \( -name '*.jar' -o -name '*.zip' \) -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
  for rel in "${!want[@]}"; do
    [[ -n "${seen[$rel]:-}" ]] || { printf '[stack] %s: pinned but not downloaded\n' "$rel" >&2; n=$((n + 1)); }
  done
  if ((n)); then
    rm -f "$dir/.complete"
    die "refusing to use the '$name' artifacts: $n file(s) differ from the SHA-256 digests pinned in $CHECKSUMS (above). \
A corrupted or tampered download: delete $dir and those artifacts under ${MAVEN_REPO:-~/.m2/repository}, then run up again. \
A deliberate version change (RAGSTREAM_*_VERSION): pin the new digests with 'compose/stack.sh pin' (see compose/README.md)."
  fi
}

# fetch NAME TRANSITIVE(true|false) COORD...   COORD = group:artifact:version[:type]
# Copies the artifacts into $DIST/NAME via a generated pom; cached by a stamp of the inputs.
# Every use, cached or fresh, checks the files against the pinned SHA-256 digests (verify_set).
PINNING=0
fetch() {
  local name="$1" transitive="$2"; shift 2
  local out="$DIST/$name" stamp="$*|$transitive"
  if [[ -f "$out/.complete" && "$(cat "$out/.complete")" == "$stamp" ]]; then
    ((PINNING)) || verify_set "$name"
    return 0
  fi
  ensure_maven
  log "downloading $name artifacts with Maven: $*"
  rm -rf "$out" "$DIST/.pom-$name"; mkdir -p "$DIST/.pom-$name"
  local deps="" c g a v t
  for c in "$@"; do
    IFS=: read -r g a v t <<<"$c"
    deps+="<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version><type>${t:-jar}</type></dependency>"
  done
  cat >"$DIST/.pom-$name/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>ragstream.stack</groupId><artifactId>fetch-$name</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>$deps</dependencies></project>
EOF
  local excl=""
  [[ "$transitive" == true ]] || excl="-DexcludeTransitive=true"
  local repo=()
  [[ -z "$MAVEN_REPO" ]] || repo=(-Dmaven.repo.local="$MAVEN_REPO")
  # no --strict-checksums: Central has no .sha1 for some plugin zips (neural-search); the pinned
  # SHA-256 digests (verify_set) are the check
  if ! JAVA_HOME="$JAVA_HOME_17" mvn -B -q "${repo[@]}" -f "$DIST/.pom-$name/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$out" $excl >"$LOGS/maven-$name.log" 2>&1; then
    tail -n 30 "$LOGS/maven-$name.log" >&2
    die "Maven download for $name failed (log: $LOGS/maven-$name.log)"
  fi
  ((PINNING)) || verify_set "$name"
  printf '%s' "$stamp" >"$out/.complete"
}

fetch_kafka() {
  fetch kafka true "org.apache.kafka:kafka_2.13:$KAFKA_VERSION" "org.apache.kafka:kafka-tools:$KAFKA_VERSION" \
    "org.apache.kafka:connect-runtime:$KAFKA_VERSION" "org.slf4j:slf4j-reload4j:1.7.36"
}
fetch_opensearch() {
  fetch opensearch false "org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip" \
    "org.opensearch.plugin:opensearch-knn:$KNN_VERSION:zip" "org.opensearch.plugin:neural-search:$KNN_VERSION:zip"
  fetch lang-painless false "org.opensearch.plugin:lang-painless:$OPENSEARCH_VERSION" \
    "org.opensearch.plugin:opensearch-scripting-painless-spi:$OPENSEARCH_VERSION" \
    "org.antlr:antlr4-runtime:$ANTLR_VERSION" "org.ow2.asm:asm:$ASM_VERSION" "org.ow2.asm:asm-util:$ASM_VERSION" \
    "org.ow2.asm:asm-tree:$ASM_VERSION" "org.ow2.asm:asm-commons:$ASM_VERSION" "org.ow2.asm:asm-analysis:$ASM_VERSION"
  # analysis-common: the 'english' analyzer and the stemmer/porter_stem/kstem/asciifolding filters,
  # which every real distribution ships as a module and the integ-test zip lacks (no jar dependencies)
  fetch analysis-common false "org.opensearch.plugin:analysis-common:$OPENSEARCH_VERSION"
}
fetch_debezium() { fetch debezium-postgres true "io.debezium:debezium-connector-postgres:$DEBEZIUM_VERSION"; }
ARTIFACT_SETS=(kafka opensearch lang-painless analysis-common debezium-postgres)

# ------------------------------------------------------------------ processes
pidfile() { echo "$PIDS/$1.pid"; }

# pid of a running process we started for service $1 (validated against its cmdline), else empty
running_pid() {
  local pf pid
  pf="$(pidfile "$1")"
  [[ -s "$pf" ]] || return 0
  pid="$(<"$pf")"
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$STACK_DIR/$1"; then
    echo "$pid"
  else
    rm -f "$pf"   # stale
  fi
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# launch SERVICE LOGFILE [setpriv-user|-] CMD... : start detached, record pid
launch() {
  local svc="$1" logf="$2" user="$3"; shift 3
  : >"$logf"
  if [[ "$user" != - ]]; then
    setsid setpriv --reuid="$user" --regid="$user" --init-groups -- "$@" >>"$logf" 2>&1 </dev/null &
  else
    setsid "$@" >>"$logf" 2>&1 </dev/null &
  fi
  echo $! >"$(pidfile "$svc")"
}

# wait_healthy SERVICE LOGFILE HEALTH_FN [TIMEOUT]
wait_healthy() {
  local svc="$1" logf="$2" fn="$3" timeout="${4:-$START_TIMEOUT}" start=$SECONDS pid
  pid="$(<"$(pidfile "$svc")")"
  while ! "$fn" >/dev/null 2>&1; do
    if [[ ! -d "/proc/$pid" ]]; then
      rm -f "$(pidfile "$svc")"
      echo "----- last lines of $logf -----" >&2; tail -n 40 "$logf" >&2
      die "$svc exited during startup (log: $logf)"
    fi
    if (( SECONDS - start >= timeout )); then
      echo "----- last lines of $logf -----" >&2; tail -n 40 "$logf" >&2
      stop_service "$svc" >/dev/null 2>&1 || true
      die "$svc did not become healthy within ${timeout}s, stopped it (log: $logf)"
    fi
    sleep 1
  done
  log "$svc is up (pid $pid, $(( SECONDS - start ))s)"
}

stop_pid() {  # stop_pid SERVICE PID TIMEOUT
  local svc="$1" pid="$2" timeout="$3" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 5; i++)); do
    [[ -d "/proc/$pid" ]] || return 0
    # reap zombie children of this shell, if any
    sleep 0.2
  done
  warn "$svc (pid $pid) did not exit within ${timeout}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do [[ -d "/proc/$pid" ]] || return 0; sleep 0.2; done
}

# ------------------------------------------------------------------ kafka
KAFKA_HOME="$STACK_DIR/kafka"
kafka_healthy() {
  if command -v python3 >/dev/null; then python3 "$SCRIPT_DIR/kafka_probe.py" "$HOST" "$KAFKA_PORT" 2
  else port_open "$KAFKA_PORT"; fi
}
kafka_classpath() { echo "$DIST/kafka/*"; }

kafka_prepare() {
  find_java
  fetch_kafka
  if ls "$DIST/kafka"/slf4j-api-2* >/dev/null 2>&1; then die "slf4j 2.x ended up on the Kafka classpath ($DIST/kafka)"; fi
  mkdir -p "$KAFKA_HOME/config" "$KAFKA_HOME/data"
  cat >"$KAFKA_HOME/config/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.reflections=ERROR
log4j.logger.org.apache.kafka.connect.runtime.isolation=WARN
EOF
  # command line tools (check): warnings only, on stderr, so stdout carries just the records
  cat >"$KAFKA_HOME/config/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  cat >"$KAFKA_HOME/config/server.properties" <<EOF
# generated by compose/stack.sh -- edits are overwritten on each 'up'
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_HOME/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
EOF
  # the broker runs as $STACK_USER: it owns its data (also a data dir an older, root-run stack made)
  ensure_stack_user
  own "$KAFKA_HOME/data"
  readable_by_user kafka "$KAFKA_HOME/config/server.properties" "$DIST/kafka/kafka_2.13-$KAFKA_VERSION.jar"
  if [[ ! -f "$KAFKA_HOME/data/meta.properties" ]]; then
    [[ -s "$KAFKA_HOME/cluster.id" ]] || head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$KAFKA_HOME/cluster.id"
    log "formatting Kafka KRaft storage (cluster id $(<"$KAFKA_HOME/cluster.id"))"
    as_stack_user "$JAVA_HOME_17/bin/java" -Xmx256m -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" \
      -cp "$(kafka_classpath)" kafka.tools.StorageTool format -t "$(<"$KAFKA_HOME/cluster.id")" \
      -c "$KAFKA_HOME/config/server.properties" -g >"$LOGS/kafka-format.log" 2>&1 \
      || { tail -n 20 "$LOGS/kafka-format.log" >&2; die "kafka storage format failed (log: $LOGS/kafka-format.log)"; }
  fi
}

kafka_launch() {
  launch kafka "$LOGS/kafka.log" "$(run_user)" "$JAVA_HOME_17/bin/java" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC \
    -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" \
    -cp "$(kafka_classpath)" kafka.Kafka "$KAFKA_HOME/config/server.properties"
}

# ------------------------------------------------------------------ opensearch
OS_HOME="$STACK_DIR/opensearch/home"
OS_DATA="$STACK_DIR/opensearch/data"
OS_LOGS="$LOGS/opensearch"
os_url() { echo "http://$HOST:$OPENSEARCH_PORT"; }
opensearch_healthy() {
  curl -fsS --max-time 3 "$(os_url)/_cluster/health" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'
}

opensearch_prepare() {
  find_java
  fetch_opensearch
  ensure_stack_user
  local want="$OPENSEARCH_VERSION|analysis-common|knn|neural=$OPENSEARCH_NEURAL"
  if [[ ! -f "$OS_HOME/.assembled" || "$(cat "$OS_HOME/.assembled")" != "$want" ]]; then
    log "assembling OpenSearch $OPENSEARCH_VERSION (+lang-painless and analysis-common modules, k-NN$([[ $OPENSEARCH_NEURAL == 1 ]] && echo ', neural-search'))"
    rm -rf "$OS_HOME" "$STACK_DIR/opensearch/.unzip"
    mkdir -p "$STACK_DIR/opensearch/.unzip"
    unzip -q "$DIST/opensearch/opensearch-$OPENSEARCH_VERSION.zip" -d "$STACK_DIR/opensearch/.unzip"
    mv "$STACK_DIR/opensearch/.unzip/opensearch-$OPENSEARCH_VERSION" "$OS_HOME"
    rmdir "$STACK_DIR/opensearch/.unzip"
    # lang-painless as a module (k-NN declares extended.plugins=lang-painless)
    local pl="$OS_HOME/modules/lang-painless" cls=org.opensearch.painless.PainlessPlugin
    mkdir -p "$pl"; cp "$DIST/lang-painless"/*.jar "$pl/"
    if unzip -l "$pl/lang-painless-$OPENSEARCH_VERSION.jar" | grep -q 'org/opensearch/painless/PainlessModulePlugin.class'; then
      cls=org.opensearch.painless.PainlessModulePlugin
    fi
    cat >"$pl/plugin-descriptor.properties" <<EOF
description=An easy, safe and fast scripting language for OpenSearch
version=$OPENSEARCH_VERSION
name=lang-painless
classname=$cls
java.version=11
opensearch.version=$OPENSEARCH_VERSION
extended.plugins=
has.native.controller=false
EOF
    cat >"$pl/plugin-security.policy" <<'EOF'
grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";
  // needed to find the classloader to load whitelisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF
    # analysis-common as a module, as in every real distribution: the 'english' analyzer and the
    # stemmer filters. It extends lang-painless (its painless whitelist for script conditions).
    local ac="$OS_HOME/modules/analysis-common" accls=org.opensearch.analysis.common.CommonAnalysisPlugin
    mkdir -p "$ac"; cp "$DIST/analysis-common"/*.jar "$ac/"
    if unzip -l "$ac/analysis-common-$OPENSEARCH_VERSION.jar" | grep -q 'org/opensearch/analysis/common/CommonAnalysisModulePlugin.class'; then
      accls=org.opensearch.analysis.common.CommonAnalysisModulePlugin
    fi
    cat >"$ac/plugin-descriptor.properties" <<EOF
description=Adds "built in" analyzers to OpenSearch.
version=$OPENSEARCH_VERSION
name=analysis-common
classname=$accls
java.version=11
opensearch.version=$OPENSEARCH_VERSION
extended.plugins=lang-painless
has.native.controller=false
EOF
    mkdir -p "$OS_HOME/plugins/opensearch-knn"
    unzip -q "$DIST/opensearch/opensearch-knn-$KNN_VERSION.zip" -d "$OS_HOME/plugins/opensearch-knn"
    if [[ $OPENSEARCH_NEURAL == 1 ]]; then
      mkdir -p "$OS_HOME/plugins/opensearch-neural-search"
      unzip -q "$DIST/opensearch/neural-search-$KNN_VERSION.zip" -d "$OS_HOME/plugins/opensearch-neural-search"
    fi
    printf '%s' "$want" >"$OS_HOME/.assembled"
  fi
  mkdir -p "$OS_DATA" "$OS_LOGS" "$STACK_DIR/opensearch/tmp"
  cat >"$OS_HOME/config/opensearch.yml" <<EOF
# generated by compose/stack.sh -- edits are overwritten on each 'up'
cluster.name: ragstream
node.name: ragstream-1
discovery.type: single-node
network.host: $HOST
http.port: $OPENSEARCH_PORT
transport.port: $OPENSEARCH_TRANSPORT_PORT
path.data: $OS_DATA
path.logs: $OS_LOGS
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  # everything OpenSearch writes must belong to $STACK_USER (config: keystore; home/logs: gc.log)
  [[ $EUID -ne 0 ]] || chown "$STACK_USER:" "$OS_HOME/config/opensearch.yml"
  own "$OS_HOME" "$OS_DATA" "$OS_LOGS" "$STACK_DIR/opensearch/tmp"
  readable_by_user opensearch "$OS_HOME/bin/opensearch"
}

opensearch_launch() {
  # cd so that relative paths in jvm.options (logs/gc.log, data) land in the owned home dir
  (cd "$OS_HOME" && launch opensearch "$LOGS/opensearch.log" "$(run_user)" env HOME="$STACK_DIR/opensearch" \
     JAVA_HOME="$JAVA_HOME_17" OPENSEARCH_JAVA_HOME="$JAVA_HOME_17" OPENSEARCH_PATH_CONF="$OS_HOME/config" \
     OPENSEARCH_TMPDIR="$STACK_DIR/opensearch/tmp" \
     OPENSEARCH_JAVA_OPTS="-Xms$OPENSEARCH_HEAP -Xmx$OPENSEARCH_HEAP ${RAGSTREAM_OPENSEARCH_JAVA_OPTS:-}" \
     "$OS_HOME/bin/opensearch")
}

# ------------------------------------------------------------------ postgres
PG_HOME="$STACK_DIR/postgres"
PG_DATA="$PG_HOME/data"
PG_RUN="$PG_HOME/run"
PG_BIN=""
lookup_pg() {  # sets PG_BIN to the newest installed Debian PostgreSQL; installs nothing
  [[ -n "$PG_BIN" ]] && return 0
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  [[ -n "$d" && -x "$d/postgres" ]] || return 1
  PG_BIN="$d"
}
find_pg() {  # lookup_pg, installing PostgreSQL when it is missing (up only)
  lookup_pg && return 0
  # keep Debian from creating (and starting) its own 'main' cluster on 5432
  apt_install postgresql-common
  if [[ -f /etc/postgresql-common/createcluster.conf ]]; then
    sed -i 's/^#\{0,1\} *create_main_cluster *=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  fi
  apt_install postgresql
  lookup_pg || die "PostgreSQL was installed but no /usr/lib/postgresql/*/bin/postgres was found"
}
psql_pg() { PGPASSWORD="$PG_PASSWORD" "$PG_BIN/psql" -h "$HOST" -p "$POSTGRES_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -qAt "$@"; }
postgres_healthy() {
  if lookup_pg; then "$PG_BIN/pg_isready" -q -h "$HOST" -p "$POSTGRES_PORT"; else port_open "$POSTGRES_PORT"; fi
}

postgres_prepare() {
  find_pg
  id -u "$PG_USER" >/dev/null 2>&1 || die "system user $PG_USER missing (postgresql package should create it)"
  mkdir -p "$PG_HOME" "$PG_RUN"
  chown "$PG_USER:" "$PG_RUN"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initdb $PG_DATA"
    rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"; chown "$PG_USER:" "$PG_DATA"; chmod 700 "$PG_DATA"
    local pw="$PG_HOME/.pw"; printf '%s\n' "$PG_PASSWORD" >"$pw"; chown "$PG_USER:" "$pw"; chmod 600 "$pw"
    setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups -- "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" \
      --pwfile="$pw" --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$LOGS/postgres-initdb.log" 2>&1 \
      || { rm -f "$pw"; tail -n 20 "$LOGS/postgres-initdb.log" >&2; die "initdb failed (log: $LOGS/postgres-initdb.log)"; }
    rm -f "$pw"
    rm -f "$PG_HOME/.db-created"
  fi
  # Rewritten on every start, so a data dir an older stack.sh initialised with local 'trust' loses it:
  # passwords (scram-sha-256) everywhere; only the postgres OS user may use its unix socket
  # without one (peer), which up uses to set the password (postgres_sync_password).
  cat >"$PG_DATA/pg_hba.conf" <<'EOF'
# generated by compose/stack.sh -- edits are overwritten on each 'up'
# TYPE  DATABASE     USER       ADDRESS         METHOD
local   all          postgres                   peer
local   all          all                        scram-sha-256
host    all          all        127.0.0.1/32    scram-sha-256
host    all          all        ::1/128         scram-sha-256
local   replication  postgres                   peer
host    replication  all        127.0.0.1/32    scram-sha-256
host    replication  all        ::1/128         scram-sha-256
EOF
  chown "$PG_USER:" "$PG_DATA/pg_hba.conf"; chmod 600 "$PG_DATA/pg_hba.conf"
}

postgres_launch() {
  launch postgres "$LOGS/postgres.log" "$PG_USER" "$PG_BIN/postgres" -D "$PG_DATA" \
    -c listen_addresses="$HOST" -c port="$POSTGRES_PORT" -c unix_socket_directories="$PG_RUN" \
    -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10 -c max_slot_wal_keep_size=1024MB
}

# The password of $PG_USER over TCP is RAGSTREAM_POSTGRES_PASSWORD: when a login with it fails
# (a changed variable), set it through the unix socket as the postgres OS user (peer auth).
# The statement goes on stdin, never on a command line.
postgres_sync_password() {
  psql_pg -d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
  log "setting the password of database user $PG_USER (RAGSTREAM_POSTGRES_PASSWORD)"
  printf "SET log_statement = 'none'; ALTER ROLE \"%s\" WITH PASSWORD '%s';\n" "$PG_USER" "${PG_PASSWORD//\'/\'\'}" \
    | setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups -- "$PG_BIN/psql" -h "$PG_RUN" -p "$POSTGRES_PORT" \
        -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qAt -f - >/dev/null \
    || die "could not set the password of $PG_USER through $PG_RUN (log: $LOGS/postgres.log)"
  psql_pg -d postgres -c 'SELECT 1' >/dev/null || die "password login as $PG_USER on $HOST:$POSTGRES_PORT still fails"
}

postgres_after_start() {
  postgres_sync_password
  [[ -f "$PG_HOME/.db-created" ]] && return 0
  if [[ "$(psql_pg -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" != 1 ]]; then
    psql_pg -d postgres -c "CREATE DATABASE \"$PG_DB\""
    log "created database $PG_DB"
  fi
  touch "$PG_HOME/.db-created"
}

postgres_drop_slots() {
  local slots
  slots="$(psql_pg -d postgres -c "SELECT slot_name FROM pg_replication_slots WHERE NOT active" 2>/dev/null || true)"
  [[ -n "$slots" ]] || return 0
  psql_pg -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active" >/dev/null \
    && log "dropped replication slot(s): $(echo $slots)"
}

# ------------------------------------------------------------------ connect
CONNECT_HOME="$STACK_DIR/connect"
connect_healthy() { curl -fsS --max-time 3 "http://$HOST:$CONNECT_PORT/connector-plugins" 2>/dev/null | grep -q PostgresConnector; }

connect_prepare() {
  kafka_prepare   # shares the Kafka classpath (connect-runtime is part of it)
  fetch_debezium
  local plug="$CONNECT_HOME/plugins/debezium-connector-postgres"
  if [[ ! -f "$plug/.version" || "$(cat "$plug/.version")" != "$DEBEZIUM_VERSION" ]]; then
    rm -rf "$plug"; mkdir -p "$plug"
    # Kafka/Connect API jars must come from the worker, never from the plugin dir
    find "$DIST/debezium-postgres" -name '*.jar' ! -name 'kafka-clients-*' ! -name 'connect-api-*' \
      ! -name 'slf4j-*' ! -name 'connect-runtime-*' -exec cp {} "$plug/" \;
    printf '%s' "$DEBEZIUM_VERSION" >"$plug/.version"
  fi
  mkdir -p "$CONNECT_HOME/config" "$CONNECT_HOME/offsets"
  cat >"$CONNECT_HOME/config/worker.properties" <<EOF
# generated by compose/stack.sh -- edits are overwritten on each 'up'
bootstrap.servers=$HOST:$KAFKA_PORT
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
offset.storage.file.filename=$CONNECT_HOME/offsets/connect.offsets
offset.flush.interval.ms=5000
listeners=http://$HOST:$CONNECT_PORT
rest.advertised.host.name=$HOST
rest.advertised.port=$CONNECT_PORT
plugin.path=$CONNECT_HOME/plugins
EOF
  # the worker runs as $STACK_USER and writes only its offsets file
  own "$CONNECT_HOME/offsets"
  readable_by_user connect "$CONNECT_HOME/config/worker.properties" "$plug/debezium-connector-postgres-$DEBEZIUM_VERSION.jar"
}

connect_launch() {
  launch connect "$LOGS/connect.log" "$(run_user)" "$JAVA_HOME_17/bin/java" -Xms"$CONNECT_HEAP" -Xmx"$CONNECT_HEAP" -XX:+UseG1GC \
    -Djava.awt.headless=true -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" \
    -cp "$(kafka_classpath)" org.apache.kafka.connect.cli.ConnectStandalone "$CONNECT_HOME/config/worker.properties"
}

# ------------------------------------------------------------------ installed?
# Read-only: is what `up` would download/install for a service present? (status, check)
kafka_installed()      { lookup_java && [[ -f "$DIST/kafka/.complete" ]]; }
opensearch_installed() { lookup_java && [[ -f "$OS_HOME/.assembled" ]]; }
postgres_installed()   { lookup_pg; }
connect_installed()    { kafka_installed && [[ -f "$CONNECT_HOME/plugins/debezium-connector-postgres/.version" ]]; }

# ------------------------------------------------------------------ commands
svc_port() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;; opensearch) echo "$OPENSEARCH_PORT" ;;
    postgres) echo "$POSTGRES_PORT" ;; connect) echo "$CONNECT_PORT" ;;
  esac
}

validate() { local s; for s in "$@"; do [[ " ${ALL_SERVICES[*]} " == *" $s "* ]] || die "unknown service '$s' (known: ${ALL_SERVICES[*]})"; done; }

# order services: dependencies first
ordered() {
  local s want=" $* " out=()
  for s in "${ALL_SERVICES[@]}"; do [[ "$want" == *" $s "* ]] && out+=("$s"); done
  echo "${out[@]}"
}

cmd_up() {
  local svcs=("$@") s pid
  ((${#svcs[@]})) || svcs=("${DEFAULT_SERVICES[@]}")
  validate "${svcs[@]}"
  [[ " ${svcs[*]} " == *" connect "* && " ${svcs[*]} " != *" kafka "* ]] && svcs=(kafka "${svcs[@]}")
  read -r -a svcs <<<"$(ordered "${svcs[@]}")"
  mkdir -p "$DIST" "$LOGS" "$PIDS"
  ensure_tools
  local t0=$SECONDS to_wait=()
  for s in "${svcs[@]}"; do
    pid="$(running_pid "$s")"
    if [[ -n "$pid" ]]; then
      if "${s}_healthy" >/dev/null 2>&1; then log "$s already running (pid $pid, port $(svc_port "$s"))"; continue; fi
      log "$s running (pid $pid) but not healthy yet; waiting"
      wait_healthy "$s" "$LOGS/$s.log" "${s}_healthy"
      continue
    fi
    if port_open "$(svc_port "$s")"; then
      die "$s: port $HOST:$(svc_port "$s") is already in use by a process this script did not start (stop it or set the port env var)"
    fi
    "${s}_prepare"
    log "starting $s on $HOST:$(svc_port "$s") (log: $LOGS/$s.log)"
    "${s}_launch"
    # connect needs a healthy broker first; everything else starts in parallel
    if [[ "$s" == kafka && " ${svcs[*]} " == *" connect "* ]]; then wait_healthy kafka "$LOGS/kafka.log" kafka_healthy
    else to_wait+=("$s"); fi
  done
  for s in "${to_wait[@]}"; do
    wait_healthy "$s" "$LOGS/$s.log" "${s}_healthy"
    [[ "$s" == postgres ]] && postgres_after_start
  done
  log "up done in $(( SECONDS - t0 ))s"
}

stop_service() {
  local s="$1" pid
  pid="$(running_pid "$s")"
  if [[ -z "$pid" ]]; then log "$s not running (no pid file)"; return 0; fi
  if [[ "$s" == postgres ]] && lookup_pg; then postgres_drop_slots || true; fi
  log "stopping $s (pid $pid)"
  case "$s" in
    postgres) stop_pid "$s" "$pid" 60 ;;  # SIGTERM = smart shutdown; connect is stopped before
    *) stop_pid "$s" "$pid" 60 ;;
  esac
  rm -f "$(pidfile "$s")"
}

cmd_down() {
  local svcs=("$@") order=() i s
  ((${#svcs[@]})) || svcs=("${ALL_SERVICES[@]}")
  validate "${svcs[@]}"
  read -r -a order <<<"$(ordered "${svcs[@]}")"
  mkdir -p "$PIDS"
  for ((i = ${#order[@]} - 1; i >= 0; i--)); do stop_service "${order[$i]}"; done
}

# Read-only: never installs or downloads anything and writes nothing (it only removes a
# stale pid file). A service whose software `up` has not installed yet shows "not installed".
cmd_status() {
  local svcs=("$@") s pid state health rc=0 explicit=$#
  ((${#svcs[@]})) || svcs=("${ALL_SERVICES[@]}")
  validate "${svcs[@]}"
  printf '%-11s %-14s %-8s %-16s %s\n' SERVICE STATE PID ADDRESS HEALTH
  for s in "${svcs[@]}"; do
    pid="$(running_pid "$s")"
    if "${s}_healthy" >/dev/null 2>&1; then health=up; else health=down; fi
    if [[ -n $pid ]]; then state=running
    elif "${s}_installed" >/dev/null 2>&1; then state=stopped
    else state="not installed"; fi
    printf '%-11s %-14s %-8s %-16s %s\n' "$s" "$state" "${pid:--}" \
      "$HOST:$(svc_port "$s")" "$health$([[ -z $pid && $health == up ]] && echo ' (not started by stack.sh)')"
    if [[ $health == down ]] && { ((explicit)) || [[ " ${DEFAULT_SERVICES[*]} " == *" $s "* ]]; }; then rc=3; fi
  done
  return $rc
}

# ------------------------------------------------------------------ smoke checks
check_opensearch() {
  local u idx=ragstream-stack-knn-check out
  u="$(os_url)"
  curl -fsS "$u/_cat/plugins?h=component" | sort | sed 's/^/[stack] opensearch plugin: /'
  curl -sS -o /dev/null -X DELETE "$u/$idx" || true
  curl -fsS -X PUT "$u/$idx" -H 'Content-Type: application/json' -d '{
    "settings": {"index": {"knn": true, "number_of_shards": 1, "number_of_replicas": 0}},
    "mappings": {"properties": {"text": {"type": "text"}, "embedding": {"type": "knn_vector", "dimension": 4,
      "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}}}}}' >/dev/null
  curl -fsS -X POST "$u/$idx/_bulk?refresh=true" -H 'Content-Type: application/x-ndjson' --data-binary $'{"index":{"_id":"a"}}\n{"text":"alpha","embedding":[1,0,0,0]}\n{"index":{"_id":"b"}}\n{"text":"beta","embedding":[0,1,0,0]}\n{"index":{"_id":"c"}}\n{"text":"gamma","embedding":[0.9,0.1,0,0]}\n' \
    | grep -q '"errors":false' || die "k-NN bulk index failed"
  out="$(curl -fsS "$u/$idx/_search" -H 'Content-Type: application/json' \
    -d '{"size": 2, "_source": ["text"], "query": {"knn": {"embedding": {"vector": [1, 0.05, 0, 0], "k": 2}}}}')"
  local ids
  ids="$(python3 -c 'import json,sys; print(",".join(h["_id"] for h in json.load(sys.stdin)["hits"]["hits"]))' <<<"$out")"
  [[ "$ids" == "a,c" ]] || { echo "$out" >&2; die "k-NN query returned '$ids', expected 'a,c'"; }
  log "k-NN lucene/hnsw/cosinesimil query ok: top hits $ids"
  if curl -fsS "$u/_cat/plugins?h=component" | grep -q neural-search; then
    curl -fsS -X PUT "$u/_search/pipeline/ragstream-stack-hybrid-check" -H 'Content-Type: application/json' -d '{
      "phase_results_processors": [{"normalization-processor": {"normalization": {"technique": "min_max"},
        "combination": {"technique": "arithmetic_mean", "parameters": {"weights": [0.5, 0.5]}}}}]}' >/dev/null
    out="$(curl -fsS "$u/$idx/_search?search_pipeline=ragstream-stack-hybrid-check" -H 'Content-Type: application/json' -d '{
      "size": 3, "_source": ["text"], "query": {"hybrid": {"queries": [
        {"match": {"text": "beta"}}, {"knn": {"embedding": {"vector": [1, 0.05, 0, 0], "k": 2}}}]}}}')"
    ids="$(python3 -c 'import json,sys; print(",".join(h["_id"] for h in json.load(sys.stdin)["hits"]["hits"]))' <<<"$out")"
    curl -fsS -o /dev/null -X DELETE "$u/_search/pipeline/ragstream-stack-hybrid-check"
    [[ -n "$ids" ]] || { echo "$out" >&2; die "hybrid query returned no hits"; }
    log "hybrid query + normalization-processor pipeline ok: hits $ids"
  fi
  curl -fsS -o /dev/null -X DELETE "$u/$idx"
}

check_kafka() {
  local topic="ragstream-stack-check-$$" msg="hello-$RANDOM-$(date +%s)" out
  kafka_installed || die "kafka: the Kafka console tools are not installed (run: bash compose/stack.sh up kafka)"
  printf '%s\n' "$msg" | "$JAVA_HOME_17/bin/java" -Xmx128m -Dlog4j.configuration="file:$KAFKA_HOME/config/tools-log4j.properties" \
    -cp "$(kafka_classpath)" kafka.tools.ConsoleProducer --bootstrap-server "$HOST:$KAFKA_PORT" --topic "$topic" \
    >/dev/null 2>>"$LOGS/check.log"
  out="$("$JAVA_HOME_17/bin/java" -Xmx128m -Dlog4j.configuration="file:$KAFKA_HOME/config/tools-log4j.properties" \
    -cp "$(kafka_classpath)" org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$HOST:$KAFKA_PORT" \
    --topic "$topic" --from-beginning --max-messages 1 --timeout-ms 30000 --group "$topic" 2>/dev/null || true)"
  [[ "$out" == *"$msg"* ]] || die "Kafka round trip failed: consumed '$out', expected '$msg'"
  log "Kafka produce/consume round trip ok on topic $topic ($msg)"
  "$JAVA_HOME_17/bin/java" -Xmx128m -Dlog4j.configuration="file:$KAFKA_HOME/config/tools-log4j.properties" \
    -cp "$(kafka_classpath)" org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" --delete --topic "$topic" \
    >/dev/null 2>&1 || warn "could not delete topic $topic"
}

check_postgres() {
  lookup_pg || die "postgres is not installed (run: bash compose/stack.sh up postgres)"
  [[ "$(psql_pg -d "$PG_DB" -c 'SHOW wal_level')" == logical ]] || die "postgres wal_level is not logical"
  log "postgres ok: wal_level=logical, database $PG_DB reachable"
}

check_connect() {
  local u="http://$HOST:$CONNECT_PORT" id="stackcheck$$" out i
  curl -fsS "$u/connector-plugins" | python3 -c \
    'import json,sys; print("\n".join("[stack] connect plugin: %s %s" % (p["class"], p.get("version","")) for p in json.load(sys.stdin)))'
  postgres_healthy >/dev/null 2>&1 || { log "postgres not up: skipping the Debezium end-to-end check"; return 0; }
  lookup_pg || { log "postgres not installed here (no psql): skipping the Debezium end-to-end check"; return 0; }
  kafka_installed || die "connect: the Kafka console tools are not installed (run: bash compose/stack.sh up kafka)"
  # end to end: table -> Debezium (pgoutput) -> Kafka topic, one snapshot row and one streamed row
  psql_pg -d "$PG_DB" -c "CREATE TABLE $id (id int PRIMARY KEY, body text); INSERT INTO $id VALUES (1, 'snapshot-row')"
  curl -fsS -X POST "$u/connectors" -H 'Content-Type: application/json' -d "{\"name\": \"$id\", \"config\": {
    \"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\", \"plugin.name\": \"pgoutput\",
    \"database.hostname\": \"$HOST\", \"database.port\": \"$POSTGRES_PORT\", \"database.user\": \"$PG_USER\",
    \"database.password\": \"$PG_PASSWORD\", \"database.dbname\": \"$PG_DB\", \"topic.prefix\": \"$id\",
    \"table.include.list\": \"public.$id\", \"slot.name\": \"$id\", \"publication.name\": \"$id\",
    \"publication.autocreate.mode\": \"filtered\", \"snapshot.mode\": \"initial\"}}" >/dev/null
  for ((i = 0; i < 60; i++)); do
    curl -fsS "$u/connectors/$id/status" 2>/dev/null | grep -q '"tasks":\[{"id":0,"state":"RUNNING"' && break; sleep 1
  done
  psql_pg -d "$PG_DB" -c "INSERT INTO $id VALUES (2, 'streamed-row')"
  out="$("$JAVA_HOME_17/bin/java" -Xmx128m -Dlog4j.configuration="file:$KAFKA_HOME/config/tools-log4j.properties" \
    -cp "$(kafka_classpath)" org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$HOST:$KAFKA_PORT" \
    --topic "$id.public.$id" --from-beginning --max-messages 2 --timeout-ms 60000 --group "$id" 2>/dev/null || true)"
  curl -fsS -o /dev/null -X DELETE "$u/connectors/$id" || true
  for ((i = 0; i < 30; i++)); do
    [[ "$(psql_pg -d "$PG_DB" -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name='$id' AND active")" == 0 ]] && break; sleep 1
  done
  psql_pg -d "$PG_DB" -c "SELECT pg_drop_replication_slot('$id') FROM pg_replication_slots WHERE slot_name='$id'" >/dev/null || true
  psql_pg -d "$PG_DB" -c "DROP PUBLICATION IF EXISTS $id; DROP TABLE $id" || true
  [[ "$out" == *snapshot-row* && "$out" == *streamed-row* ]] || { echo "$out" >&2; die "Debezium CDC check failed (log: $LOGS/connect.log)"; }
  log "Debezium CDC ok: snapshot + streamed rows arrived on topic $id.public.$id"
  echo "$out" | head -n 2 | cut -c1-200 | sed 's/^/[stack]   /'
}

cmd_check() {
  local svcs=("$@") s
  ((${#svcs[@]})) || svcs=("${DEFAULT_SERVICES[@]}")
  validate "${svcs[@]}"
  for s in "${svcs[@]}"; do
    if ! "${s}_healthy" >/dev/null 2>&1; then
      "${s}_installed" >/dev/null 2>&1 || die "$s is not installed (run: bash compose/stack.sh up $s)"
      die "$s is not up"
    fi
  done
  mkdir -p "$LOGS"
  for s in "${svcs[@]}"; do "check_$s"; done
  log "checks passed: ${svcs[*]}"
}

# Maintainers, after a version change: download every artifact set (without checking it) and
# write their SHA-256 digests to $CHECKSUMS. Best into an empty stack dir and Maven repository, so
# the digests come from a fresh download:
#   RAGSTREAM_STACK_DIR=$(mktemp -d) RAGSTREAM_MAVEN_REPO=$(mktemp -d) bash compose/stack.sh pin
cmd_pin() {
  mkdir -p "$DIST" "$LOGS"
  ensure_tools
  PINNING=1
  fetch_kafka; fetch_opensearch; fetch_debezium
  local tmp="$CHECKSUMS.tmp.$$" set
  {
    echo "# SHA-256 of every artifact compose/stack.sh downloads from Maven Central into .stack/dist/<set>/."
    echo "# up refuses a set whose files differ from these. Written by 'compose/stack.sh pin' on $(date -u +%F) for"
    echo "# Kafka $KAFKA_VERSION, OpenSearch $OPENSEARCH_VERSION (k-NN, neural-search $KNN_VERSION), Debezium $DEBEZIUM_VERSION."
    for set in "${ARTIFACT_SETS[@]}"; do
      (cd "$DIST" && find "$set" -maxdepth 1 -type f \( -name '*.jar' -o -name '*.zip' \) -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    done
  } >"$tmp"
  mv "$tmp" "$CHECKSUMS"
  log "pinned $(grep -vc '^#' "$CHECKSUMS") artifacts in $CHECKSUMS; review the diff before committing it"
}

main() {
  local cmd="${1:-}"; shift || true
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    check) cmd_check "$@" ;;
    pin) cmd_pin ;;
    logs) validate "${1:?service}"; tail -n "${LINES_TO_SHOW:-100}" -F "$LOGS/$1.log" ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; [[ -z "$cmd" || "$cmd" == -h || "$cmd" == help ]] || exit 2 ;;
  esac
}

main "$@"
