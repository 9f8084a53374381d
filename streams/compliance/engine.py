"""The compliance stage's entry point: detect, classify, apply the policy, audit.

``ComplianceEngine.process`` is what the stream calls on a batch of ChangeEvents (off the
event loop: it is CPU-bound); ``redact_text`` runs the same path for bare texts (CLI).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from infra.settings import ComplianceSettings
from schemas.audit import AuditRecord, EntityCount
from schemas.change import Acl, ChangeEvent, Op
from schemas.document import CleanDocument, Sensitivity
from schemas.keys import document_key
from streams.compliance.classify import classify
from streams.compliance.detector import Detection, Detector, PresidioDetector
from streams.compliance.doc_ids import (
    DocumentIdentity,
    analysed_from,
    detection_texts,
    id_findings,
    joined,
    rebuild_uri,
    rewrite_with,
    uri_prefix,
    uri_text,
)
from streams.compliance.optout import (
    InMemoryOptOutRegistry,
    InMemoryReleases,
    OptOutRegistry,
    ReleaseRegistry,
)
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
    identity: DocumentIdentity | None = None
    """Document id, URI and ACL after compliance (None: the event's own)."""

    @property
    def indexable(self) -> bool:
        return self.document is not None


_PREFIX_CACHE_SIZE = 1024  # detections of URI prefixes (a source's root), reused


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
        releases: ReleaseRegistry | None = None,
        worker: str | None = None,
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._detector = detector or PresidioDetector(settings.spacy_model, settings.batch_size)
        self._opt_outs = opt_outs if opt_outs is not None else InMemoryOptOutRegistry()
        self._releases = releases if releases is not None else InMemoryReleases()
        self._prefix_cache: dict[str, list[Detection]] = {}
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
        """One outcome per event, in order; every text of the batch is analysed at once:
        contents and titles of upserts, URIs and (where the policy pseudonymises ids, or a
        URI ends with it) document ids of every event. A URI that ends with the document id
        is analysed as its prefix (the source's root, cached) plus the id."""
        texts: list[str] = []
        fresh: dict[int, str] = {}  # text index -> prefix to cache once analysed

        def slot(values: Sequence[str], cache: bool = False) -> list[int | str]:
            refs: list[int | str] = []
            for value in values:
                if cache and value in self._prefix_cache:
                    refs.append(value)
                    continue
                texts.append(value)
                refs.append(len(texts) - 1)
                if cache:
                    fresh[len(texts) - 1] = value
            return refs

        plans = []
        for event in events:
            resolved = self._resolve(event.source_id, event.tags, event.classification_hint)
            slots: dict[str, list[int | str]] = {}
            if event.op is Op.UPSERT:
                slots["content"] = slot([event.content or ""])
                if event.title:
                    slots["title"] = slot([event.title])
            want_id = resolved.pseudonymize_ids
            if event.uri:
                text = uri_text(event.uri)
                prefix = uri_prefix(text, event.document_id)
                if prefix is None:
                    slots["uri"] = slot(detection_texts(text, analysed_from(text)))
                else:
                    slots["uri_prefix"] = slot(
                        detection_texts(prefix, analysed_from(prefix)), cache=True
                    )
                    want_id = True
            if want_id:
                slots["id"] = slot(detection_texts(event.document_id))
            plans.append((event, resolved, slots))
        detections = self._detector.detect(texts) if texts else []
        for index, prefix_text in fresh.items():
            if len(self._prefix_cache) >= _PREFIX_CACHE_SIZE:
                self._prefix_cache.pop(next(iter(self._prefix_cache)))
            self._prefix_cache[prefix_text] = detections[index]
        outcomes = []
        for event, resolved, slots in plans:
            found = {
                name: [detections[r] if isinstance(r, int) else self._prefix_cache[r] for r in refs]
                for name, refs in slots.items()
            }
            identity = self._identity(event, resolved, found)
            if event.op is Op.DELETE:
                outcomes.append(self._delete(event, resolved, identity))
            else:
                outcomes.append(self._upsert(event, resolved, identity, found))
        return outcomes

    # -- internals ---------------------------------------------------------------------

    def _resolve(self, source_id: str, tags: tuple[str, ...], hint: str | None) -> ResolvedPolicy:
        base = classify(self._policy.classification, hint, tags)
        return self._policy.resolve(source_id, tags, base)

    def _keep(self, text: str, d: Detection) -> bool:
        """Whether a detection counts: confident enough and not a word never a person."""
        return d.score >= self._policy.min_score and not (
            self._not_person
            and d.entity_type == PERSON
            and is_not_person(text[d.start : d.end], self._not_person)
        )

    def _evaluate(
        self,
        text: str,
        detections: Sequence[Detection],
        source_id: str,
        tags: tuple[str, ...],
        hint: str | None,
        *,
        resolved: ResolvedPolicy | None = None,
        released: bool = False,
        also: _Identified | None = None,
    ) -> RedactionResult:
        """The policy applied to one text. ``released``: quarantine becomes redact (a
        reviewer released this document version); ``also``: findings and subject ids of the
        document's title, id and URI, which count for the decision and the subjects."""
        resolved = resolved or self._resolve(source_id, tags, hint)
        action_for = _released_actions(resolved) if released else resolved.action_for
        kept = [d for d in detections if self._keep(text, d)]
        findings = tuple(resolve(kept, action_for))
        subject_ids = self._subject_ids(text, kept)
        entity_types = {d.entity_type for d in kept}
        decisive: tuple[Finding, ...] = findings
        if also is not None:
            subject_ids = tuple(sorted({*subject_ids, *also.subject_ids}))
            decisive = (*findings, *also.findings)
            entity_types |= {f.entity_type for f in also.findings}
        classification = classify(
            self._policy.classification,
            hint,
            tags,
            entity_types,
            resolved.classification_floor,
        )
        decision, reason = self._decide(decisive, resolved, subject_ids)
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

    def _identity(
        self,
        event: ChangeEvent,
        resolved: ResolvedPolicy,
        found: dict[str, list[list[Detection]]],
    ) -> _Identified:
        """Document id, URI and ACL after compliance, with the findings in id and URI."""
        pseudonymize = resolved.pseudonymize_ids
        findings: list[Finding] = []
        subject_ids: set[str] = set()
        document_id = event.document_id
        id_found: list[Finding] = []
        if "id" in found:
            id_found = id_findings(document_id, found["id"], resolved.action_for, self._keep)
        if pseudonymize:
            findings += id_found
            subject_ids |= self._id_subjects(document_id, id_found)
            document_id = rewrite_with(document_id, id_found, self._id_token(document_id))
        uri = event.uri
        if uri is not None and ("uri" in found or "uri_prefix" in found):
            text = uri_text(uri)
            if "uri" in found:
                uri_dets = found["uri"]
            else:
                prefix_len = len(text) - len(event.document_id)
                uri_dets = joined(found["uri_prefix"], found["id"], prefix_len)
            uri_found = id_findings(
                text, uri_dets, resolved.action_for, self._keep, analysed_from(text)
            )
            findings += uri_found
            subject_ids |= self._id_subjects(text, uri_found)
            if pseudonymize:
                rewritten = rewrite_with(text, uri_found, self._id_token(text))
            elif resolved.preserve_text:
                rewritten = text
            else:
                rewritten = self._rewriter.rewrite(text, uri_found)
            uri = rebuild_uri(uri, rewritten)
        acl, defaulted = event.acl, False
        default = self._policy.default_acl
        if default is not None and not (event.acl.users or event.acl.groups):
            acl, defaulted = Acl(users=default.users, groups=default.groups), True
        return _Identified(
            DocumentIdentity(document_id, uri, acl),
            tuple(findings),
            tuple(sorted(subject_ids)),
            pseudonymised=len(findings) if pseudonymize else 0,
            default_acl=defaulted,
        )

    def _id_token(self, value: str) -> Callable[[Finding], str]:
        return lambda f: self._pseudonymizer.id_token(f.entity_type, value[f.start : f.end])

    def _id_subjects(self, value: str, findings: Sequence[Finding]) -> set[str]:
        return {
            sid
            for f in findings
            if (
                sid := self._pseudonymizer.subject_id_for_entity(
                    f.entity_type, value[f.start : f.end]
                )
            )
            is not None
        }

    def _upsert(
        self,
        event: ChangeEvent,
        resolved: ResolvedPolicy,
        ident: _Identified,
        found: dict[str, list[list[Detection]]],
    ) -> ComplianceOutcome:
        identity = ident.identity
        doc_key = document_key(event.source_id, identity.document_id)
        released = self._releases.is_released(doc_key, event.version)
        content = event.content or ""
        title = event.title
        title_result = None
        if title and "title" in found:
            title_result = self._evaluate(
                title,
                found["title"][0],
                event.source_id,
                event.tags,
                event.classification_hint,
                resolved=resolved,
                released=released,
            )
            title = title_result.text
        also = ident
        if title_result is not None:
            also = dataclasses.replace(
                ident,
                findings=(*ident.findings, *title_result.findings),
                subject_ids=(*ident.subject_ids, *title_result.subject_ids),
            )
        if released:
            also = dataclasses.replace(also, findings=_as_released(also.findings))
        result = self._evaluate(
            content,
            found["content"][0],
            event.source_id,
            event.tags,
            event.classification_hint,
            resolved=resolved,
            released=released,
            also=also,
        )
        metadata, removed = _minimise(event.metadata, resolved.metadata_allowlist)
        retention = resolved.retention
        expires_at: datetime | None = event.occurred_at + retention if retention else None
        document = None
        if result.text is not None:
            document = CleanDocument(
                event_id=event.event_id,
                source_id=event.source_id,
                document_id=identity.document_id,
                op=Op.UPSERT,
                version=event.version,
                occurred_at=event.occurred_at,
                text=result.text,
                content_type=event.content_type,
                title=title,
                uri=identity.uri,
                metadata=metadata,
                acl=identity.acl,
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
            **ident.detail,
        }
        if released:
            detail["quarantine_released"] = "true"
        if result.reason is not None:
            detail["reason"] = result.reason
        audit = AuditRecord(
            kind="ingest" if document is not None else "blocked",
            event_id=event.event_id,
            doc_key=doc_key,
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
            doc_key=doc_key,
            decision=result.decision,
            document=document,
            audit=audit,
            reason=result.reason,
            identity=identity,
        )

    def _delete(
        self, event: ChangeEvent, resolved: ResolvedPolicy, ident: _Identified
    ) -> ComplianceOutcome:
        identity = ident.identity
        classification = classify(
            self._policy.classification,
            event.classification_hint,
            event.tags,
            floor=resolved.classification_floor,
        )
        document = CleanDocument.deletion_of(
            identity.applied_to(event),
            classification=classification,
            policy_id=self._policy.id,
            policy_version=self._policy.version,
            frameworks=resolved.frameworks,
        )
        audit = AuditRecord(
            kind="delete",
            event_id=event.event_id,
            doc_key=document.key,
            version=event.version,
            policy_id=self._policy.id,
            policy_version=self._policy.version,
            frameworks=resolved.frameworks,
            outcome="deleted",
            detail=ident.detail,
            worker=self._worker,
        )
        return ComplianceOutcome(
            event_id=event.event_id,
            doc_key=document.key,
            decision=Decision.DELETE,
            document=document,
            audit=audit,
            identity=identity,
        )


@dataclass(frozen=True, slots=True)
class _Identified:
    """A document's identity after compliance and what was found in its id, URI (and title)."""

    identity: DocumentIdentity
    findings: tuple[Finding, ...]
    subject_ids: tuple[str, ...]
    pseudonymised: int = 0
    default_acl: bool = False

    @property
    def detail(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {}
        if self.pseudonymised:
            out["id_segments_pseudonymised"] = self.pseudonymised
        if self.default_acl:
            out["acl"] = "policy default"
        return out


def _released_actions(resolved: ResolvedPolicy) -> Callable[[str], Action]:
    """The policy's actions for a released document version: quarantine becomes redact."""

    def action_for(entity_type: str) -> Action:
        action = resolved.action_for(entity_type)
        return Action.REDACT if action is Action.QUARANTINE else action

    return action_for


def _as_released(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(
        dataclasses.replace(f, action=Action.REDACT) if f.action is Action.QUARANTINE else f
        for f in findings
    )


def _minimise(
    metadata: dict[str, str], allowlist: frozenset[str] | None
) -> tuple[dict[str, str], int]:
    """Metadata restricted to the allowlist, and how many keys were removed."""
    if allowlist is None:
        return dict(metadata), 0
    kept = {k: v for k, v in metadata.items() if k in allowlist}
    return kept, len(metadata) - len(kept)
