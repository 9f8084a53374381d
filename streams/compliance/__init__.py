"""Compliance stage: PII detection, classification, policy enforcement and audit."""

from streams.compliance.detector import (
    Detection,
    Detector,
    ModelNotInstalledError,
    PresidioDetector,
)
from streams.compliance.engine import (
    ComplianceEngine,
    ComplianceOutcome,
    Decision,
    RedactionResult,
)
from streams.compliance.optout import (
    InMemoryOptOutRegistry,
    InMemoryReleases,
    OptOutRegistry,
    ReleaseRegistry,
)
from streams.compliance.policy import Action, Policy
from streams.compliance.policy_loader import (
    PolicyError,
    PolicyProblem,
    load_policy,
    parse_policy,
    shipped_policies,
)
from streams.compliance.pseudonym import Pseudonymizer, SubjectKind, subject_ids_for
from streams.compliance.transform import Finding

__all__ = [
    "Action",
    "ComplianceEngine",
    "ComplianceOutcome",
    "Decision",
    "Detection",
    "Detector",
    "Finding",
    "InMemoryOptOutRegistry",
    "InMemoryReleases",
    "ModelNotInstalledError",
    "OptOutRegistry",
    "Policy",
    "PolicyError",
    "PolicyProblem",
    "PresidioDetector",
    "Pseudonymizer",
    "RedactionResult",
    "ReleaseRegistry",
    "SubjectKind",
    "load_policy",
    "parse_policy",
    "shipped_policies",
    "subject_ids_for",
]
