"""Compliance policies as data: pydantic models for the YAML files in ``policies/``.

A policy is a list of framework rules. A rule applies to a document when its selector
matches the document's source, tags or (hint-based) classification. When several rules
apply, the strictest action per entity type wins (keep < mask < hash < redact < drop <
quarantine); a rule with ``preserve_text`` (SOX) keeps the text unaltered, while drop and
quarantine still block indexing; legal minimum retentions (``retention_is_minimum``)
override maximum retentions (a legal obligation outranks storage limitation, GDPR
Art. 17(3)(b)); metadata allowlists intersect; classification floors take the maximum;
``pseudonymize_ids`` of any applicable rule turns identifying segments of document ids and
URIs into keyed pseudonyms (see ``doc_ids.py``).

``default_acl`` is the ACL of documents whose source records none: without it such documents
are readable by every caller of ``ragstream query``. The shipped policies give them the group
``internal``, so only callers in that group see them (``ragstream query --group internal``,
or a token whose backend roles hold ``internal``). To change it, copy a shipped policy into
``compliance.policy_dir`` and edit ``default_acl`` (``{groups: [all-staff]}``, or
``{users: [...], groups: [...]}``); leave it out to keep ACL-less documents public. It
applies when documents are (re)ingested: re-publish a source to change indexed documents.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from schemas.document import Sensitivity
from streams.compliance.entities import KNOWN_ENTITIES


class Action(StrEnum):
    """What happens to a detected entity (or, for drop/quarantine, to its document)."""

    KEEP = "keep"
    MASK = "mask"
    HASH = "hash"
    REDACT = "redact"
    DROP = "drop"
    QUARANTINE = "quarantine"

    @property
    def strictness(self) -> int:
        return _ACTION_ORDER.index(self)

    @property
    def blocks_document(self) -> bool:
        return self in (Action.DROP, Action.QUARANTINE)


_ACTION_ORDER = (
    Action.KEEP,
    Action.MASK,
    Action.HASH,
    Action.REDACT,
    Action.DROP,
    Action.QUARANTINE,
)
_SENSITIVITY_ORDER = (
    Sensitivity.PUBLIC,
    Sensitivity.INTERNAL,
    Sensitivity.CONFIDENTIAL,
    Sensitivity.RESTRICTED,
)


def sensitivity_rank(value: Sensitivity) -> int:
    """Position of ``value`` from public (0) to restricted (3)."""
    return _SENSITIVITY_ORDER.index(value)


def strictest_sensitivity(values: Iterable[Sensitivity]) -> Sensitivity:
    """The most sensitive of ``values`` (public when empty)."""
    return max(values, key=sensitivity_rank, default=Sensitivity.PUBLIC)


def _known_entity(name: str) -> str:
    if name not in KNOWN_ENTITIES:
        raise ValueError(
            f"unknown entity type {name!r}; known: {', '.join(sorted(KNOWN_ENTITIES))}"
        )
    return name


EntityType = Annotated[str, AfterValidator(_known_entity)]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Principal = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^\S(.*\S)?$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(_Strict):
    """Which documents a rule applies to: all, or any matching source glob, tag or class."""

    all: bool = False
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    classifications: tuple[Sensitivity, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> Selector:
        if not (self.all or self.sources or self.tags or self.classifications):
            raise ValueError(
                "applies_to needs `all: true` or at least one of sources, tags, classifications"
            )
        return self

    def matches(self, source_id: str, tags: Iterable[str], classification: Sensitivity) -> bool:
        if self.all:
            return True
        if any(fnmatch.fnmatchcase(source_id, glob) for glob in self.sources):
            return True
        if set(self.tags) & set(tags):
            return True
        return classification in self.classifications


class FrameworkRule(_Strict):
    """One framework's requirements for the documents its selector matches."""

    framework: Name
    applies_to: Selector
    entities: dict[EntityType, Action] = Field(default_factory=dict)
    default_action: Action | None = Field(
        default=None, description="for detected entity types not listed; none = no opinion"
    )
    preserve_text: bool = False
    honour_opt_out: bool = False
    pseudonymize_ids: bool = Field(
        default=False,
        description="identifying segments of document ids and URIs become keyed pseudonyms",
    )
    metadata_allowlist: tuple[str, ...] | None = None
    retention: timedelta | None = None
    retention_is_minimum: bool = False
    classification_floor: Sensitivity | None = None

    @model_validator(mode="after")
    def _retention_positive(self) -> FrameworkRule:
        if self.retention is not None and self.retention <= timedelta(0):
            raise ValueError("retention must be a positive duration")
        if self.retention_is_minimum and self.retention is None:
            raise ValueError("retention_is_minimum needs a retention")
        return self


