"""The compliance stage's entry point: detect, classify, apply the policy, audit.

``ComplianceEngine.process`` is what the stream calls on a batch of ChangeEvents (off the
event loop: it is CPU-bound); ``redact_text`` runs the same path for bare texts (CLI).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from infra.settings import ComplianceSettings
from schemas.audit import AuditRecord, EntityCount
from schemas.change import ChangeEvent, Op
from schemas.document import CleanDocument, Sensitivity
from streams.compliance.classify import classify
from streams.compliance.detector import Detection, Detector, PresidioDetector
from streams.compliance.optout import InMemoryOptOutRegistry, OptOutRegistry
from streams.compliance.persons import PERSON, is_not_person, normalise_list
from streams.compliance.policy import Action, Policy, ResolvedPolicy
from streams.compliance.pseudonym import Pseudonymizer
from streams.compliance.transform import Finding, Rewriter, resolve


class Decision(StrEnum):
    """What becomes of a document."""

    INDEX = "index"
    DROP = "drop"
    QUARANTINE = "quarantine"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The policy applied to one text: ``text`` is None when the document is blocked."""

    text: str | None
    findings: tuple[Finding, ...]
    decision: Decision
    reason: str | None
    classification: Sensitivity
    frameworks: tuple[str, ...]
    subject_ids: tuple[str, ...]
    preserved: bool

    @property
    def entity_counts(self) -> tuple[EntityCount, ...]:
        """Findings per (entity type, action), sorted; never values."""
        counts = Counter((f.entity_type, f.action.value) for f in self.findings)
        return tuple(
            EntityCount(entity_type=et, count=n, action=action)
            for (et, action), n in sorted(counts.items())
        )


