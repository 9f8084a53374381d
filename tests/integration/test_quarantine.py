"""Quarantine through a real worker: held for review, listed without content, released or
dropped by a reviewer, every decision audited (issue #7, item 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from schemas import AuditRecord, ChangeEvent, Op, QuarantineRecord, parse_quarantine_entry
from tests.integration.conftest import REPO, Namespace, wait_for
from tests.integration.kafka_read import read_topic

CARD = "4111 1111 1111 1111"
POLICY = """\
id: pci-review
version: "test-1"
rules:
  - framework: pci
    applies_to: {all: true}
    entities: {CREDIT_CARD: quarantine}
    default_action: redact
"""


def _quarantine_cli(ns: Namespace, *args: str) -> subprocess.CompletedProcess[str]:
    """``ragstream quarantine ...`` (the module's own entry point: same commands)."""
    return subprocess.run(
        [sys.executable, "-m", "ragstream.cli_quarantine", *args],
        cwd=REPO,
        env={**os.environ, **ns.env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _held(ns: Namespace) -> list[QuarantineRecord]:
    k = ns.settings.kafka
    entries = [
        parse_quarantine_entry(v)
        for _, v in read_topic(k.bootstrap_servers, k.quarantine_topic)
        if v
    ]
    return [e for e in entries if isinstance(e, QuarantineRecord)]


def _audits(ns: Namespace) -> list[AuditRecord]:
    k = ns.settings.kafka
    return [
        AuditRecord.from_bytes(v) for _, v in read_topic(k.bootstrap_servers, k.audit_topic) if v
    ]


def _rows(ns: Namespace) -> dict[str, dict[str, Any]]:
    out = _quarantine_cli(ns, "list", "--json")
    assert out.returncode == 0, out.stderr
    return {row["key"]: row for row in map(json.loads, out.stdout.splitlines())}


def _doc(ns: Namespace, key: str) -> dict[str, Any] | None:
    return next((d for d in ns.documents() if d["doc_key"] == key), None)


def test_quarantine_list_release_and_drop(ns: Namespace, tmp_path: Path) -> None:
    policy = tmp_path / "pci-review.yaml"
    policy.write_text(POLICY)
    ns.env["RAGSTREAM_COMPLIANCE__POLICY"] = str(policy)
    ns.env["RAGSTREAM_EMBEDDING__BACKEND"] = "hashing"
    assert ns.run(["topics"]).returncode == 0
    ns.start_worker()

    def event(doc_id: str, content: str) -> ChangeEvent:
        return ChangeEvent(
            source_id="tickets", document_id=doc_id, op=Op.UPSERT, version=5, content=content
        )

    refund = event("refund.md", f"Refund the duplicate charge on card {CARD}, approved by finance.")
    fraud = event("fraud.md", f"Card {CARD} reported stolen; block the account.")
    plain = event("faq.md", "Refunds are paid within five working days.")
    ns.publish([refund, fraud, plain])

    # Held for review, not indexed, nothing of it in the index.
    wait_for(lambda: len(_held(ns)) == 2, 180, "two quarantined records")
    wait_for(lambda: _doc(ns, "tickets/faq.md"), 120, "the plain document to be indexed")
    held = {r.doc_key: r for r in _held(ns)}
    assert held["tickets/refund.md"].event == refund, "the raw event as received"
    assert "CREDIT_CARD" in held["tickets/refund.md"].reason
    assert _doc(ns, "tickets/refund.md") is None and _doc(ns, "tickets/fraud.md") is None
    assert all(c["doc_key"] == "tickets/faq.md" for c in ns.chunks())
    blocked = {a.doc_key: a for a in _audits(ns) if a.outcome == "quarantined"}
    assert set(blocked) == {"tickets/refund.md", "tickets/fraud.md"}

    # Listed without content.
    listing = _quarantine_cli(ns, "list")
    assert listing.returncode == 0, listing.stderr
    assert "tickets/refund.md" in listing.stdout and "v5" in listing.stdout
    assert CARD not in listing.stdout and "duplicate charge" not in listing.stdout
    rows = _rows(ns)
    assert rows["tickets/refund.md"]["state"] == "pending"
    assert rows["tickets/refund.md"]["audit_id"] == blocked["tickets/refund.md"].audit_id

    # Release: indexed again, the card redacted.
    released = _quarantine_cli(
        ns, "release", "tickets/refund.md", "--reviewer", "rita", "--reason", "test card number"
    )
    assert released.returncode == 0, released.stderr
    doc = wait_for(lambda: _doc(ns, "tickets/refund.md"), 120, "the released document")
    assert "<CREDIT_CARD>" in doc["text"] and CARD not in doc["text"]
    assert "duplicate charge" in doc["text"]
    assert CARD not in json.dumps(ns.chunks())

    # Drop: stays out of the index, marked dropped; a second decision is refused.
    dropped = _quarantine_cli(ns, "drop", "tickets/fraud.md", "--reviewer", "rita")
    assert dropped.returncode == 0, dropped.stderr
    again = _quarantine_cli(ns, "release", "tickets/fraud.md", "--reviewer", "x", "--reason", "y")
    assert again.returncode == 1 and "nothing pending" in again.stderr
    rows = _rows(ns)
    assert rows["tickets/refund.md"]["state"] == "released"
    assert rows["tickets/fraud.md"]["state"] == "dropped"
    assert rows["tickets/fraud.md"]["reviewer"] == "rita"
    assert _doc(ns, "tickets/fraud.md") is None

    # Both decisions audited; the re-ingest says it was a release.
    audits = _audits(ns)
    kinds = {(a.kind, a.doc_key) for a in audits}
    assert ("quarantine_release", "tickets/refund.md") in kinds
    assert ("quarantine_drop", "tickets/fraud.md") in kinds
    ingest = [a for a in audits if a.kind == "ingest" and a.doc_key == "tickets/refund.md"]
    assert ingest and ingest[0].detail["quarantine_released"] == "true"
    release = next(a for a in audits if a.kind == "quarantine_release")
    assert release.detail["reviewer"] == "rita"
    assert release.detail["quarantine_audit_id"] == blocked["tickets/refund.md"].audit_id
    assert CARD not in "".join(a.model_dump_json() for a in audits)
