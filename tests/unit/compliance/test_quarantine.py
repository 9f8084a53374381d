"""Quarantine keeps the document for review instead of deleting it silently (issue #7, 4)."""

from __future__ import annotations

from pathlib import Path

import compliance_samples as samples
import pytest

from infra.kafka_admin import topic_specs
from infra.settings import ComplianceSettings, KafkaSettings
from ragstream.cli_quarantine import ChoiceError, Held, choose, decision_audit, fold
from schemas import (
    AuditRecord,
    ChangeEvent,
    CleanDocument,
    Op,
    QuarantineDecision,
    QuarantineRecord,
    parse_quarantine_entry,
)
from streams.compliance import PresidioDetector
from streams.compliance.stage import PolicyComplianceStage
from streams.pipeline import compliance_step
from streams.registry import RegistrySnapshot, release_entry
from streams.stages import RawRecord

pytestmark = pytest.mark.unit

POLICY = """\
id: pci-review
version: "2"
rules:
  - framework: pci
    applies_to: {all: true}
    entities: {CREDIT_CARD: quarantine, EMAIL_ADDRESS: hash}
    default_action: redact
"""


@pytest.fixture
def policy_settings(settings: ComplianceSettings, tmp_path: Path) -> ComplianceSettings:
    path = tmp_path / "pci-review.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return settings.model_copy(update={"policy": str(path)})


def _event(version: int = 3) -> ChangeEvent:
    return ChangeEvent(
        source_id="tickets",
        document_id="ticket-5521.md",
        op=Op.UPSERT,
        version=version,
        content=samples.PAYMENT,
        title="Refund request",
    )


def _stage(
    s: ComplianceSettings, detector: PresidioDetector, released: frozenset[str] = frozenset()
) -> PolicyComplianceStage:
    snapshot = RegistrySnapshot(frozenset(), frozenset(), released)
    return PolicyComplianceStage(s, registry=lambda: snapshot, detector=detector)


def test_quarantined_event_is_held_raw_and_deleted_from_the_index(
    policy_settings: ComplianceSettings, detector: PresidioDetector
) -> None:
    """A quarantined version: a versioned delete, an audit record and the raw event."""
    event = _event()
    [out] = _stage(policy_settings, detector).process([event])
    assert out.document.op is Op.DELETE and out.document.text is None
    assert out.audit is not None and out.audit.outcome == "quarantined"
    held = out.quarantine
    assert held is not None
    assert held.event == event, "the event exactly as received"
    assert held.audit_id == out.audit.audit_id
    assert held.doc_key == out.document.key == "tickets/ticket-5521.md"
    assert held.version == 3 and "CREDIT_CARD" in held.reason
    assert (held.policy_id, held.policy_version) == ("pci-review", "2")
    assert samples.CARD not in held.reason


def test_compliance_step_sends_the_record_to_the_quarantine_output(
    policy_settings: ComplianceSettings, detector: PresidioDetector
) -> None:
    """Logical output ``quarantine`` (the shell maps it to <prefix>quarantine); the raw value
    never reaches ``clean`` or ``audit``."""
    event = _event()
    stage = _stage(policy_settings, detector)
    step = compliance_step(lambda: stage, max_event_bytes=1_000_000)
    result = step([RawRecord(event.to_bytes(), event.key.encode(), "t.changes", 0, 9)])
    by_topic = {o.topic: o for o in result.outputs}
    assert set(by_topic) == {"clean", "audit", "quarantine"}
    record = parse_quarantine_entry(by_topic["quarantine"].value or b"")
    assert isinstance(record, QuarantineRecord) and record.event == event
    assert by_topic["quarantine"].key == b"tickets/ticket-5521.md"
    for name in ("clean", "audit"):
        assert samples.CARD not in (by_topic[name].value or b"").decode()
    assert CleanDocument.from_bytes(by_topic["clean"].value or b"").op is Op.DELETE