@dataclass(frozen=True, slots=True)
class ComplianceOutcome:
    """One event after compliance: a document to publish (index or delete) or a block."""

    event_id: str
    doc_key: str
    decision: Decision
    document: CleanDocument | None
    audit: AuditRecord
    reason: str | None = None

    @property
    def indexable(self) -> bool:
        return self.document is not None


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ComplianceEngine:
    """Applies one policy. Light constructor; ``warm_up()`` loads the NLP model."""

    def __init__(
        self,
        settings: ComplianceSettings,
        policy: Policy,
        *,
        detector: Detector | None = None,
        opt_outs: OptOutRegistry | None = None,
        worker: str | None = None,
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._detector = detector or PresidioDetector(settings.spacy_model, settings.batch_size)
        self._opt_outs = opt_outs if opt_outs is not None else InMemoryOptOutRegistry()
        self._pseudonymizer = Pseudonymizer(settings.hmac_key)
        self._rewriter = Rewriter(self._pseudonymizer, policy.mask_char, policy.mask_keep_last)
        self._worker = worker
        self._not_person = normalise_list(policy.not_person)

    @property
    def policy(self) -> Policy:
        return self._policy

    def warm_up(self) -> None:
        """Load heavy resources (spaCy model, recognisers); idempotent."""
        self._detector.warm_up()

    def redact_text(
        self,
        texts: Sequence[str],
        *,
        source_id: str = "adhoc",
        tags: Sequence[str] = (),
        classification_hint: str | None = None,
    ) -> list[RedactionResult]:
        """Apply the policy to bare texts, as if they came from ``source_id`` with ``tags``."""
        detections = self._detector.detect(texts)
        return [
            self._evaluate(text, dets, source_id, tuple(tags), classification_hint)
            for text, dets in zip(texts, detections, strict=True)
        ]

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcome]:
        """One outcome per event, in order; upserts are analysed as one batch."""
        upserts = [e for e in events if e.op is Op.UPSERT]
        titled = [e for e in upserts if e.title]
        detections = self._detector.detect(
            [e.content or "" for e in upserts] + [e.title or "" for e in titled]
        )
        by_event = dict(zip((e.event_id for e in upserts), detections, strict=False))
        by_title = dict(zip((e.event_id for e in titled), detections[len(upserts) :], strict=True))
        outcomes = []
        for event in events:
            if event.op is Op.DELETE:
                outcomes.append(self._delete(event))
            else:
                outcomes.append(
                    self._upsert(event, by_event[event.event_id], by_title.get(event.event_id))
                )
        return outcomes

    # -- internals ---------------------------------------------------------------------

    def _resolve(self, source_id: str, tags: tuple[str, ...], hint: str | None) -> ResolvedPolicy:
        base = classify(self._policy.classification, hint, tags)
        return self._policy.resolve(source_id, tags, base)

    def _evaluate(
        self,
        text: str,
        detections: Sequence[Detection],
        source_id: str,
        tags: tuple[str, ...],
        hint: str | None,
    ) -> RedactionResult:
        resolved = self._resolve(source_id, tags, hint)
        kept = [
            d
            for d in detections
            if d.score >= self._policy.min_score
            and not (
                self._not_person
                and d.entity_type == PERSON
                and is_not_person(text[d.start : d.end], self._not_person)
            )
        ]
        findings = tuple(resolve(kept, resolved.action_for))
        subject_ids = self._subject_ids(text, kept)
        classification = classify(
            self._policy.classification,
            hint,
            tags,
            {d.entity_type for d in kept},
            resolved.classification_floor,
        )
        decision, reason = self._decide(findings, resolved, subject_ids)
        if decision is not Decision.INDEX:
            out_text = None
        elif resolved.preserve_text:
            out_text = text
        else:
            out_text = self._rewriter.rewrite(text, findings)
        return RedactionResult(
            text=out_text,
            findings=findings,
            decision=decision,
            reason=reason,
            classification=classification,
            frameworks=resolved.frameworks,
            subject_ids=subject_ids,
            preserved=resolved.preserve_text,
        )

    def _subject_ids(self, text: str, detections: Sequence[Detection]) -> tuple[str, ...]:
        ids = {
            sid
            for d in detections
            if (
                sid := self._pseudonymizer.subject_id_for_entity(
                    d.entity_type, text[d.start : d.end]
                )
            )
            is not None
        }
        return tuple(sorted(ids))

    def _decide(
        self, findings: Sequence[Finding], resolved: ResolvedPolicy, subject_ids: Sequence[str]
    ) -> tuple[Decision, str | None]:
        quarantined = sorted({f.entity_type for f in findings if f.action is Action.QUARANTINE})
        if quarantined:
            return (
                Decision.QUARANTINE,
                f"policy quarantines documents with {', '.join(quarantined)}",
            )
        if resolved.honour_opt_out and self._opt_outs.any_opted_out(subject_ids):
            return Decision.DROP, "a data subject of this document opted out (CCPA)"
        dropped = sorted({f.entity_type for f in findings if f.action is Action.DROP})
        if dropped:
            return Decision.DROP, f"policy drops documents with {', '.join(dropped)}"
        return Decision.INDEX, None

    def _upsert(
        self,
        event: ChangeEvent,
        detections: Sequence[Detection],
        title_detections: Sequence[Detection] | None,
    ) -> ComplianceOutcome:
        content = event.content or ""
        result = self._evaluate(
            content, detections, event.source_id, event.tags, event.classification_hint
        )
        title = event.title
        if title and title_detections is not None:
            title = self._evaluate(
                title, title_detections, event.source_id, event.tags, event.classification_hint
            ).text
        resolved = self._resolve(event.source_id, event.tags, event.classification_hint)
        metadata, removed = _minimise(event.metadata, resolved.metadata_allowlist)
        retention = resolved.retention
        expires_at: datetime | None = event.occurred_at + retention if retention else None
        document = None
        if result.text is not None:
            document = CleanDocument(
                event_id=event.event_id,
                source_id=event.source_id,
                document_id=event.document_id,
                op=Op.UPSERT,
                version=event.version,
                occurred_at=event.occurred_at,
                text=result.text,
                content_type=event.content_type,
                title=title,
                uri=event.uri,
                metadata=metadata,
                acl=event.acl,
                classification=result.classification,
                tags=event.tags,
                policy_id=self._policy.id,
                policy_version=self._policy.version,
                frameworks=result.frameworks,
                findings=result.entity_counts,
                subject_ids=result.subject_ids,
                expires_at=expires_at,
            )
        detail: dict[str, int | str] = {
            "metadata_keys_removed": removed,
            "classification": result.classification.value,
            "text_preserved": "true" if result.preserved else "false",
        }
        if result.reason is not None:
            detail["reason"] = result.reason
        audit = AuditRecord(
            kind="ingest" if document is not None else "blocked",
            event_id=event.event_id,
            doc_key=event.key,
            version=event.version,
            policy_id=self._policy.id,
            policy_version=self._policy.version,
            frameworks=result.frameworks,
            entities=result.entity_counts,
            outcome={
                Decision.INDEX: "indexed",
                Decision.DROP: "dropped",
                Decision.QUARANTINE: "quarantined",
            }[result.decision],
            content_sha256_before=sha256_hex(content),
            content_sha256_after=sha256_hex(result.text) if result.text is not None else None,
            subject_ids=result.subject_ids,
            detail=detail,
            worker=self._worker,
        )
        return ComplianceOutcome(
            event_id=event.event_id,
            doc_key=event.key,
            decision=result.decision,
            document=document,
            audit=audit,
            reason=result.reason,
        )

    def _delete(self, event: ChangeEvent) -> ComplianceOutcome:
        resolved = self._resolve(event.source_id, event.tags, event.classification_hint)
        classification = classify(
            self._policy.classification,
            event.classification_hint,
            event.tags,
            floor=resolved.classification_floor,
        )
        document = CleanDocument.deletion_of(
            event,
            classification=classification,
            policy_id=self._policy.id,
            policy_version=self._policy.version,
            frameworks=resolved.frameworks,
        )
        audit = AuditRecord(
            kind="delete",
            event_id=event.event_id,
            doc_key=event.key,
            version=event.version,
            policy_id=self._policy.id,
            policy_version=self._policy.version,
            frameworks=resolved.frameworks,
            outcome="deleted",
            worker=self._worker,
        )
        return ComplianceOutcome(
            event_id=event.event_id,
            doc_key=event.key,
            decision=Decision.DELETE,
            document=document,
            audit=audit,
        )


def _minimise(
    metadata: dict[str, str], allowlist: frozenset[str] | None
) -> tuple[dict[str, str], int]:
    """Metadata restricted to the allowlist, and how many keys were removed."""
    if allowlist is None:
        return dict(metadata), 0
    kept = {k: v for k, v in metadata.items() if k in allowlist}
    return kept, len(metadata) - len(kept)
