"""Document sensitivity from source hints, compliance tags and findings."""

from __future__ import annotations

from collections.abc import Iterable

from schemas.document import Sensitivity
from streams.compliance.policy import ClassificationRules, strictest_sensitivity


def parse_hint(rules: ClassificationRules, hint: str | None) -> Sensitivity | None:
    """A source's classification hint as a Sensitivity (None when absent or unknown)."""
    if hint is None:
        return None
    key = " ".join(hint.replace("_", " ").replace("-", " ").split()).casefold()
    for level in Sensitivity:
        if key == level.value:
            return level
    return rules.hint_aliases.get(key)


def classify(
    rules: ClassificationRules,
    hint: str | None,
    tags: Iterable[str],
    entity_types: Iterable[str] = (),
    floor: Sensitivity | None = None,
) -> Sensitivity:
    """The most sensitive of: the hint (or the default), tag floors, entity floors, ``floor``.

    A hint can raise or lower the default; tags, findings and framework floors only raise.
    """
    base = parse_hint(rules, hint) or rules.default
    levels = [base]
    levels.extend(rules.tag_floors[t] for t in tags if t in rules.tag_floors)
    levels.extend(rules.entity_floors[e] for e in entity_types if e in rules.entity_floors)
    if floor is not None:
        levels.append(floor)
    return strictest_sensitivity(levels)