def test_released_version_is_indexed_with_the_entity_redacted(
    policy_settings: ComplianceSettings, detector: PresidioDetector
) -> None:
    """A release of key@version turns quarantine into redact for exactly that version."""
    released = frozenset({release_entry("tickets/ticket-5521.md", 3)})
    stage = _stage(policy_settings, detector, released)
    ok, later = stage.process([_event(3), _event(4)])
    assert ok.document.op is Op.UPSERT and ok.quarantine is None
    text = ok.document.text or ""
    assert "<CREDIT_CARD>" in text and samples.CARD not in text
    assert "<IBAN_CODE>" in text and samples.EMAIL not in text, "the other actions still apply"
    assert ok.audit is not None and ok.audit.kind == "ingest"
    assert ok.audit.detail["quarantine_released"] == "true"
    assert later.quarantine is not None and later.document.op is Op.DELETE


def test_registry_snapshot_releases() -> None:
    """The snapshot API is unchanged; releases are an added field."""
    plain = RegistrySnapshot(frozenset({"s1"}), frozenset())
    assert not plain.is_released("k", 1) and plain.erased_among(["s1"]) == {"s1"}
    snap = RegistrySnapshot(frozenset(), frozenset(), frozenset({release_entry("a/b", 7)}))
    assert snap.is_released("a/b", 7)
    assert not snap.is_released("a/b", 8) and not snap.is_released("a/c", 7)


def test_quarantine_topic_keeps_the_raw_retention() -> None:
    k = KafkaSettings(topic_prefix="t.", raw_retention_ms=3_600_000)
    assert k.quarantine_topic == "t.quarantine"
    specs = {spec.topic: spec for spec in topic_specs(k)}
    config = specs["t.quarantine"].config
    assert config is not None
    assert config["retention.ms"] == "3600000" and config["cleanup.policy"] == "delete"


def _held(version: int, audit_id: str, key: str = "tickets/t.md") -> QuarantineRecord:
    event = ChangeEvent(
        source_id="tickets", document_id="t.md", op=Op.UPSERT, version=version, content="x"
    )
    return QuarantineRecord(
        audit_id=audit_id,
        doc_key=key,
        version=version,
        reason="policy quarantines documents with CREDIT_CARD",
        policy_id="p",
        policy_version="1",
        event=event,
    )


def _decision(target: str, kind: str = "dropped") -> QuarantineDecision:
    return QuarantineDecision.model_validate(
        {
            "type": kind,
            "quarantine_audit_id": target,
            "doc_key": "tickets/t.md",
            "version": 1,
            "reviewer": "rita",
            "audit_id": f"d-{target}",
        }
    )


def test_fold_and_choose() -> None:
    """Decisions mark their record; release/drop pick the newest pending version."""
    held = fold(
        [
            (0, 1, _held(1, "a1")),
            (0, 2, _held(2, "a2")),
            (0, 3, _decision("a2")),
            (1, 0, _held(5, "a5", key="other/k")),
        ]
    )
    states = {h.record.audit_id: h.state for h in held}
    assert states == {"a1": "pending", "a2": "dropped", "a5": "pending"}
    assert choose(held, "tickets/t.md").record.version == 1
    assert choose(held, "a5").record.doc_key == "other/k"
    with pytest.raises(ChoiceError, match="v2 dropped"):
        choose(held, "tickets/t.md", version=2)
    with pytest.raises(ChoiceError, match="no quarantined record"):
        choose(held, "nope")


def test_list_rows_and_audits_never_carry_content() -> None:
    held = Held(_held(1, "a1"), 0, 1)
    row = held.summary()
    assert set(row) == {"key", "version", "state", "reason", "audit_id", "at", "policy"}
    release = decision_audit(held, "quarantine_release", "rita", "false positive: test card")
    drop = decision_audit(held, "quarantine_drop", "rita", "")
    assert release.kind == "quarantine_release" and release.detail["override"] == "redact"
    assert drop.kind == "quarantine_drop" and drop.outcome == "dropped"
    for audit in (release, drop):
        assert audit.detail["reviewer"] == "rita"
        assert audit.detail["quarantine_audit_id"] == "a1"
        AuditRecord.from_bytes(audit.to_bytes())  # the schema accepts both kinds
    assert isinstance(
        parse_quarantine_entry(_decision("a1", "released").to_bytes()), QuarantineDecision
    )
