#!/usr/bin/env bash
# A second OpenSearch 2.19.1 node WITH the Security plugin, for access-control work and tests:
# HTTPS on 127.0.0.1:9201, TLS transport on 127.0.0.1:9301, data under .stack/opensearch-secure.
# Same distribution as compose/stack.sh (integ-test-zip + lang-painless module + k-NN), plus
# org.opensearch.plugin:opensearch-security:2.19.1.0 from Maven Central.
# Never touches the plain node on :9200.
#
#   compose/opensearch-secure.sh up       certificates, users and keys (once), assemble, start, apply security config
#   compose/opensearch-secure.sh down     stop the node this script started
#   compose/opensearch-secure.sh status   pid, address, health (rc 0 healthy, 1 starting, 3 not running)
#   compose/opensearch-secure.sh env      RAGSTREAM_OPENSEARCH__* settings of the ingest user (worker, CLI)
#   compose/opensearch-secure.sh apply    push compose/opensearch-security/*.yml again (securityadmin.sh)
#   compose/opensearch-secure.sh reset    down, then delete certificates, users, keys and data
#
# Users (internal, random passwords in .stack/opensearch-secure/credentials.env, mode 600):
# admin, ragstream_ingest, auditor and the test searchers alice, bob, carol. A JWT domain
# (HS256, key generated here) serves deployments. Roles, DLS and the JWT domain: docs/SECURITY.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
STACK_DIR="${RAGSTREAM_STACK_DIR:-$REPO/.stack}"
SEC="${RAGSTREAM_SECURE_OPENSEARCH_DIR:-$STACK_DIR/opensearch-secure}"
TEMPLATES="$SCRIPT_DIR/opensearch-security"
DIST="$STACK_DIR/dist"

HOST=127.0.0.1
PORT="${RAGSTREAM_SECURE_OPENSEARCH_PORT:-9201}"
TRANSPORT_PORT="${RAGSTREAM_SECURE_OPENSEARCH_TRANSPORT_PORT:-9301}"
HEAP_MIN="${RAGSTREAM_SECURE_OPENSEARCH_HEAP_MIN:-512m}"
HEAP_MAX="${RAGSTREAM_SECURE_OPENSEARCH_HEAP_MAX:-768m}"
# neural-search stays out by default: on 2.19 a hybrid query under DLS fails ("hybrid query must be
# a top level query", neural-search#1303); without the plugin ragstream's searcher sees "unknown
# query [hybrid]" and fuses BM25 and k-NN itself, both legs filtered by DLS.
NEURAL="${RAGSTREAM_SECURE_OPENSEARCH_NEURAL:-0}"
START_TIMEOUT="${RAGSTREAM_STACK_TIMEOUT:-180}"
OS_USER="${RAGSTREAM_STACK_USER:-ragstream}"   # OpenSearch refuses to run as root
OPENSEARCH_VERSION=2.19.1
PLUGIN_VERSION="$OPENSEARCH_VERSION.0"
ANTLR_VERSION=4.13.1   # lang-painless runtime deps, as in compose/stack.sh
ASM_VERSION=9.7
# SHA-256 of org.opensearch.plugin:opensearch-security:2.19.1.0:zip from Maven Central
SECURITY_ZIP_SHA256=94a04f12ac6033902209fac1e4e512618d45beee604bbf0e42c3ed79c55220cf
PINS="$SCRIPT_DIR/artifacts.sha256"   # stack.sh's pins of the artifacts both nodes share, if present
JWT_ISSUER="${RAGSTREAM_SECURE_JWT_ISSUER:-ragstream-local}"
JWT_AUDIENCE="${RAGSTREAM_SECURE_JWT_AUDIENCE:-ragstream}"

OS_HOME="$SEC/home"
OS_CONF="$OS_HOME/config"
OS_DATA="$SEC/data"
OS_LOGS="$SEC/logs"
OS_TMP="$SEC/tmp"
PKI="$SEC/pki"
CREDS="$SEC/credentials.env"
HASHES="$SEC/hashes.env"
LOG="$SEC/opensearch.log"
PIDFILE="$SEC/opensearch.pid"
APPLIED="$SEC/.applied-config"
ADMIN_DN="CN=ragstream-admin,OU=ragstream,O=ragstream"
NODE_DN="CN=localhost,OU=ragstream,O=ragstream"

