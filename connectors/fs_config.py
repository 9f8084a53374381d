"""Configuration file of the file-system source (``ragstream connect filesystem --config FILE``).

```yaml
root: /srv/shares/handbook      # relative paths are relative to this file's folder
source_id: handbook             # optional; default derived from the root's absolute path
tags: [internal]                # compliance tags for every file
path_tags:                      # extra tags under a relative path prefix
  clinic/: [phi]
  finance/: financial           # one tag may be written without the list
rescan_interval_s: 300          # optional; default connectors.rescan_interval_s
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class FileSystemConfigError(ValueError):
    """The configuration file is missing, not YAML/JSON, or not a valid configuration."""


def _tags(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


class FileSystemSourceConfig(BaseModel):
    """One folder published as documents."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    root: Path
    source_id: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^/\s]+$")
    tags: tuple[str, ...] = ()
    path_tags: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    rescan_interval_s: float | None = Field(default=None, ge=0)

    @field_validator("tags", mode="before")
    @classmethod
    def _one_tag(cls, value: Any) -> Any:
        return _tags(value)

    @field_validator("path_tags", mode="before")
    @classmethod
    def _one_path_tag(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {prefix: _tags(tags) for prefix, tags in value.items()}
        return value


def load_filesystem_config(path: Path) -> FileSystemSourceConfig:
    """Read a YAML (or JSON) configuration file; errors name the file and the field. A
    relative ``root`` is taken relative to the file's folder."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileSystemConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise FileSystemConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise FileSystemConfigError(f"{path} must hold a mapping at the top level")
    try:
        config = FileSystemSourceConfig.model_validate(loaded)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise FileSystemConfigError(f"{path}: {problems}") from exc
    root = config.root.expanduser()
    if not root.is_absolute():
        root = path.parent / root
    return config.model_copy(update={"root": root.resolve()})
