#!/usr/bin/env bash
# `make bench`: the compliance, redaction, embedding, retrieval and pipeline benchmarks; results in
# bench/results/ (the pipeline's summary: latest.json, latest.png, pipeline.md).
# The retrieval and pipeline benchmarks need the local stack, which this script starts (and
# leaves running).
#   RAGSTREAM_BENCH_SKIP_RETRIEVAL=1   reuse bench/results/retrieval.json (the retrieval
#                                      benchmark takes about 30 minutes on 2 cores)
#   RAGSTREAM_BENCH_ONLY=pipeline      run only the pipeline benchmark (or compliance,
#                                      redaction, embedding, retrieval)
#   RAGSTREAM_BENCH_PIPELINE_ARGS="--numpy-docs 40"   extra arguments for bench.pipeline.run
set -euo pipefail
# Local demo/benchmark only: accept the public development pseudonymisation key.
export RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY="${RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY:-true}"
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ONLY="${RAGSTREAM_BENCH_ONLY:-}"

# Benchmark-only packages (LangChain, matplotlib): hash-locked in bench/requirements.lock,
# pinned to requirements.lock's versions, so the venv `make test` uses stays as it is.
if ! $PY -c "import langchain_core, langchain_classic, langchain_community, matplotlib" 2>/dev/null; then
  echo "== installing the benchmark-only packages (bench/requirements.lock)"
  $PY -m pip install -q --require-hashes -r bench/requirements.lock
fi

if [ -n "$(git status --porcelain -- . ':!bench/results' 2>/dev/null)" ]; then
  echo "warning: the tree has uncommitted changes; the results record them (not a clean run)" >&2
fi

if [ -z "$ONLY" ] || [ "$ONLY" = compliance ]; then
  echo "== compliance (labelled corpus, ragstream batch vs per-text Presidio)"
  $PY -m bench.compliance.run --out bench/results
fi
if [ -z "$ONLY" ] || [ "$ONLY" = redaction ]; then
  echo "== redaction of technical text (documents the default policy changes, vs plain Presidio)"
  $PY -m bench.redaction.run --out bench/results
fi
if [ -z "$ONLY" ] || [ "$ONLY" = embedding ]; then
  echo "== embedding (batch sizes, threads, length sorting)"
  $PY bench/embedding/run.py
fi
bash compose/stack.sh up
if [ -z "$ONLY" ] || [ "$ONLY" = retrieval ]; then
  if [ "${RAGSTREAM_BENCH_SKIP_RETRIEVAL:-0}" = 1 ]; then
    echo "== retrieval: skipped (RAGSTREAM_BENCH_SKIP_RETRIEVAL=1), bench/results/retrieval.json reused"
  else
    echo "== retrieval (judged NumPy-reference set: BM25, k-NN, hybrid; re-embedding after a 1% edit)"
    $PY -m bench.retrieval.run --out bench/results
    echo "== retrieval (judged Debian package descriptions)"
    $PY -m bench.retrieval.run --data bench/retrieval/data-debian --out bench/results
  fi
  echo "== ranking defaults (best mean tune nDCG@10 over the judged sets)"
  $PY -m bench.retrieval.defaults
fi
if [ -z "$ONLY" ] || [ "$ONLY" = redaction ]; then
  echo "== redaction vs retrieval (judged NumPy set: nDCG@10 with compliance off and on)"
  $PY -m bench.redaction.retrieval --out bench/results
fi
if [ -z "$ONLY" ] || [ "$ONLY" = pipeline ]; then
  echo "== pipeline (end to end vs bound, naive loop, LangChain; freshness, RSS, re-embedding)"
  # shellcheck disable=SC2086 # word splitting of the extra arguments is intended
  $PY -m bench.pipeline.run --out bench/results ${RAGSTREAM_BENCH_PIPELINE_ARGS:-}
fi
