"""The compliance engine with each shipped policy on representative texts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import compliance_samples as samples
import pytest

from schemas.change import ChangeEvent, Op
from schemas.document import Sensitivity
from streams.compliance import ComplianceEngine, Decision, InMemoryOptOutRegistry, subject_ids_for
from streams.compliance.policy import Action

EngineFactory = Callable[..., ComplianceEngine]

pytestmark = pytest.mark.unit


def _event(content: str, tags: tuple[str, ...] = (), **kw: object) -> ChangeEvent:
    return ChangeEvent(
        source_id="src",
        document_id="doc-1",
        op=Op.UPSERT,
        version=3,
        content=content,
        tags=tags,
        **kw,  # type: ignore[arg-type]
    )


def _assert_clean(text: str | None) -> None:
    assert text is not None
    for raw in samples.RAW_VALUES:
        assert raw not in text, raw


def test_gdpr_removes_identifiers(engine_for: EngineFactory) -> None:
    """GDPR pseudonymises names/e-mails/phones and redacts SSN, card, IBAN, address, MRN."""
    out = engine_for("gdpr").process([_event(samples.CLINICAL), _event(samples.PAYMENT)])
    for outcome in out:
        assert outcome.document is not None
        _assert_clean(outcome.document.text)
    clinical, payment = (o.document.text or "" for o in out if o.document)
    assert re.search(r"<PERSON_[0-9a-f]{8}>", clinical)
    assert re.search(r"<EMAIL_ADDRESS_[0-9a-f]{8}>", clinical)
    assert "<MRN>" in clinical and "<STREET_ADDRESS>" in clinical and "<US_SSN>" in clinical
    assert "<CREDIT_CARD>" in payment and "<IBAN_CODE>" in payment


def test_gdpr_minimises_metadata_and_stamps_expiry(engine_for: EngineFactory) -> None:
    """Metadata keys off the allowlist are removed and the retention expiry is stamped."""
    event = _event("nothing personal", metadata={"title": "t", "owner_email": "x@y.com"})
    doc = engine_for("gdpr").process([event])[0].document
    assert doc is not None
    assert doc.metadata == {"title": "t"}
    assert doc.expires_at is not None and doc.expires_at > event.occurred_at


def test_pseudonyms_stable_across_documents_and_keys(engine_for: EngineFactory) -> None:
    """One person gets the same token in two documents, and another token under another key."""
    a = engine_for("gdpr").redact_text([samples.CLINICAL, samples.PAYMENT])
    b = engine_for("gdpr", key="another-key").redact_text([samples.CLINICAL])
    tokens = [set(re.findall(r"<EMAIL_ADDRESS_[0-9a-f]{8}>", r.text or "")) for r in (*a, *b)]
    assert tokens[0] == tokens[1] and len(tokens[0]) == 1
    assert tokens[2].isdisjoint(tokens[0])


def test_hipaa_removes_safe_harbor_identifiers(engine_for: EngineFactory) -> None:
    """HIPAA redacts names, dates, MRN, phone, e-mail, SSN, address and ZIP of PHI sources."""
    doc = engine_for("hipaa").process([_event(samples.CLINICAL, ("phi",))])[0].document
    assert doc is not None
    _assert_clean(doc.text)
    text = doc.text or ""
    for placeholder in ("<PERSON>", "<MRN>", "<DATE_TIME>", "<EMAIL_ADDRESS>", "<ZIP_CODE>"):
        assert placeholder in text
    assert "62704" not in text and "March 3" not in text
    assert doc.classification is Sensitivity.RESTRICTED
    assert doc.frameworks == ("hipaa",)


def test_hipaa_ignores_untagged_sources(engine_for: EngineFactory) -> None:
    """The stand-alone HIPAA policy leaves sources without the phi tag alone."""
    [result] = engine_for("hipaa").redact_text([samples.CLINICAL])
    assert result.text == samples.CLINICAL and result.frameworks == ()


def test_sox_leaves_text_unaltered(engine_for: EngineFactory) -> None:
    """Financial sources under SOX keep their text byte for byte, restricted, 7 years."""
    event = _event(samples.PAYMENT, ("financial",))
    outcome = engine_for("default").process([event])[0]
    doc = outcome.document
    assert doc is not None and doc.text == samples.PAYMENT
    assert doc.classification is Sensitivity.RESTRICTED
    assert doc.expires_at is not None and (doc.expires_at - event.occurred_at).days == 2557
    assert all(f.action == Action.KEEP.value for f in doc.findings)
    assert outcome.audit.content_sha256_before == outcome.audit.content_sha256_after


def test_ccpa_opt_out_drops_document(engine_for: EngineFactory, settings: object) -> None:
    """A california-tagged document naming an opted-out subject is dropped, and audited."""
    registry = InMemoryOptOutRegistry(subject_ids_for("unit-test-key", emails=[samples.EMAIL]))
    engine = engine_for("ccpa", opt_outs=registry)
    blocked, other = engine.process(
        [_event(samples.PAYMENT, ("california",)), _event("Call Mary Jones.", ("california",))]
    )
    assert blocked.decision is Decision.DROP and blocked.document is None
    assert blocked.audit.kind == "blocked" and blocked.audit.outcome == "dropped"
    assert other.decision is Decision.INDEX


def test_quarantine_action_blocks_document(engine_for: EngineFactory) -> None:
    """An entity whose action is quarantine keeps the document out of the index, reported."""
    from streams.compliance import ComplianceEngine, parse_policy

    policy = parse_policy(
        'id: q\nversion: "1"\nrules:\n  - framework: pci\n    applies_to: {all: true}\n'
        "    entities: {CREDIT_CARD: quarantine}\n"
    )
    base = engine_for("gdpr")
    engine = ComplianceEngine(base._settings, policy, detector=base._detector)
    [outcome] = engine.process([_event(samples.PAYMENT)])
    assert outcome.decision is Decision.QUARANTINE and outcome.document is None
    assert outcome.reason and "CREDIT_CARD" in outcome.reason
    assert outcome.audit.outcome == "quarantined"


def test_redact_text_offsets_point_into_original(engine_for: EngineFactory) -> None:
    """Findings of redact_text carry offsets into the original text, never values."""
    [result] = engine_for("gdpr").redact_text([samples.PAYMENT])
    spans = {samples.PAYMENT[f.start : f.end]: f for f in result.findings}
    assert spans[samples.CARD].entity_type == "CREDIT_CARD"
    assert spans[samples.IBAN].action is Action.REDACT
    assert spans[samples.EMAIL].action is Action.HASH


def test_subject_ids_match_dsr_helper(engine_for: EngineFactory) -> None:
    """Ingestion records the same subject ids the DSR helper computes from e-mail and name."""
    doc = engine_for("default").process([_event(samples.CLINICAL)])[0].document
    assert doc is not None
    wanted = subject_ids_for("unit-test-key", emails=[samples.EMAIL], names=[samples.NAME])
    assert set(wanted) <= set(doc.subject_ids)


def test_audit_has_counts_and_hashes_but_no_values(engine_for: EngineFactory) -> None:
    """The audit record holds policy, counts and content hashes, and no raw value."""
    outcome = engine_for("default").process([_event(samples.CLINICAL)])[0]
    audit = outcome.audit
    assert audit.policy_id == "default" and audit.policy_version == "1.1.0"
    assert audit.content_sha256_before == hashlib.sha256(samples.CLINICAL.encode()).hexdigest()
    assert audit.content_sha256_after != audit.content_sha256_before
    assert any(e.entity_type == "PERSON" for e in audit.entities)
    dumped = audit.model_dump_json() + (
        outcome.document.model_dump_json() if outcome.document else ""
    )
    for raw in samples.RAW_VALUES:
        assert raw not in dumped


def test_classification_from_hints_tags_and_findings(engine_for: EngineFactory) -> None:
    """Hints set the base level; tags and findings raise it, never lower it."""
    engine = engine_for("default")
    public, hinted, tagged, found = engine.process(
        [
            _event("The cafeteria opens at nine.", classification_hint="public"),
            _event("The cafeteria opens at nine.", classification_hint="Highly Confidential"),
            _event("The cafeteria opens at nine.", ("phi",), classification_hint="public"),
            _event(f"Customer SSN {samples.SSN}.", classification_hint="public"),
        ]
    )
    assert public.document and public.document.classification is Sensitivity.PUBLIC
    assert hinted.document and hinted.document.classification is Sensitivity.RESTRICTED
    assert tagged.document and tagged.document.classification is Sensitivity.RESTRICTED
    assert found.document and found.document.classification is Sensitivity.RESTRICTED


def test_delete_passes_through(engine_for: EngineFactory) -> None:
    """A delete becomes a CleanDocument with op=delete and a 'delete' audit record."""
    event = ChangeEvent(source_id="src", document_id="doc-1", op=Op.DELETE, version=9)
    [outcome] = engine_for("default").process([event])
    assert outcome.decision is Decision.DELETE
    assert outcome.document is not None and outcome.document.op is Op.DELETE
    assert outcome.document.text is None and outcome.document.version == 9
    assert outcome.audit.kind == "delete" and outcome.audit.doc_key == "src/doc-1"


def test_title_is_redacted_too(engine_for: EngineFactory) -> None:
    """PII in a document's title is treated like PII in its text."""
    doc = engine_for("hipaa").process([_event("x", ("phi",), title=f"Notes on {samples.NAME}")])[0]
    assert doc.document is not None and doc.document.title == "Notes on <PERSON>"