class DefaultAcl(_Strict):
    """The ACL given to documents whose source records none (at least one user or group)."""

    users: tuple[Principal, ...] = ()
    groups: tuple[Principal, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> DefaultAcl:
        if not (self.users or self.groups):
            raise ValueError(
                "default_acl needs at least one user or group (leave default_acl out to keep "
                "documents without an ACL readable by everyone)"
            )
        return self


class ClassificationRules(_Strict):
    """How a document's sensitivity is derived from hints, tags and findings."""

    default: Sensitivity = Sensitivity.INTERNAL
    hint_aliases: dict[str, Sensitivity] = Field(default_factory=dict)
    tag_floors: dict[str, Sensitivity] = Field(default_factory=dict)
    entity_floors: dict[EntityType, Sensitivity] = Field(default_factory=dict)


class Policy(_Strict):
    """A versioned compliance policy."""

    id: Name
    version: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.+-]+$")]
    description: str = ""
    min_score: float = Field(default=0.4, ge=0.0, le=1.0)
    default_action: Action = Action.REDACT
    mask_char: str = Field(default="*", min_length=1, max_length=1)
    mask_keep_last: int = Field(default=4, ge=0, le=8)
    not_person: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = Field(
        default=(),
        description="product/technology words or phrases never taken for a PERSON, on top "
        "of persons.NOT_PERSON (case-insensitive; a finding containing one is dropped)",
    )
    classification: ClassificationRules = ClassificationRules()
    default_acl: DefaultAcl | None = Field(
        default=None, description="ACL of documents whose source records none (None: public)"
    )
    rules: tuple[FrameworkRule, ...] = Field(min_length=1)

    def resolve(
        self, source_id: str, tags: Iterable[str], classification: Sensitivity
    ) -> ResolvedPolicy:
        """The combined requirements of every rule that applies to one document."""
        tag_set = tuple(tags)
        rules = tuple(
            r for r in self.rules if r.applies_to.matches(source_id, tag_set, classification)
        )
        return ResolvedPolicy(policy=self, rules=rules)


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    """The rules of a policy that apply to one document, combined."""

    policy: Policy
    rules: tuple[FrameworkRule, ...]

    @property
    def frameworks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.framework for r in self.rules))

    @property
    def preserve_text(self) -> bool:
        return any(r.preserve_text for r in self.rules)

    @property
    def honour_opt_out(self) -> bool:
        return any(r.honour_opt_out for r in self.rules)

    @property
    def pseudonymize_ids(self) -> bool:
        return any(r.pseudonymize_ids for r in self.rules)

    def action_for(self, entity_type: str) -> Action:
        """The strictest action the applicable rules ask for (policy default if none)."""
        wanted = [
            action
            for rule in self.rules
            if (action := rule.entities.get(entity_type, rule.default_action)) is not None
        ]
        action = max(wanted, key=lambda a: a.strictness, default=self.policy.default_action)
        if self.preserve_text and not action.blocks_document:
            return Action.KEEP
        return action

    @property
    def metadata_allowlist(self) -> frozenset[str] | None:
        """Metadata keys that may be kept (None: no minimisation rule applies)."""
        lists = [
            frozenset(r.metadata_allowlist) for r in self.rules if r.metadata_allowlist is not None
        ]
        if not lists:
            return None
        return frozenset.intersection(*lists)

    @property
    def retention(self) -> timedelta | None:
        """Legal minimum retentions win (the longest); otherwise the shortest maximum."""
        minimums = [
            r.retention for r in self.rules if r.retention is not None and r.retention_is_minimum
        ]
        if minimums:
            return max(minimums)
        maximums = [r.retention for r in self.rules if r.retention is not None]
        return min(maximums, default=None)

    @property
    def classification_floor(self) -> Sensitivity | None:
        floors = [r.classification_floor for r in self.rules if r.classification_floor is not None]
        return strictest_sensitivity(floors) if floors else None
