#!/usr/bin/env bash
# `make bench`: the compliance, embedding and pipeline benchmarks; results in bench/results/.
# The pipeline benchmark needs the local stack, which this script starts (and leaves running).
set -euo pipefail
# Local demo/benchmark only: accept the public development pseudonymisation key.
export RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY="${RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY:-true}"
cd "$(dirname "$0")/.."
PY=.venv/bin/python
echo "== compliance (labelled corpus, ragstream batch vs per-text Presidio)"
$PY -m bench.compliance.run --out bench/results
echo "== embedding (batch sizes, threads, length sorting)"
$PY bench/embedding/run.py
echo "== pipeline (real Kafka + worker + OpenSearch vs bare stages vs naive loop)"
bash compose/stack.sh up
$PY bench/pipeline/run.py --out bench/results
echo "== retrieval (judged NumPy-reference set: BM25, k-NN, hybrid; re-embedding after a 1% edit)"
$PY -m bench.retrieval.run --out bench/results