log()  { printf '[opensearch-secure] %s\n' "$*"; }
die()  { printf '[opensearch-secure] ERROR: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ prerequisites
find_java() {
  local cand v
  for cand in "${RAGSTREAM_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17* \
              /usr/lib/jvm/java-21-openjdk-* /usr/lib/jvm/temurin-21*; do
    [[ -n "$cand" && -x "$cand/bin/java" ]] || continue
    v="$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1)"
    if [[ "$v" =~ ^(11|17|21)$ ]]; then JAVA_HOME="$cand"; return 0; fi
  done
  die "no JDK 11/17/21 found (set RAGSTREAM_JAVA_HOME, or run compose/stack.sh up opensearch once)"
}

check_tools() {
  local t
  for t in curl unzip openssl setpriv python3; do
    command -v "$t" >/dev/null || die "$t is missing (compose/stack.sh up installs it; or apt-get install it)"
  done
  id -u "$OS_USER" >/dev/null 2>&1 || die "system user $OS_USER is missing (run compose/stack.sh up opensearch once as root)"
  [[ $EUID -eq 0 ]] || die "run as root: the node runs as $OS_USER through setpriv"
}

# fetch NAME TRANSITIVE COORD... : same cache layout and stamp as compose/stack.sh's fetch, so
# artifacts stack.sh already downloaded are reused and the other way round.
fetch() {
  local name="$1" transitive="$2"; shift 2
  local out="$DIST/$name" stamp="$*|$transitive"
  if [[ -f "$out/.complete" && "$(cat "$out/.complete")" == "$stamp" ]]; then return 0; fi
  command -v mvn >/dev/null || die "maven is missing (compose/stack.sh up installs it)"
  log "downloading $name artifacts with Maven: $*"
  rm -rf "$out" "$DIST/.pom-$name"; mkdir -p "$DIST/.pom-$name" "$SEC"
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
  if ! JAVA_HOME="$JAVA_HOME" mvn -B -q -f "$DIST/.pom-$name/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$out" $excl >"$SEC/maven-$name.log" 2>&1; then
    tail -n 30 "$SEC/maven-$name.log" >&2
    die "Maven download for $name failed (log: $SEC/maven-$name.log)"
  fi
  printf '%s' "$stamp" >"$out/.complete"
}

fetch_all() {
  local neural; neural="org.opensearch.plugin:neural-search:$PLUGIN_VERSION:zip"
  # stack.sh's "opensearch" set
  if [[ ! -f "$DIST/opensearch/opensearch-$OPENSEARCH_VERSION.zip" || ! -f "$DIST/opensearch/opensearch-knn-$PLUGIN_VERSION.zip" \
        || ! -f "$DIST/opensearch/neural-search-$PLUGIN_VERSION.zip" ]]; then
    fetch opensearch false "org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip" \
      "org.opensearch.plugin:opensearch-knn:$PLUGIN_VERSION:zip" "$neural"
  fi
  if [[ ! -f "$DIST/lang-painless/lang-painless-$OPENSEARCH_VERSION.jar" ]]; then
    fetch lang-painless false "org.opensearch.plugin:lang-painless:$OPENSEARCH_VERSION" \
      "org.opensearch.plugin:opensearch-scripting-painless-spi:$OPENSEARCH_VERSION" \
      "org.antlr:antlr4-runtime:$ANTLR_VERSION" "org.ow2.asm:asm:$ASM_VERSION" "org.ow2.asm:asm-util:$ASM_VERSION" \
      "org.ow2.asm:asm-tree:$ASM_VERSION" "org.ow2.asm:asm-commons:$ASM_VERSION" "org.ow2.asm:asm-analysis:$ASM_VERSION"
  fi
  fetch opensearch-security false "org.opensearch.plugin:opensearch-security:$PLUGIN_VERSION:zip"
  verify_sha256 "opensearch-security/opensearch-security-$PLUGIN_VERSION.zip" "$SECURITY_ZIP_SHA256"
  local f want
  for f in "opensearch/opensearch-$OPENSEARCH_VERSION.zip" "opensearch/opensearch-knn-$PLUGIN_VERSION.zip" \
           "opensearch/neural-search-$PLUGIN_VERSION.zip" "lang-painless/lang-painless-$OPENSEARCH_VERSION.jar"; do
    want="$( [[ -f "$PINS" ]] && awk -v f="$f" '$2 == f {print $1}' "$PINS" || true)"
    [[ -z "$want" ]] || verify_sha256 "$f" "$want"
  done
}

verify_sha256() {  # verify_sha256 PATH-UNDER-DIST EXPECTED
  local got; got="$(sha256sum "$DIST/$1" | cut -d' ' -f1)"
  [[ "$got" == "$2" ]] || die "$DIST/$1 has SHA-256 $got, expected $2 (delete it to download it again)"
}

# ------------------------------------------------------------------ assembly
assemble() {
  local want="$OPENSEARCH_VERSION|knn|neural=$NEURAL|security=$PLUGIN_VERSION"
  [[ -f "$OS_HOME/.assembled" && "$(cat "$OS_HOME/.assembled")" == "$want" ]] && return 0
  log "assembling OpenSearch $OPENSEARCH_VERSION (+lang-painless module, k-NN$( ((NEURAL)) && echo ', neural-search'), security $PLUGIN_VERSION) in $OS_HOME"
  rm -rf "$OS_HOME" "$SEC/.unzip"; mkdir -p "$SEC/.unzip"
  unzip -q "$DIST/opensearch/opensearch-$OPENSEARCH_VERSION.zip" -d "$SEC/.unzip"
  mv "$SEC/.unzip/opensearch-$OPENSEARCH_VERSION" "$OS_HOME"; rmdir "$SEC/.unzip"
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
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF
  mkdir -p "$OS_HOME/plugins/opensearch-knn" "$OS_HOME/plugins/opensearch-security"
  unzip -q "$DIST/opensearch/opensearch-knn-$PLUGIN_VERSION.zip" -d "$OS_HOME/plugins/opensearch-knn"
  unzip -q "$DIST/opensearch-security/opensearch-security-$PLUGIN_VERSION.zip" -d "$OS_HOME/plugins/opensearch-security"
  if ((NEURAL)); then
    mkdir -p "$OS_HOME/plugins/opensearch-neural-search"
    unzip -q "$DIST/opensearch/neural-search-$PLUGIN_VERSION.zip" -d "$OS_HOME/plugins/opensearch-neural-search"
  fi
  chmod +x "$OS_HOME/plugins/opensearch-security/tools/"*.sh
  printf '%s' "$want" >"$OS_HOME/.assembled"
}

# ------------------------------------------------------------------ secrets
random_secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

ensure_credentials() {
  [[ -s "$CREDS" ]] && return 0
  mkdir -p "$SEC"
  (
    umask 077
    cat >"$CREDS" <<EOF
ADMIN_PASSWORD=$(random_secret)
INGEST_PASSWORD=$(random_secret)
AUDITOR_PASSWORD=$(random_secret)
ALICE_PASSWORD=$(random_secret)
BOB_PASSWORD=$(random_secret)
CAROL_PASSWORD=$(random_secret)
JWT_SIGNING_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
JWT_ISSUER=$JWT_ISSUER
JWT_AUDIENCE=$JWT_AUDIENCE
EOF
  )
  rm -f "$HASHES"
}

ensure_hashes() {  # bcrypt hashes of the passwords, computed once (one JVM)
  [[ -s "$HASHES" && "$HASHES" -nt "$CREDS" ]] && return 0
  log "hashing the internal users' passwords (bcrypt)"
  local out
  out="$(printf 'ADMIN %s\nINGEST %s\nAUDITOR %s\nALICE %s\nBOB %s\nCAROL %s\n' "$ADMIN_PASSWORD" \
          "$INGEST_PASSWORD" "$AUDITOR_PASSWORD" "$ALICE_PASSWORD" "$BOB_PASSWORD" "$CAROL_PASSWORD" \
        | "$JAVA_HOME/bin/java" -cp "$OS_HOME/plugins/opensearch-security/*" "$TEMPLATES/BcryptHash.java")" \
    || die "bcrypt hashing failed"
  [[ "$(wc -l <<<"$out")" == 6 ]] || die "bcrypt hashing returned: $out"
  (umask 077; sed -E "s/^([A-Z]+) (.*)$/HASH_\1='\2'/" <<<"$out" >"$HASHES")
}

ensure_pki() {  # root CA, node certificate (SAN localhost/127.0.0.1), admin and ingest client certs
  [[ -s "$PKI/root-ca.pem" && -s "$PKI/node.pem" && -s "$PKI/admin.pem" && -s "$PKI/ingest.pem" ]] && return 0
  log "creating a root CA, node, admin and ingest certificates under $PKI"
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 755 "$PKI"
  (
    cd "$PKI"
    umask 077
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 3650 -keyout root-ca-key.pem -out root-ca.pem \
      -subj "/O=ragstream/OU=ragstream/CN=ragstream local root CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
    issue() {  # issue NAME SUBJECT EXTFILE-CONTENT
      openssl req -newkey rsa:2048 -sha256 -nodes -keyout "$1-key.tmp" -out "$1.csr" -subj "$2" >/dev/null 2>&1
      printf '%b' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA root-ca.pem -CAkey root-ca-key.pem -CAcreateserial -days 3650 -sha256 \
        -extfile "$1.ext" -out "$1.pem" >/dev/null 2>&1
      openssl pkcs8 -topk8 -nocrypt -in "$1-key.tmp" -out "$1-key.pem"   # the plugin wants PKCS#8
      rm -f "$1-key.tmp" "$1.csr" "$1.ext"
    }
    issue node "/O=ragstream/OU=ragstream/CN=localhost" \
      "subjectAltName=DNS:localhost,IP:$HOST\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n"
    issue admin "/O=ragstream/OU=ragstream/CN=ragstream-admin" \
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
    issue ingest "/O=ragstream/OU=ragstream/CN=ragstream_ingest" \
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
    chmod 644 root-ca.pem
  )
}

# ------------------------------------------------------------------ configuration
render_security_config() {  # compose/opensearch-security/*.yml -> config/opensearch-security/
  local dst="$OS_CONF/opensearch-security" f
  mkdir -p "$dst"
  for f in config internal_users roles roles_mapping action_groups tenants nodes_dn allowlist whitelist audit; do
    sed -e "s|@JWT_SIGNING_KEY@|$JWT_SIGNING_KEY|" -e "s|@JWT_ISSUER@|$JWT_ISSUER|" -e "s|@JWT_AUDIENCE@|$JWT_AUDIENCE|" \
        -e "s|@HASH_ADMIN@|$HASH_ADMIN|" -e "s|@HASH_INGEST@|$HASH_INGEST|" -e "s|@HASH_AUDITOR@|$HASH_AUDITOR|" \
        -e "s|@HASH_ALICE@|$HASH_ALICE|" -e "s|@HASH_BOB@|$HASH_BOB|" -e "s|@HASH_CAROL@|$HASH_CAROL|" \
        "$TEMPLATES/$f.yml" >"$dst/$f.yml.new"
    grep -q '@[A-Z_]*@' "$dst/$f.yml.new" && die "unrendered placeholder in $f.yml"
    mv "$dst/$f.yml.new" "$dst/$f.yml"
  done
  chmod 700 "$dst"; chmod 600 "$dst"/*.yml
  chown -R "$OS_USER:" "$dst"
}

config_digest() { cat "$OS_CONF/opensearch-security"/*.yml | sha256sum | cut -d' ' -f1; }

write_node_config() {
  mkdir -p "$OS_DATA" "$OS_LOGS" "$OS_TMP"
  cp "$PKI/root-ca.pem" "$PKI/node.pem" "$PKI/node-key.pem" "$OS_CONF/"
  cat >"$OS_CONF/opensearch.yml" <<EOF
# generated by compose/opensearch-secure.sh -- edits are overwritten on each 'up'
cluster.name: ragstream-secure
node.name: ragstream-secure-1
discovery.type: single-node
network.host: $HOST
http.port: $PORT
transport.port: $TRANSPORT_PORT
path.data: $OS_DATA
path.logs: $OS_LOGS
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: "+security-auditlog-*,-*"   # only the audit log; never an index in place of a missing alias

plugins.security.ssl.transport.pemcert_filepath: node.pem
plugins.security.ssl.transport.pemkey_filepath: node-key.pem
plugins.security.ssl.transport.pemtrustedcas_filepath: root-ca.pem
plugins.security.ssl.transport.enforce_hostname_verification: false
plugins.security.ssl.http.enabled: true
plugins.security.ssl.http.pemcert_filepath: node.pem
plugins.security.ssl.http.pemkey_filepath: node-key.pem
plugins.security.ssl.http.pemtrustedcas_filepath: root-ca.pem
plugins.security.ssl.http.clientauth_mode: OPTIONAL
plugins.security.authcz.admin_dn:
  - "$ADMIN_DN"
plugins.security.nodes_dn:
  - "$NODE_DN"
plugins.security.allow_default_init_securityindex: true
plugins.security.allow_unsafe_democertificates: false
plugins.security.audit.type: internal_opensearch
plugins.security.audit.config.index: "'security-auditlog-'YYYY.MM.dd"
plugins.security.enable_snapshot_restore_privilege: true
plugins.security.check_snapshot_restore_write_privileges: true
plugins.security.restapi.roles_enabled: ["ragstream_admin"]
plugins.security.system_indices.enabled: true
plugins.security.system_indices.indices: [".opendistro-alerting-config", ".opendistro-alerting-alert*", ".opendistro-anomaly-results*", ".opendistro-anomaly-detector*", ".opendistro-anomaly-checkpoints", ".opendistro-anomaly-detection-state", ".opendistro-reports-*", ".opendistro-notifications-*", ".opendistro-notebooks", ".opensearch-observability", ".opendistro-asynchronous-search-response*", ".replication-metadata-store"]
EOF
  chown -R "$OS_USER:" "$OS_HOME" "$OS_DATA" "$OS_LOGS" "$OS_TMP"
  chmod 700 "$OS_CONF"; chmod 600 "$OS_CONF"/*.pem
  setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- test -r "$OS_HOME/bin/opensearch" \
    || die "user $OS_USER cannot read $OS_HOME (a parent directory of $SEC is not world-executable)"
}

# ------------------------------------------------------------------ process
running_pid() {  # pid of the node we started, validated against its command line
  [[ -s "$PIDFILE" ]] || return 0
  local pid; pid="$(<"$PIDFILE")"
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$OS_HOME"; then
    echo "$pid"
  else
    rm -f "$PIDFILE"
  fi
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

admin_curl() {  # curl as the admin certificate (super admin: works before the config exists)
  curl -sS --max-time 10 --cacert "$PKI/root-ca.pem" --cert "$PKI/admin.pem" --key "$PKI/admin-key.pem" "$@"
}

security_up() {  # the Security plugin is initialised (its health endpoint needs no credentials)
  curl -fsS --max-time 3 --cacert "$PKI/root-ca.pem" "https://$HOST:$PORT/_plugins/_security/health" 2>/dev/null \
    | grep -q '"status":"UP"'
}

healthy() {
  security_up && admin_curl -f "https://$HOST:$PORT/_cluster/health" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'
}

apply_config() {  # push config/opensearch-security/ with securityadmin.sh and the admin certificate
  log "applying the security configuration with securityadmin.sh"
  local tools="$OS_HOME/plugins/opensearch-security/tools" out
  if ! out="$(OPENSEARCH_JAVA_HOME="$JAVA_HOME" JAVA_OPTS="-Xmx128m" bash "$tools/securityadmin.sh" \
        -cd "$OS_CONF/opensearch-security" -icl -nhnv -h "$HOST" -p "$PORT" \
        -cacert "$PKI/root-ca.pem" -cert "$PKI/admin.pem" -key "$PKI/admin-key.pem" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "securityadmin.sh failed"
  fi
  grep -q 'Done with success' <<<"$out" || { printf '%s\n' "$out" >&2; die "securityadmin.sh did not report success"; }
  config_digest >"$APPLIED"
}

audit_template() {  # the audit log indices the node creates itself: one shard, no replica (green)
  admin_curl -f -o /dev/null -X PUT "https://$HOST:$PORT/_index_template/ragstream-security-auditlog" \
    -H 'Content-Type: application/json' \
    -d '{"index_patterns":["security-auditlog-*"],"template":{"settings":{"number_of_shards":1,"number_of_replicas":0}}}' \
    || die "could not create the index template of the audit log"
}

load_secrets() {
  # shellcheck disable=SC1090
  source "$CREDS"
  # shellcheck disable=SC1090
  source "$HASHES"
}

cmd_up() {
  check_tools
  find_java
  local pid fresh=0; pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    if healthy; then log "already running (pid $pid) on https://$HOST:$PORT"
    else log "running (pid $pid) but not healthy yet; waiting"; fi
  else
    if port_open "$PORT" || port_open "$TRANSPORT_PORT"; then
      die "port $PORT or $TRANSPORT_PORT is taken by a process this script did not start"
    fi
    mkdir -p "$SEC"; chmod 755 "$SEC"
    fetch_all
    assemble
    ensure_credentials
    # shellcheck disable=SC1090
    source "$CREDS"
    ensure_hashes
    load_secrets
    ensure_pki
    render_security_config
    write_node_config
    (umask 077; client_env >"$SEC/client.env")
    log "starting on https://$HOST:$PORT (transport $TRANSPORT_PORT; log: $LOG)"
    : >"$LOG"
    (cd "$OS_HOME"
     setsid setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- env HOME="$SEC" \
       JAVA_HOME="$JAVA_HOME" OPENSEARCH_JAVA_HOME="$JAVA_HOME" OPENSEARCH_PATH_CONF="$OS_CONF" \
       OPENSEARCH_TMPDIR="$OS_TMP" \
       OPENSEARCH_JAVA_OPTS="-Xms$HEAP_MIN -Xmx$HEAP_MAX ${RAGSTREAM_SECURE_OPENSEARCH_JAVA_OPTS:-}" \
       "$OS_HOME/bin/opensearch" >>"$LOG" 2>&1 </dev/null &
     echo $! >"$PIDFILE")
    pid="$(<"$PIDFILE")"
    fresh=1
  fi
  load_secrets
  local start=$SECONDS
  until healthy; do
    if [[ ! -d "/proc/$pid" ]]; then
      rm -f "$PIDFILE"; tail -n 40 "$LOG" >&2; die "node exited during startup (log: $LOG)"
    fi
    if (( SECONDS - start >= START_TIMEOUT )); then
      tail -n 40 "$LOG" >&2; cmd_down; die "node not healthy within ${START_TIMEOUT}s (log: $LOG)"
    fi
    sleep 1
  done
  # The first start loads config/opensearch-security/ itself (allow_default_init_securityindex);
  # securityadmin.sh pushes it whenever it differs from what was applied last.
  render_security_config   # templates edited since the last up are applied below
  if ((fresh)) && grep -qF "Will update 'config' with $OS_CONF/opensearch-security/config.yml" "$LOG"; then
    config_digest >"$APPLIED"   # this start created the security index from the rendered files
  fi
  if [[ "$(cat "$APPLIED" 2>/dev/null)" != "$(config_digest)" ]]; then
    apply_config
  fi
  audit_template
  log "up on https://$HOST:$PORT (pid $pid, $(( SECONDS - start ))s); CA $PKI/root-ca.pem; client settings: $SEC/client.env"
}

client_env() {
  cat <<EOF
RAGSTREAM_OPENSEARCH__URL=https://$HOST:$PORT
RAGSTREAM_OPENSEARCH__USERNAME=ragstream_ingest
RAGSTREAM_OPENSEARCH__PASSWORD=$INGEST_PASSWORD
RAGSTREAM_OPENSEARCH__VERIFY_CERTS=true
RAGSTREAM_OPENSEARCH__CA_FILE=$PKI/root-ca.pem
EOF
}

cmd_down() {
  local pid i; pid="$(running_pid)"
  if [[ -z "$pid" ]]; then log "not running"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do [[ -d "/proc/$pid" ]] || break; sleep 0.2; done
  if [[ -d "/proc/$pid" ]]; then
    log "pid $pid did not exit within 60s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do [[ -d "/proc/$pid" ]] || break; sleep 0.2; done
  fi
  rm -f "$PIDFILE"
  log "stopped (pid $pid)"
}

cmd_status() {
  local pid; pid="$(running_pid)"
  if [[ -n "$pid" ]] && healthy; then
    log "running: pid $pid, https://$HOST:$PORT (transport $TRANSPORT_PORT), security initialised"
    log "CA: $PKI/root-ca.pem; admin cert: $PKI/admin.pem; credentials: $CREDS (mode 600)"
    return 0
  fi
  if [[ -n "$pid" ]]; then log "starting or unhealthy: pid $pid (log: $LOG)"; return 1; fi
  log "not running"
  return 3
}

cmd_env() {
  [[ -s "$CREDS" ]] || die "no credentials yet: run '$0 up' first"
  # shellcheck disable=SC1090
  source "$CREDS"
  client_env
}

cmd_apply() {
  find_java
  [[ -n "$(running_pid)" ]] && security_up || die "not running (run '$0 up')"
  load_secrets
  render_security_config
  apply_config
  audit_template
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  apply) cmd_apply ;;
  reset) cmd_down; rm -rf "$SEC"; log "deleted $SEC" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; [[ -z "${1:-}" || "${1:-}" == -h || "${1:-}" == help ]] || exit 2 ;;
esac
