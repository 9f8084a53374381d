"""Debezium change events -> ChangeEvents (pure functions, no I/O).

A Debezium record (JSON value with or without the ``schema``/``payload`` envelope, and its
key) becomes one :data:`Outcome`:

- ``op`` ``c`` (create), ``r`` (snapshot read), ``u`` (update) -> :class:`Translated` upsert
  built from ``after`` with the same :class:`~schemas.row_mapping.RowMapping` as the SQL source;
- ``d`` -> :class:`Translated` delete; the id comes from ``before`` or, when the table's
  replica identity leaves ``before`` empty, from the record key;
- ``t`` (truncate) -> :class:`Truncated`: no per-row keys exist, the caller logs it (and may
  trigger a re-snapshot or a purge of the source);
- a Kafka tombstone (value ``None``, sent after a delete for log compaction) and logical
  decoding messages (``m``) -> :class:`Ignored`.

Version: ``payload.source.lsn`` (PostgreSQL: a position in the write-ahead log, growing with
every change), else ``payload.source.ts_ms`` / ``payload.ts_ms``. When the envelope carries a
schema, Debezium's encoded temporal and decimal types are decoded (dates, timestamps,
``Decimal``) before templates see them. An event that cannot be translated raises
:class:`DebeziumError`: a poison record for the caller's dead-letter topic.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas import ChangeEvent
from schemas.row_mapping import RowMapping, RowMappingError, delete_event

_EPOCH = datetime(1970, 1, 1)
_OPS = frozenset({"c", "r", "u", "d", "t", "m"})
_ENVELOPE = frozenset({"schema", "payload"})


class DebeziumError(ValueError):
    """A record that cannot become a ChangeEvent (not JSON, no op, no key, bad row)."""


class DebeziumTable(BaseModel):
    """How one captured table becomes documents: the source id and the row mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source_id: str = Field(min_length=1, max_length=200, pattern=r"^[^/\s]+$")
    mapping: RowMapping


class DebeziumConfig(BaseModel):
    """Tables by ``<schema>.<table>`` (PostgreSQL) or ``<db>.<table>`` (MySQL)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    tables: dict[str, DebeziumTable]


@dataclass(frozen=True)
class Translated:
    """An upsert or delete to publish on ``ragstream.changes``."""

    event: ChangeEvent


@dataclass(frozen=True)
class Truncated:
    """The whole table was emptied; there are no per-row keys to delete."""

    source_id: str
    table: str
    version: int
    occurred_at: datetime | None


@dataclass(frozen=True)
class Ignored:
    """Nothing to publish (tombstone, logical decoding message, table not configured)."""

    reason: str


Outcome = Translated | Truncated | Ignored


def decode(raw: bytes | str | Mapping[str, Any] | None) -> Any:
    """A record key or value as JSON (``None`` stays ``None``)."""
    if raw is None or isinstance(raw, Mapping):
        return raw
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DebeziumError(f"not JSON: {exc}") from exc


def unwrap(document: Any) -> tuple[Any, Mapping[str, Any] | None]:
    """The payload and the schema of a Connect JSON document (``schemas.enable`` on or off)."""
    if isinstance(document, Mapping) and "payload" in document and set(document) <= _ENVELOPE:
        schema = document.get("schema")
        return document["payload"], schema if isinstance(schema, Mapping) else None
    return document, None


def table_of(value: bytes | str | Mapping[str, Any] | None) -> str | None:
    """``<schema>.<table>`` (or ``<db>.<table>``) named by a record's source block."""
    payload, _ = unwrap(decode(value))
    if not isinstance(payload, Mapping) or not isinstance(payload.get("source"), Mapping):
        return None
    source = payload["source"]
    table = source.get("table")
    if not table:
        return None
    return f"{source.get('schema') or source.get('db')}.{table}"


def translate_record(
    config: DebeziumConfig,
    value: bytes | str | Mapping[str, Any] | None,
    key: bytes | str | Mapping[str, Any] | None = None,
) -> Outcome:
    """Translate a record of any configured table (routed by its source block)."""
    if value is None:
        return Ignored("tombstone")
    name = table_of(value)
    if name is None:
        payload, _ = unwrap(decode(value))
        if isinstance(payload, Mapping) and payload.get("op") == "m":
            return Ignored("logical decoding message")
        if payload is None:
            return Ignored("tombstone")
        raise DebeziumError("no source.table in the record")
    table = config.tables.get(name)
    if table is None:
        return Ignored(f"table {name} not configured")
    return translate(value, table, key=key)


def translate(
    value: bytes | str | Mapping[str, Any] | None,
    table: DebeziumTable,
    *,
    key: bytes | str | Mapping[str, Any] | None = None,
) -> Outcome:
    """One Debezium record of ``table`` -> an :data:`Outcome` (see the module docstring)."""
    payload, schema = unwrap(decode(value))
    if payload is None:
        return Ignored("tombstone")
    if not isinstance(payload, Mapping):
        raise DebeziumError("the value is not a Debezium change event (no object payload)")
    op = payload.get("op")
    if op not in _OPS:
        raise DebeziumError(f"unknown or missing op {op!r}")
    if op == "m":
        return Ignored("logical decoding message")
    source = payload.get("source")
    source = source if isinstance(source, Mapping) else {}
    version = _version(payload, source)
    occurred_at = _occurred_at(payload, source)
    if op == "t":
        name = f"{source.get('schema') or source.get('db')}.{source.get('table')}"
        return Truncated(table.source_id, name, version, occurred_at)
    try:
        if op == "d":
            document_id = _deleted_id(payload, schema, key, table.mapping)
            event = delete_event(
                table.source_id,
                document_id,
                version,
                occurred_at,
                tags=tuple(sorted(table.mapping.tags)),
            )
            return Translated(event)
        after = payload.get("after")
        if not isinstance(after, Mapping):
            raise DebeziumError(f"op {op!r} without an 'after' row")
        row = _decoded_row(after, _field_schemas(schema, "after"))
        document = table.mapping.to_document(row)
        return Translated(document.upsert(table.source_id, version, occurred_at))
    except RowMappingError as exc:
        raise DebeziumError(f"row cannot become a document: {exc}") from exc
    except ValidationError as exc:
        raise DebeziumError(f"no valid ChangeEvent: {exc.error_count()} error(s)") from exc


