"""How a database row becomes a document: shared by the SQL source and Debezium translation.

A :class:`RowMapping` names the id column(s), a text template over the columns (``str.format``
syntax restricted to plain column names: ``{title}``, ``{amount:.2f}``, ``{{`` for a brace),
optional title and URI templates, ACL columns (users, groups: comma-separated text or
arrays), classification and tag columns, and metadata columns. :meth:`RowMapping.to_document`
is pure: a row mapping in, a :class:`RowDocument` out, or :class:`RowMappingError` for a row
that cannot become a document (a missing column, an empty id).
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.change import Acl, ChangeEvent, Op
from schemas.keys import stable_hash


class RowMappingError(ValueError):
    """A row that cannot become a document; the message names columns, never values."""


class TemplateError(ValueError):
    """A template that is not a plain ``{column}`` / ``{column:spec}`` template."""


_FORMATTER = string.Formatter()


def template_columns(template: str) -> tuple[str, ...]:
    """The column names a template uses, in order; raises :class:`TemplateError` for
    positional fields, attribute or index access and conversions (``!r``)."""
    columns: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(f"bad template {template!r}: {exc}") from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or name.isdigit():
            raise TemplateError(f"template {template!r}: use column names, not {{{name}}}")
        if any(ch in name for ch in ".[]"):
            raise TemplateError(f"template {template!r}: no attribute or index access in {name!r}")
        if conversion:
            raise TemplateError(f"template {template!r}: no conversions (!{conversion})")
        if spec and "{" in spec:
            raise TemplateError(f"template {template!r}: no nested fields in format specs")
        columns.append(name)
    return tuple(columns)


def render(template: str, row: Mapping[str, Any]) -> str:
    """Fill a template from a row: ``None`` renders empty, datetimes as ISO 8601, lists
    comma-separated; a format spec applies to the raw value."""
    out: list[str] = []
    for literal, name, spec, _conversion in _FORMATTER.parse(template):
        out.append(literal)
        if name is None:
            continue
        if name not in row:
            raise RowMappingError(f"column {name!r} used by a template is not in the row")
        value = row[name]
        if value is None:
            continue
        if spec:
            try:
                out.append(format(value, spec))
            except (ValueError, TypeError) as exc:
                raise RowMappingError(f"column {name!r}: format spec {spec!r} failed") from exc
        else:
            out.append(value_text(value))
    return "".join(out)


def value_text(value: Any) -> str:
    """A column value as text (``None`` -> empty)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return str(value)


def value_list(value: Any) -> tuple[str, ...]:
    """ACL or tag values: an array, JSON array text, a PostgreSQL array literal
    (``{a,b}``) or comma-separated text; stripped, empty ones dropped, order kept, unique."""
    items: list[Any]
    if value is None:
        items = []
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        text = value_text(value).strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError:
                loaded = None
            items = loaded if isinstance(loaded, list) else text[1:-1].split(",")
        elif text.startswith("{") and text.endswith("}"):
            items = [item.strip().strip('"') for item in text[1:-1].split(",")]
        else:
            items = text.split(",")
    out: list[str] = []
    for item in items:
        cleaned = value_text(item).strip()
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return tuple(out)


