"""Planted identities flow through the real pipeline; none survive past compliance."""

from __future__ import annotations

import json
import re

from schemas import AuditRecord, ChangeEvent, Op
from tests.integration.conftest import Namespace, wait_for
from tests.integration.kafka_read import read_topic

# Fictional identities. Every value here must vanish wherever the default policy applies.
PLANTED = {
    "names": ["Margaret Okonkwo-Reyes", "Henrik Lindqvist", "Dolores Abernathy"],
    "emails": ["margaret.okonkwo@example.com", "h.lindqvist@example.org", "dabernathy@example.net"],
    "phones": ["+1 (415) 555-0187", "(212) 555-0143"],
    "ssns": ["536-22-4187", "412-67-3390"],
    "cards": ["4111 1111 1111 1111", "5500 0000 0000 0004"],
    "ibans": ["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32"],
    "addresses": ["1418 Juniper Ridge Road", "77 Cedar Hollow Lane"],
    "mrns": ["00482913", "00517364"],
}

DOCS = {
    "support/ticket-5521.md": (
        "# Ticket 5521: replacement gripper\n\n"
        "Customer: Margaret Okonkwo-Reyes (margaret.okonkwo@example.com, +1 (415) 555-0187) "
        "reported that the NW-300 gripper stalls after firmware 4.2. Ship the replacement to "
        "1418 Juniper Ridge Road, Sparks, NV 89431. She paid the expedite fee with card "
        "4111 1111 1111 1111. Refunds go to IBAN DE89 3704 0044 0532 0130 00.\n\n"
        "The stall is caused by a torque limit regression; the fix ships in 4.2.1."
    ),
    "hr/payroll-change.md": (
        "# Payroll change request\n\n"
        "Employee: Henrik Lindqvist, SSN 536-22-4187, moved to 77 Cedar Hollow Lane, "
        "Columbus, OH 43215. New salary account GB82 WEST 1234 5698 7654 32. Contact "
        "h.lindqvist@example.org or (212) 555-0143. Corporate card 5500 0000 0000 0004."
    ),
    "clinic/visit-note.md": (
        "# Visit note\n\n"
        "Patient: Dolores Abernathy, MRN: 00482913, SSN 412-67-3390, e-mail "
        "dabernathy@example.net. Seen for a forearm laceration; three sutures placed. "
        "Follow-up lab results under MRN: 00517364 were normal."
    ),
    "engineering/runbook.md": (
        "# Broker restart runbook\n\nDrain the broker, restart it, wait for under-replicated "
        "partitions to reach zero, then move to the next broker."
    ),
}


def _planted_values() -> list[str]:
    return [v for values in PLANTED.values() for v in values]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _leaks(blob: str) -> list[str]:
    """Planted values found in ``blob``, also as bare digit runs for numbers."""
    found = [v for v in _planted_values() if v.lower() in blob.lower()]
    digits_blob = re.sub(r"\D", "", blob)
    for v in PLANTED["ssns"] + PLANTED["cards"] + PLANTED["mrns"] + PLANTED["phones"]:
        d = _digits(v)
        if len(d) >= 8 and d in digits_blob and v not in found:
            found.append(f"{v} (as digits)")
    return found


def _publish(ns: Namespace) -> list[ChangeEvent]:
    events = [
        ChangeEvent(
            source_id="kb",
            document_id=doc_id,
            op=Op.UPSERT,
            version=1,
            content=text,
            title=text.splitlines()[0].lstrip("# "),
            uri=f"kb://{doc_id}",
            tags=("phi",) if doc_id.startswith("clinic/") else (),
            metadata={"owner_email": "margaret.okonkwo@example.com", "department": "support"},
        )
        for doc_id, text in DOCS.items()
    ]
    ns.publish(events)
    return events


def test_no_planted_identity_survives_compliance(ns: Namespace) -> None:
    """Indices, post-compliance topics, audit, dead letters and worker logs hold no planted PII."""
    ns.start_worker()
    assert ns.run(["topics"]).returncode == 0
    _publish(ns)
    wait_for(lambda: len(ns.documents()) == len(DOCS), 180, "all planted documents to be indexed")

    # The documents are still useful: the non-personal content is searchable.
    runbook = [d for d in ns.documents() if d["document_id"] == "engineering/runbook.md"]
    assert runbook and "under-replicated" in runbook[0]["text"]
    ticket = next(d for d in ns.documents() if d["document_id"] == "support/ticket-5521.md")
    assert "torque limit regression" in ticket["text"]
    assert "<PERSON_" in ticket["text"] and "<EMAIL_ADDRESS_" in ticket["text"]
    assert ticket["subject_ids"], "subjects are recorded as keyed hashes for erasure"

    k = ns.settings.kafka
    places: dict[str, str] = {
        "rag-documents": json.dumps(ns.search_all(ns.settings.opensearch.documents_alias)),
        "rag-chunks": json.dumps(ns.chunks()),
        "worker log": ns.log_text("worker"),
    }
    for topic in (k.clean_topic, k.chunks_topic, k.audit_topic, k.dlq_topic):
        records = read_topic(k.bootstrap_servers, topic)
        places[topic] = "\n".join(
            (key or b"").decode(errors="replace") + " " + (value or b"").decode(errors="replace")
            for key, value in records
        )
    leaks = {place: _leaks(blob) for place, blob in places.items()}
    assert {p: v for p, v in leaks.items() if v} == {}
    # Metadata outside the allowlist (owner_email) was removed, not just redacted.
    assert "owner_email" not in places[k.clean_topic]

    audits = [
        AuditRecord.from_bytes(v) for _, v in read_topic(k.bootstrap_servers, k.audit_topic) if v
    ]
    ingest = {a.doc_key: a for a in audits if a.kind == "ingest"}
    assert set(ingest) == {f"kb/{d}" for d in DOCS}
    clinic = ingest["kb/clinic/visit-note.md"]
    assert "hipaa" in clinic.frameworks
    entity_types = {e.entity_type for e in clinic.entities}
    assert {"PERSON", "US_SSN", "MRN"} <= entity_types
    assert clinic.content_sha256_before != clinic.content_sha256_after
    ticket_audit = ingest["kb/support/ticket-5521.md"]
    assert {e.entity_type for e in ticket_audit.entities} >= {
        "EMAIL_ADDRESS",
        "CREDIT_CARD",
        "IBAN_CODE",
    }
    assert all(e.count >= 1 for e in ticket_audit.entities)
