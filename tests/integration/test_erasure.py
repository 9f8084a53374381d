"""Erasure of one data subject through ragstream.dsr: removed everywhere, others intact, audited."""

from __future__ import annotations

import json

from schemas import AuditRecord, ChangeEvent, Op
from streams.compliance import subject_ids_for
from tests.integration.conftest import Namespace, wait_for
from tests.integration.kafka_read import read_topic

ALICE = ("Alice Moreno", "alice.moreno@example.com")
BRUNO = ("Bruno Castellano", "bruno.castellano@example.org")

TEXTS = {
    "alice-contract.md": f"Contract renewal for {ALICE[0]} ({ALICE[1]}): two-year support plan.",
    "joint-meeting.md": f"Meeting notes: {ALICE[0]} and {BRUNO[0]} agreed on the rollout plan.",
    "bruno-ticket.md": f"Ticket from {BRUNO[0]} <{BRUNO[1]}> about the charging dock firmware.",
    "handbook.md": "The charging dock firmware is updated every quarter by the platform team.",
}


def _event(doc_id: str, version: int) -> ChangeEvent:
    return ChangeEvent(
        source_id="crm", document_id=doc_id, op=Op.UPSERT, version=version, content=TEXTS[doc_id]
    )


def _live_ids(ns: Namespace) -> set[str]:
    return {d["document_id"] for d in ns.documents()}


def test_erasing_a_subject_removes_their_documents_only_and_blocks_reingestion(
    ns: Namespace,
) -> None:
    """Erasure removes every chunk linked to Alice, keeps Bruno's, audits, and blocks replays."""
    ns.start_worker()
    assert ns.run(["topics"]).returncode == 0
    ns.publish([_event(d, 1) for d in TEXTS])
    wait_for(lambda: _live_ids(ns) == set(TEXTS), 180, "the four documents to be indexed")
    key = ns.settings.compliance.hmac_key
    alice_ids = set(subject_ids_for(key, emails=[ALICE[1]], names=[ALICE[0]]))
    bruno_ids = set(subject_ids_for(key, emails=[BRUNO[1]], names=[BRUNO[0]]))

    access = ns.run(["dsr", "access", "--email", ALICE[1], "--name", ALICE[0]])
    assert access.returncode == 0, access.stderr
    found = {d["doc_key"] for d in json.loads(access.stdout)["documents"]}
    assert found == {"crm/alice-contract.md", "crm/joint-meeting.md"}

    erase = ns.run(["dsr", "erase", "--email", ALICE[1], "--name", ALICE[0], "--wait", "120"])
    assert erase.returncode == 0, erase.stderr
    report = json.loads(erase.stdout)
    assert report["kind"] == "dsr_erase" and report["documents_removed"] == 2
    assert report["chunks_removed"] >= 2 and report["topic_tombstones"] == 6

    # Both indices: nothing linked to Alice, Bruno's own ticket and the handbook intact.
    assert _live_ids(ns) == {"bruno-ticket.md", "handbook.md"}
    chunk_subjects = {s for c in ns.chunks() for s in c.get("subject_ids", [])}
    assert not chunk_subjects & alice_ids
    assert chunk_subjects & bruno_ids
    assert {c["document_id"] for c in ns.chunks()} == {"bruno-ticket.md", "handbook.md"}

    # Compacted topics got tombstones for the erased documents.
    k = ns.settings.kafka
    tombstoned = {
        key for key, value in read_topic(k.bootstrap_servers, k.clean_topic) if value is None
    }
    assert tombstoned == {b"crm/alice-contract.md", b"crm/joint-meeting.md"}

    # Re-ingesting the same content (a replay, or the source re-sending) stays out.
    ns.publish([_event("alice-contract.md", 2)])

    def blocked() -> AuditRecord | None:
        for _, value in read_topic(k.bootstrap_servers, k.audit_topic):
            if value:
                rec = AuditRecord.from_bytes(value)
                if rec.kind == "blocked" and rec.doc_key == "crm/alice-contract.md":
                    return rec
        return None

    wait_for(blocked, 120, "the re-ingestion to be blocked")
    assert "alice-contract.md" not in _live_ids(ns)

    audits = [
        AuditRecord.from_bytes(v) for _, v in read_topic(k.bootstrap_servers, k.audit_topic) if v
    ]
    erasures = [a for a in audits if a.kind == "dsr_erase"]
    assert len(erasures) == 1 and set(erasures[0].subject_ids) == alice_ids
    assert any(a.kind == "dsr_access" for a in audits)
    everything = json.dumps([a.model_dump(mode="json") for a in audits])
    assert ALICE[0] not in everything and ALICE[1] not in everything

    # A new legal basis lifts the block: a newer version is indexed again.
    allow = ns.run(
        [
            "dsr",
            "allow",
            "--email",
            ALICE[1],
            "--name",
            ALICE[0],
            "--legal-basis",
            "contract 2026-118",
        ]
    )
    assert allow.returncode == 0, allow.stderr
    ns.publish([_event("alice-contract.md", 3)])
    wait_for(
        lambda: "alice-contract.md" in _live_ids(ns), 120, "re-ingestion after the new legal basis"
    )
