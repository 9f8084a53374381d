"""The compliance stage as the stream runs it: the engine plus the subject registry.

Documents the policy blocks (drop, quarantine, an opted-out subject) and documents that
mention an erased subject are handed on as versioned deletes, so an earlier indexed version
of the same document is removed too; their audit records say why. A quarantined event is
also handed on raw, as received, for the restricted quarantine topic, where a reviewer can
release or drop it (``ragstream quarantine``); a released version (a ``release`` entry of the
registry) gets the policy's redact action instead of quarantine.

Deletes carry the document's identity after compliance (pseudonymous document id and URI
where the policy says so), so they meet the upserts of the same document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from infra.settings import ComplianceSettings
from schemas import AuditRecord, ChangeEvent, CleanDocument, Op
from streams.compliance.detector import Detector
from streams.compliance.engine import ComplianceEngine, ComplianceOutcome, Decision
from streams.compliance.policy_loader import load_policy
from streams.compliance.quarantine import quarantine_record
from streams.registry import RegistrySnapshot
from streams.stages import ComplianceOutcomeLike

EMPTY = RegistrySnapshot(frozenset(), frozenset())


class _LiveRegistry:
    """The engine's opt-out and release views of the snapshot taken for the current batch."""

    def __init__(self) -> None:
        self.snapshot = EMPTY

    def any_opted_out(self, subject_ids: Iterable[str]) -> bool:
        return self.snapshot.any_opted_out(subject_ids)

    def is_released(self, doc_key: str, version: int) -> bool:
        return self.snapshot.is_released(doc_key, version)


class PolicyComplianceStage:
    def __init__(
        self,
        settings: ComplianceSettings,
        registry: Callable[[], RegistrySnapshot] | None = None,
        worker: str | None = None,
        *,
        detector: Detector | None = None,
    ) -> None:
        self._settings = settings
        self._registry = registry or (lambda: EMPTY)
        self._live = _LiveRegistry()
        self._engine = ComplianceEngine(
            settings,
            load_policy(settings.policy, settings.policy_dir),
            opt_outs=self._live,
            releases=self._live,
            worker=worker,
            detector=detector,
        )

    def warm_up(self) -> None:
        self._engine.warm_up()

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcomeLike]:
        snapshot = self._registry()
        self._live.snapshot = snapshot
        outcomes = self._engine.process(events)
        return [
            _hand_on(event, outcome, snapshot)
            for event, outcome in zip(events, outcomes, strict=True)
        ]


def _hand_on(
    event: ChangeEvent, outcome: ComplianceOutcome, snapshot: RegistrySnapshot
) -> ComplianceOutcomeLike:
    doc = outcome.document
    if doc is not None and doc.op is Op.UPSERT:
        erased = snapshot.erased_among(doc.subject_ids)
        if erased:
            audit = outcome.audit.model_copy(
                update={
                    "kind": "blocked",
                    "outcome": "blocked",
                    "content_sha256_after": None,
                    "detail": {
                        **outcome.audit.detail,
                        "reason": "mentions an erased data subject; needs a new legal basis",
                        "erased_subjects": len(erased),
                    },
                }
            )
            return ComplianceOutcomeLike(_as_delete(event, outcome, doc.subject_ids), audit)
        return ComplianceOutcomeLike(doc, outcome.audit)
    if doc is not None:
        return ComplianceOutcomeLike(doc, outcome.audit)
    # Dropped or quarantined: remove whatever version of it is indexed.
    assert outcome.decision in (Decision.DROP, Decision.QUARANTINE)
    held = quarantine_record(event, outcome) if outcome.decision is Decision.QUARANTINE else None
    return ComplianceOutcomeLike(_as_delete(event, outcome, ()), outcome.audit, held)


def _as_delete(
    event: ChangeEvent, outcome: ComplianceOutcome, subject_ids: tuple[str, ...]
) -> CleanDocument:
    """A versioned delete of the document, under its identity after compliance."""
    ident = outcome.identity.applied_to(event) if outcome.identity is not None else event
    return CleanDocument.deletion_of(ident, subject_ids=subject_ids)


__all__ = ["AuditRecord", "PolicyComplianceStage"]
