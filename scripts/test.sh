#!/usr/bin/env bash
# `make test`: lint, unit tests, then integration tests against a real local stack that this
# script starts and, if it started it, stops again.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# PostgreSQL and Kafka Connect with Debezium too: the SQL and CDC tests need them.
export RAGSTREAM_STACK_CDC=1

# promtool checks the Prometheus alert rules (tests/unit/test_ops_monitoring.py).
if ! command -v promtool >/dev/null; then
  echo "== installing promtool (Debian package prometheus)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

echo "== lint"
$BIN/ruff check .
$BIN/ruff format --check --exclude "*.md" .
$BIN/mypy

started=0
if ! bash compose/stack.sh status >/dev/null 2>&1; then
  started=1
fi
cleanup() {
  if [ "$started" = 1 ]; then
    echo "== stopping the stack this run started"
    bash compose/stack.sh down || true
  fi
}
trap cleanup EXIT

echo "== starting the stack"
bash compose/stack.sh up

echo "== tests"
$BIN/pytest -q -p no:cacheprovider "$@"
