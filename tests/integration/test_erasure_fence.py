"""Erasure with versions in flight: a version of the subject's document that had already
passed compliance when the erasure happened (sitting on the chunks topic), or a replay of
the erased version, never brings the subject back into the index."""

from __future__ import annotations

from datetime import UTC, datetime

from confluent_kafka import Producer

from schemas import AuditRecord, Chunk, CleanDocument, EmbeddedDocument, Op, chunk_id_for
from streams.compliance import subject_ids_for
from tests.integration.conftest import Namespace, wait_for
from tests.integration.kafka_read import read_topic

NAME, EMAIL = "Alice Moreno", "alice.moreno@example.com"


def _in_flight(ns: Namespace, subject_ids: tuple[str, ...], version: int) -> EmbeddedDocument:
    text = "Contract renewal for <PERSON_x>: two-year support plan, marker-inflight."
    doc = CleanDocument(
        event_id=f"ev-{version}",
        source_id="crm",
        document_id="alice-contract.md",
        op=Op.UPSERT,
        version=version,
        occurred_at=datetime.now(UTC),
        text=text,
        policy_id="default",
        subject_ids=subject_ids,
    )
    chunk = Chunk(
        chunk_id=chunk_id_for(doc.key, 0, version),
        index=0,
        text=text,
        start=0,
        end=len(text),
        embedding=tuple([1.0] + [0.0] * 383),
    )
    return EmbeddedDocument(document=doc, model_id="hashing-384", chunks=(chunk,))


def test_versions_in_flight_after_an_erasure_are_not_indexed(ns: Namespace) -> None:
    ns.start_worker()
    assert ns.run(["topics"]).returncode == 0
    erase = ns.run(["dsr", "erase", "--email", EMAIL, "--name", NAME, "--wait", "120"])
    assert erase.returncode == 0, erase.stderr

    alice = tuple(subject_ids_for(ns.settings.compliance.hmac_key, emails=[EMAIL], names=[NAME]))
    k = ns.settings.kafka
    producer = Producer({"bootstrap.servers": k.bootstrap_servers, "enable.idempotence": True})
    for version in (5, 5, 6):  # a version in flight, its replay, and a later one
        item = _in_flight(ns, alice, version)
        producer.produce(k.chunks_topic, key=item.key.encode(), value=item.to_bytes())
    assert producer.flush(30) == 0

    def blocked() -> list[AuditRecord] | None:
        found = [
            AuditRecord.from_bytes(v)
            for _, v in read_topic(k.bootstrap_servers, k.audit_topic)
            if v and b'"blocked"' in v
        ]
        return found or None

    audits = wait_for(blocked, 120, "the sink to block the erased subject's versions")
    assert all(a.doc_key == "crm/alice-contract.md" for a in audits)
    assert {d["document_id"] for d in ns.documents()} == set()
    assert not [c for c in ns.chunks() if "marker-inflight" in c["text"]]
