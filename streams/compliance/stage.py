"""The compliance stage as the stream runs it: the engine plus the subject registry.

Documents the policy blocks (drop, quarantine, an opted-out subject) and documents that
mention an erased subject are handed on as versioned deletes, so an earlier indexed version
of the same document is removed too; their audit records say why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from infra.settings import ComplianceSettings
from schemas import AuditRecord, ChangeEvent, CleanDocument, Op
from streams.compliance.engine import ComplianceEngine, ComplianceOutcome, Decision
from streams.compliance.policy_loader import load_policy
from streams.registry import RegistrySnapshot
from streams.stages import ComplianceOutcomeLike

EMPTY = RegistrySnapshot(frozenset(), frozenset())


class _LiveOptOuts:
    """The engine's opt-out view of the registry snapshot taken for the current batch."""

    def __init__(self) -> None:
        self.snapshot = EMPTY

    def any_opted_out(self, subject_ids: Iterable[str]) -> bool:
        return self.snapshot.any_opted_out(subject_ids)


class PolicyComplianceStage:
    def __init__(
        self,
        settings: ComplianceSettings,
        registry: Callable[[], RegistrySnapshot] | None = None,
        worker: str | None = None,
    ) -> None:
        self._settings = settings
        self._registry = registry or (lambda: EMPTY)
        self._opt_outs = _LiveOptOuts()
        self._engine = ComplianceEngine(
            settings,
            load_policy(settings.policy, settings.policy_dir),
            opt_outs=self._opt_outs,
            worker=worker,
        )

    def warm_up(self) -> None:
        self._engine.warm_up()

    def process(self, events: Sequence[ChangeEvent]) -> list[ComplianceOutcomeLike]:
        snapshot = self._registry()
        self._opt_outs.snapshot = snapshot
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
            return ComplianceOutcomeLike(_as_delete(event, doc.subject_ids), audit)
        return ComplianceOutcomeLike(doc, outcome.audit)
    if doc is not None:
        return ComplianceOutcomeLike(doc, outcome.audit)
    # Dropped or quarantined: remove whatever version of it is indexed.
    assert outcome.decision in (Decision.DROP, Decision.QUARANTINE)
    return ComplianceOutcomeLike(_as_delete(event, ()), outcome.audit)


def _as_delete(event: ChangeEvent, subject_ids: tuple[str, ...]) -> CleanDocument:
    return CleanDocument.deletion_of(event, subject_ids=subject_ids)


__all__ = ["AuditRecord", "PolicyComplianceStage"]
