#!/usr/bin/env bash
# Regenerate bench/requirements.lock (the benchmark-only packages, hash-locked) from
# bench/requirements.in, with every pin of requirements.lock as a constraint: installing it
# into .venv adds packages and changes none that `make install` put there.
# Needs pip-tools in some Python 3.11 environment: PIP_COMPILE_BIN=/path/to/pip-compile.
set -euo pipefail
cd "$(dirname "$0")/.."
PIP_COMPILE_BIN="${PIP_COMPILE_BIN:-pip-compile}"
constraints="$(mktemp --suffix=.txt)"
trap 'rm -f "$constraints"' EXIT
grep -E '^[A-Za-z0-9_.-]+==' requirements.lock | sed 's/ \\$//' > "$constraints"
"$PIP_COMPILE_BIN" -q --allow-unsafe --generate-hashes --no-emit-find-links --strip-extras \
  --constraint="$constraints" --output-file=bench/requirements.lock bench/requirements.in
# the constraint file's temporary name is not part of the result
sed -i "s#--constraint=$constraints#--constraint=<pins of requirements.lock>#; s#-c $constraints#-c requirements.lock (pins)#" \
  bench/requirements.lock
