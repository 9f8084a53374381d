"""Configuration of the SQL source (``ragstream connect sql --config FILE``)."""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.row_mapping import RowMapping


class SqlConfigError(ValueError):
    """A configuration that cannot work (bad file, unset variable, missing column)."""


class WatermarkKind(StrEnum):
    """``timestamp``: an ``updated_at`` column (naive values are read as UTC); ``integer``:
    a version or sequence column that grows with every change."""

    TIMESTAMP = "timestamp"
    INTEGER = "integer"


class SqlSourceConfig(BaseModel):
    """One table or query published as documents.

    ``url`` is an SQLAlchemy URL (``postgresql+psycopg://user:pw@host/db``,
    ``sqlite:///file.db``); ``${VAR}`` in it is replaced from the environment, so the
    password need not be in the file. Give ``table`` (optionally ``db_schema``) or
    ``query`` (a SELECT; it is wrapped as a subquery, so it must not end with ``;``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    source_id: str = Field(min_length=1, max_length=200, pattern=r"^[^/\s]+$")
    url: str = Field(min_length=1)
    table: str | None = None
    db_schema: str | None = None
    query: str | None = None
    mapping: RowMapping
    watermark_column: str
    watermark_kind: WatermarkKind = WatermarkKind.TIMESTAMP
    overlap_s: float = Field(
        default=300.0, ge=0, description="timestamp watermark: re-read this many seconds back"
    )
    overlap_versions: int = Field(
        default=0, ge=0, description="integer watermark: re-read this many versions back"
    )
    soft_delete_column: str | None = Field(
        default=None, description="a row whose value is true / non-null counts as deleted"
    )
    keyset_deletes: bool | None = Field(
        default=None,
        description="compare all keys with the known ones to find hard deletes "
        "(default: only when there is no soft_delete_column)",
    )
    keyset_interval_s: float = Field(default=300.0, gt=0)
    poll_interval_s: float = Field(default=5.0, gt=0)
    batch_size: int = Field(default=500, ge=1, le=100_000)
    progress_every: int = Field(default=10_000, ge=1)

    @model_validator(mode="after")
    def _table_or_query(self) -> SqlSourceConfig:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of table and query")
        if self.query is not None and self.query.rstrip().endswith(";"):
            raise ValueError("query must not end with ';' (it is used as a subquery)")
        if self.db_schema is not None and self.table is None:
            raise ValueError("db_schema goes with table")
        return self

    @property
    def detects_hard_deletes(self) -> bool:
        if self.keyset_deletes is None:
            return self.soft_delete_column is None
        return self.keyset_deletes

    def resolved_url(self) -> str:
        """``url`` with ``${VAR}`` replaced from the environment (unset variables raise)."""

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise SqlConfigError(f"environment variable {name} used in url is not set")
            return os.environ[name]

        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", substitute, self.url)


class ConfigFileError(SqlConfigError):
    """The configuration file is missing, not YAML/JSON, or not a valid configuration."""


def load_sql_config(path: Path) -> SqlSourceConfig:
    """Read a YAML (or JSON) configuration file; errors name the file and the field."""
    from pydantic import ValidationError

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigFileError(f"{path} must hold a mapping at the top level")
    try:
        return SqlSourceConfig.model_validate(loaded)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigFileError(f"{path}: {problems}") from exc