# -- versions and times ------------------------------------------------------------------------


def _version(payload: Mapping[str, Any], source: Mapping[str, Any]) -> int:
    for candidate in (source.get("lsn"), source.get("ts_ms"), payload.get("ts_ms")):
        if isinstance(candidate, bool):
            continue
        if isinstance(candidate, int) and candidate >= 0:
            return candidate
        if isinstance(candidate, str) and candidate.isdigit():
            return int(candidate)
    raise DebeziumError("no version: neither source.lsn nor ts_ms in the event")


def _occurred_at(payload: Mapping[str, Any], source: Mapping[str, Any]) -> datetime | None:
    for candidate in (source.get("ts_ms"), payload.get("ts_ms")):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return datetime.fromtimestamp(candidate / 1000, tz=UTC)
    return None


# -- keys --------------------------------------------------------------------------------------


def _deleted_id(
    payload: Mapping[str, Any],
    schema: Mapping[str, Any] | None,
    key: bytes | str | Mapping[str, Any] | None,
    mapping: RowMapping,
) -> str:
    before = payload.get("before")
    if isinstance(before, Mapping) and all(c in before for c in mapping.id_columns):
        return mapping.document_id(_decoded_row(before, _field_schemas(schema, "before")))
    key_payload, key_schema = unwrap(decode(key))
    if isinstance(key_payload, Mapping) and all(c in key_payload for c in mapping.id_columns):
        return mapping.document_id(_decoded_row(key_payload, _key_field_schemas(key_schema)))
    raise DebeziumError(
        "delete without the id columns in 'before' or the record key "
        "(set REPLICA IDENTITY or pass the Kafka key)"
    )


# -- Debezium / Kafka Connect logical types ----------------------------------------------------


def _field_schemas(schema: Mapping[str, Any] | None, name: str) -> dict[str, Mapping[str, Any]]:
    """The column schemas of the envelope's ``before`` or ``after`` struct."""
    if schema is None:
        return {}
    for field in schema.get("fields") or ():
        if isinstance(field, Mapping) and field.get("field") == name:
            return {
                str(f.get("field")): f
                for f in field.get("fields") or ()
                if isinstance(f, Mapping) and f.get("field")
            }
    return {}


def _key_field_schemas(schema: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if schema is None:
        return {}
    return {
        str(f.get("field")): f
        for f in schema.get("fields") or ()
        if isinstance(f, Mapping) and f.get("field")
    }


def _decoded_row(
    row: Mapping[str, Any], schemas: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    return {column: _decoded(value, schemas.get(column)) for column, value in row.items()}


def _decoded(value: Any, schema: Mapping[str, Any] | None) -> Any:
    """Decode a value by its Connect logical type name; unknown types pass through."""
    if value is None or schema is None:
        return value
    name = schema.get("name")
    try:
        if name in ("io.debezium.time.Date", "org.apache.kafka.connect.data.Date"):
            return date(1970, 1, 1) + timedelta(days=int(value))
        if name in ("io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp"):
            return _EPOCH + timedelta(milliseconds=int(value))
        if name == "io.debezium.time.MicroTimestamp":
            return _EPOCH + timedelta(microseconds=int(value))
        if name == "io.debezium.time.NanoTimestamp":
            return _EPOCH + timedelta(microseconds=int(value) // 1000)
        if name in ("io.debezium.time.Time", "org.apache.kafka.connect.data.Time"):
            return (_EPOCH + timedelta(milliseconds=int(value))).time()
        if name == "io.debezium.time.MicroTime":
            return (_EPOCH + timedelta(microseconds=int(value))).time()
        if name == "org.apache.kafka.connect.data.Decimal" and isinstance(value, str):
            scale = int((schema.get("parameters") or {}).get("scale", 0))
            unscaled = int.from_bytes(base64.b64decode(value), "big", signed=True)
            return Decimal(unscaled).scaleb(-scale)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DebeziumError(f"value of logical type {name} cannot be decoded") from exc
    return value


__all__ = [
    "DebeziumConfig",
    "DebeziumError",
    "DebeziumTable",
    "Ignored",
    "Outcome",
    "Translated",
    "Truncated",
    "decode",
    "table_of",
    "translate",
    "translate_record",
    "unwrap",
]


def load_config(path: Path) -> DebeziumConfig:
    """The table mappings from a YAML (or JSON) file: ``tables: {<schema>.<table>: ...}``."""
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DebeziumError(f"cannot read Debezium config {path}: {exc}") from exc
    try:
        return DebeziumConfig.model_validate(loaded)
    except ValidationError as exc:
        raise DebeziumError(f"invalid Debezium config {path}: {exc}") from exc
