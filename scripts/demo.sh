#!/usr/bin/env bash
# `make demo`: start the stack, ingest samples/corpus through Kafka and Faust into OpenSearch,
# query it, then edit and delete a file and show the index following the change.
set -euo pipefail
# Local demo/benchmark only: accept the public development pseudonymisation key.
export RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY="${RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY:-true}"
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
RS="$BIN/ragstream"
STATE="$PWD/.ragstream/demo"
CORPUS="$STATE/corpus"
LOGS="$STATE/logs"
export RAGSTREAM_CONNECTORS__STATE_DIR="$STATE/connector-state"
export RAGSTREAM_WORKER__DATA_DIR="$STATE/worker"
export RAGSTREAM_LOG__LEVEL="${RAGSTREAM_LOG__LEVEL:-WARNING}"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/7 starting the local stack (Kafka, OpenSearch with k-NN)"
bash compose/stack.sh up

step "2/7 fresh demo state: topics, empty indices, a copy of samples/corpus"
$RS index reset --yes >/dev/null 2>&1 || true
rm -rf "$STATE" && mkdir -p "$CORPUS" "$LOGS"
cp -r samples/corpus/. "$CORPUS/"
n_docs=$(find "$CORPUS" -type f \( -name '*.md' -o -name '*.txt' \) | wc -l)
$RS topics
echo "corpus: $n_docs documents in $CORPUS"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step "3/7 starting a Faust worker and the file-system connector (logs in $LOGS)"
$RS worker >"$LOGS/worker.log" 2>&1 & pids+=($!)
# A new source id per run: connector checkpoints also live in Kafka (ragstream.connect-offsets),
# so a rerun under the old id would resume and publish nothing into the reset indices.
SOURCE_ID="demo-$(date +%s)"
$RS connect filesystem "$CORPUS" --source-id "$SOURCE_ID" --path-tag clinic/=phi >"$LOGS/connector.log" 2>&1 & pids+=($!)
echo "worker pid ${pids[0]}, connector pid ${pids[1]}"
sleep 3
for i in 0 1; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    log=$([ "$i" = 0 ] && echo worker || echo connector)
    echo "error: the $log exited; last lines of $LOGS/$log.log:" >&2
    tail -20 "$LOGS/$log.log" >&2
    exit 1
  fi
done

step "4/7 waiting until all $n_docs documents are indexed"
$RS index stats --wait-docs "$n_docs" --timeout 300

step "5/7 queries"
for q in "How do I reset my VPN password?" \
         "What caused the checkout outage in March?" \
         "hotel night reimbursement limit"; do
  echo
  echo "\$ ragstream query \"$q\" --group internal --k 3"
  $RS query "$q" --group internal --k 3
done

echo
echo "# compliance: the clinic note is findable, its patient identifiers are not"
echo "\$ ragstream query \"forearm laceration sutures\" --group internal --k 1"
$RS query "forearm laceration sutures" --group internal --k 1
echo "\$ ragstream audit export --kind ingest | grep /clinic/visit-note-   # the key's date is pseudonymised (HIPAA)"
$RS audit export --kind ingest --timeout 3 | grep -F '/clinic/visit-note-' | tail -1

step "6/7 editing a document: the index follows"
target="$CORPUS/it/vpn-password-reset.md"
[ -f "$target" ] || target=$(find "$CORPUS" -name '*.md' | sort | head -1)
rel=${target#"$CORPUS/"}
printf '\n\n## Update\nFrom December the VPN portal moves to vpn2.northwind.example and requires a hardware security key (code word: bluefinch).\n' >>"$target"
echo "appended an update to $rel"
for i in $(seq 1 120); do
  if $RS query "hardware security key bluefinch" --group internal --k 1 --json | grep -q bluefinch; then break; fi
  sleep 1
done
echo "\$ ragstream query \"hardware security key bluefinch\" --group internal --k 1"
$RS query "hardware security key bluefinch" --group internal --k 1

step "7/7 deleting a document: its chunks disappear"
rm "$target"
echo "deleted $rel"
$RS index stats --wait-docs 0 >/dev/null
for i in $(seq 1 120); do
  if ! $RS query "hardware security key bluefinch" --group internal --k 5 --json | grep -q bluefinch; then break; fi
  sleep 1
done
$RS index stats
echo "\$ ragstream query \"hardware security key bluefinch\" --group internal --k 3"
$RS query "hardware security key bluefinch" --group internal --k 3
echo
echo "Demo done. The stack keeps running for your own queries (ragstream query \"...\");"
echo "stop it with: make stack-down"
