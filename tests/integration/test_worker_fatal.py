"""A stage that fails on a whole batch (a bug, not an outage, not a bad record) stops the real
worker with a non-zero exit and one clear log line, before the batch is acknowledged: a
restarted, healthy worker then indexes every event of that batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from schemas import ChangeEvent, Op
from tests.integration.conftest import REPO, Namespace, wait_for


def test_a_failing_stage_exits_non_zero_and_the_batch_is_processed_after_restart(
    ns: Namespace,
) -> None:
    assert ns.run(["topics"]).returncode == 0
    events = [
        ChangeEvent(
            source_id="fatal",
            document_id=f"doc-{i}",
            op=Op.UPSERT,
            version=1,
            content=f"maintenance plan number {i} for the north wing",
        )
        for i in range(3)
    ]
    ns.publish(events)

    log = ns.tmp / "faulty.log"
    with log.open("wb") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.integration.faulty_worker"],
            cwd=REPO,
            env={**os.environ, **ns.env, "RAGSTREAM_EMBEDDING__BACKEND": "hashing"},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=180,
            check=False,
        )
    text = log.read_text(errors="replace")
    assert proc.returncode == 70, text[-3000:]
    fatal = [json.loads(line) for line in text.splitlines() if '"stage_fatal"' in line]
    assert len(fatal) == 1, text[-3000:]
    assert fatal[0]["stage"] == "compliance" and fatal[0]["error"] == "RuntimeError"

    ns.spawn(["worker"], "worker", {"RAGSTREAM_EMBEDDING__BACKEND": "hashing"})

    def all_indexed() -> set[str] | None:
        ids = {d["document_id"] for d in ns.documents()}
        return ids if ids == {"doc-0", "doc-1", "doc-2"} else None

    wait_for(all_indexed, 150, "the unacknowledged batch to be indexed after the restart")
