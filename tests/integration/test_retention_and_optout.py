"""GDPR retention (expiry + purge) and CCPA opt-out, through real workers."""

from __future__ import annotations

import json
import time
from pathlib import Path

from schemas import AuditRecord, ChangeEvent, Op
from tests.integration.conftest import Namespace, wait_for
from tests.integration.kafka_read import read_topic

SHORT_RETENTION_POLICY = """\
id: short-retention
version: "test-1"
rules:
  - framework: gdpr
    applies_to: {all: true}
    entities: {PERSON: hash, EMAIL_ADDRESS: hash}
    default_action: redact
    retention: PT3S
"""


def test_expired_chunks_are_purged(ns: Namespace, tmp_path: Path) -> None:
    """Every chunk carries the policy's expiry, and `ragstream purge` deletes what expired."""
    policy = tmp_path / "short.yaml"
    policy.write_text(SHORT_RETENTION_POLICY)
    ns.env["RAGSTREAM_COMPLIANCE__POLICY"] = str(policy)
    assert ns.run(["topics"]).returncode == 0
    ns.start_worker()
    event = ChangeEvent(
        source_id="wiki",
        document_id="note.md",
        op=Op.UPSERT,
        version=1,
        content="The badge office moved to building C, second floor.",
    )
    ns.publish([event])
    wait_for(lambda: ns.documents(), 120, "the note to be indexed")
    chunks = ns.chunks()
    assert chunks and all(c["expires_at"] for c in chunks)
    assert all(c["policy_id"] == "short-retention" for c in chunks)
    time.sleep(3.5)
    dry = ns.run(["purge", "--dry-run"])
    assert dry.returncode == 0, dry.stderr
    counts = json.loads(dry.stdout)["expired"]
    assert counts[ns.settings.opensearch.chunks_alias] == len(chunks)
    assert ns.chunks(), "a dry run deletes nothing"
    done = ns.run(["purge"])
    assert done.returncode == 0, done.stderr
    assert ns.chunks() == [] and ns.documents() == []
    k = ns.settings.kafka
    purges = [
        AuditRecord.model_validate_json(value)
        for _, value in read_topic(k.bootstrap_servers, k.audit_topic)
        if value and b'"purge"' in value
    ]
    assert len(purges) == 1, "every purge leaves one audit record"
    assert purges[0].detail["chunks_removed"] == len(chunks)
    assert purges[0].detail["actor"]


def test_ccpa_opt_out_drops_documents_of_the_subject(ns: Namespace) -> None:
    """After an opt-out, california-tagged documents about the subject are not processed."""
    assert ns.run(["topics"]).returncode == 0
    ns.start_worker()
    out = ns.run(["dsr", "opt-out", "--email", "carla.reyes@example.com", "--name", "Carla Reyes"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["kind"] == "dsr_opt_out"

    text = "Carla Reyes (carla.reyes@example.com) asked about the loyalty programme."
    events = [
        ChangeEvent(
            source_id="crm-ca",
            document_id="carla.md",
            op=Op.UPSERT,
            version=1,
            content=text,
            tags=("california",),
        ),
        ChangeEvent(
            source_id="crm-ca",
            document_id="other.md",
            op=Op.UPSERT,
            version=1,
            content="Loyalty points expire after 24 months.",
            tags=("california",),
        ),
    ]
    ns.publish(events)
    wait_for(
        lambda: [d for d in ns.documents() if d["document_id"] == "other.md"],
        120,
        "the unrelated document",
    )
    k = ns.settings.kafka

    def dropped() -> AuditRecord | None:
        for _, value in read_topic(k.bootstrap_servers, k.audit_topic):
            if value:
                rec = AuditRecord.from_bytes(value)
                if rec.doc_key == "crm-ca/carla.md":
                    return rec
        return None

    record = wait_for(dropped, 60, "the audit record of the opted-out subject's document")
    assert record.outcome != "indexed" and "opted out" in str(record.detail.get("reason", ""))
    assert "carla.md" not in {d["document_id"] for d in ns.documents()}
