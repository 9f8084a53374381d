"""Quarantine releases as the engine sees them, and the record a quarantined event becomes.

A document the policy quarantines is handed on as a versioned delete (nothing of it is
indexed) and, raw as received, as a :class:`schemas.QuarantineRecord` for the restricted
quarantine topic. A reviewer may release one version (``ragstream quarantine release``): the
release is an entry of the subject registry (``<doc key>@<version>``, the key after
compliance), the raw event is published again, and the engine applies the policy's redact
action instead of quarantine to exactly that version.
"""

from __future__ import annotations

from schemas import ChangeEvent, QuarantineRecord
from streams.compliance.engine import ComplianceOutcome
from streams.compliance.optout import InMemoryReleases, ReleaseRegistry

__all__ = ["InMemoryReleases", "ReleaseRegistry", "quarantine_record"]


def quarantine_record(event: ChangeEvent, outcome: ComplianceOutcome) -> QuarantineRecord:
    """The quarantine-topic record of a quarantined event (the event itself, unchanged)."""
    audit = outcome.audit
    return QuarantineRecord(
        audit_id=audit.audit_id,
        doc_key=outcome.doc_key,
        version=event.version,
        reason=(outcome.reason or "quarantined by the policy")[:2000],
        policy_id=audit.policy_id or "",
        policy_version=audit.policy_version or "",
        frameworks=audit.frameworks,
        event=event,
    )