class RowDocument(BaseModel):
    """The document a row maps to, before it gets a version and becomes a ChangeEvent."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    document_id: str
    content: str
    content_type: str
    title: str | None = None
    uri: str | None = None
    acl: Acl = Acl()
    classification_hint: str | None = None
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = Field(default_factory=dict)

    def content_hash(self) -> str:
        """A stable hash of everything the event carries: equal hash, nothing to publish."""
        return stable_hash(self.model_dump_json())

    def upsert(
        self, source_id: str, version: int, occurred_at: datetime | None = None
    ) -> ChangeEvent:
        """The upsert event (raises pydantic's ValidationError for an invalid event)."""
        data: dict[str, Any] = {
            **self.model_dump(),
            "source_id": source_id,
            "op": Op.UPSERT,
            "version": version,
        }
        if occurred_at is not None:
            data["occurred_at"] = occurred_at
        return ChangeEvent.model_validate(data)


def delete_event(
    source_id: str,
    document_id: str,
    version: int,
    occurred_at: datetime | None = None,
    *,
    tags: tuple[str, ...] = (),
) -> ChangeEvent:
    """The delete event of one document."""
    data: dict[str, Any] = {
        "source_id": source_id,
        "document_id": document_id,
        "op": Op.DELETE,
        "version": version,
        "tags": tags,
    }
    if occurred_at is not None:
        data["occurred_at"] = occurred_at
    return ChangeEvent.model_validate(data)


class RowMapping(BaseModel):
    """Which columns make a document. ``id_column`` is accepted for ``id_columns: [x]``.

    The document id is ``document_id_prefix`` + the id values joined with ``/``.
    ``metadata_columns`` are copied as strings (``None`` left out). ``tags`` are added to
    those of ``tags_column``; tags are sorted and unique.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    id_columns: tuple[str, ...] = Field(min_length=1)
    text_template: str
    title_template: str | None = None
    uri_template: str | None = None
    content_type: str = "text/plain"
    document_id_prefix: str = ""
    acl_users_column: str | None = None
    acl_groups_column: str | None = None
    classification_column: str | None = None
    tags_column: str | None = None
    tags: tuple[str, ...] = ()
    metadata_columns: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _single_id_column(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id_column" in data:
            data = dict(data)
            single = data.pop("id_column")
            if "id_columns" in data:
                raise ValueError("give id_column or id_columns, not both")
            data["id_columns"] = [single]
        return data

    @field_validator("text_template", "title_template", "uri_template")
    @classmethod
    def _valid_template(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                template_columns(value)
            except TemplateError as exc:
                raise ValueError(str(exc)) from exc
        return value

    def columns(self) -> tuple[str, ...]:
        """Every column the mapping reads (ids, templates, ACL, classification, tags, metadata)."""
        found: list[str] = list(self.id_columns)
        for template in (self.text_template, self.title_template, self.uri_template):
            if template is not None:
                found.extend(template_columns(template))
        for column in (
            self.acl_users_column,
            self.acl_groups_column,
            self.classification_column,
            self.tags_column,
        ):
            if column is not None:
                found.append(column)
        found.extend(self.metadata_columns)
        return tuple(dict.fromkeys(found))

    def document_id(self, row: Mapping[str, Any]) -> str:
        """The document id of a row (raises :class:`RowMappingError` if an id is missing)."""
        parts: list[str] = []
        for column in self.id_columns:
            if column not in row:
                raise RowMappingError(f"id column {column!r} is not in the row")
            text = value_text(row[column]).strip()
            if not text:
                raise RowMappingError(f"id column {column!r} is empty")
            parts.append(text)
        return self.document_id_prefix + "/".join(parts)

    def to_document(self, row: Mapping[str, Any]) -> RowDocument:
        """The document of one row (pure)."""
        title = render(self.title_template, row).strip() if self.title_template else None
        uri = render(self.uri_template, row).strip() if self.uri_template else None
        classification = None
        if self.classification_column is not None:
            classification = value_text(self._get(row, self.classification_column)).strip()
        tags = set(self.tags)
        if self.tags_column is not None:
            tags.update(value_list(self._get(row, self.tags_column)))
        metadata = {
            column: value_text(row[column])
            for column in self.metadata_columns
            if self._get(row, column) is not None
        }
        return RowDocument(
            document_id=self.document_id(row),
            content=render(self.text_template, row),
            content_type=self.content_type,
            title=title or None,
            uri=uri or None,
            acl=Acl(
                users=self._list(row, self.acl_users_column),
                groups=self._list(row, self.acl_groups_column),
            ),
            classification_hint=classification or None,
            tags=tuple(sorted(tags)),
            metadata=metadata,
        )

    def _list(self, row: Mapping[str, Any], column: str | None) -> tuple[str, ...]:
        return () if column is None else value_list(self._get(row, column))

    @staticmethod
    def _get(row: Mapping[str, Any], column: str) -> Any:
        if column not in row:
            raise RowMappingError(f"column {column!r} is not in the row")
        return row[column]
