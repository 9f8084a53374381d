"""Configuration of the SharePoint source (``ragstream connect sharepoint --config FILE``).

A YAML (or JSON) file names the sites, their document libraries (optionally narrowed to
folders), the app-only credentials and the paging and polling knobs. ``${VAR}`` anywhere in
a string value is replaced from the environment when the file is loaded, so secrets need
not be written into it. Secrets are :class:`pydantic.SecretStr`: they print as ``**********``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from connectors.sharepoint_errors import SharePointConfigError

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"


class ClientSecretAuth(BaseModel):
    """App-only token from Microsoft Entra ID with a client secret (MSAL client credentials).

    SharePoint Online's REST API accepts Entra app-only tokens only when they were obtained
    with a certificate; a secret suits tenants and proxies that accept it (see SHAREPOINT.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["client_secret"]
    tenant: str = Field(min_length=1, description="tenant id or name (contoso.onmicrosoft.com)")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    authority_host: str = DEFAULT_AUTHORITY_HOST

    @field_validator("client_secret")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("client_secret is empty")
        return value


class CertificateAuth(BaseModel):
    """App-only token from Microsoft Entra ID with a certificate: the SHA-1 thumbprint of the
    certificate uploaded to the app registration and the PEM private key file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["certificate"]
    tenant: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    thumbprint: str = Field(pattern=r"^[0-9A-Fa-f:]{40,59}$")
    private_key_path: Path
    passphrase: SecretStr | None = None
    authority_host: str = DEFAULT_AUTHORITY_HOST

    @property
    def clean_thumbprint(self) -> str:
        return self.thumbprint.replace(":", "").upper()

    @model_validator(mode="after")
    def _sha1(self) -> CertificateAuth:
        if len(self.clean_thumbprint) != 40:
            raise ValueError("thumbprint must be the 40 hex digits of the certificate's SHA-1")
        return self


SharePointAuth = Annotated[ClientSecretAuth | CertificateAuth, Field(discriminator="kind")]


class LibraryConfig(BaseModel):
    """One document library by its title; ``folders`` (relative to the library root, e.g.
    ``Policies/2024``) narrows it, empty means the whole library. ``tags`` are added to the
    source's tags for its documents."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = Field(min_length=1, max_length=255)
    folders: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @field_validator("folders")
    @classmethod
    def _relative_folders(cls, folders: tuple[str, ...]) -> tuple[str, ...]:
        cleaned: list[str] = []
        for folder in folders:
            parts = [p for p in folder.replace("\\", "/").split("/") if p]
            if not parts or any(p in {".", ".."} for p in parts):
                raise ValueError(f"folder {folder!r}: give a path below the library root")
            cleaned.append("/".join(parts))
        return tuple(dict.fromkeys(cleaned))


class SiteConfig(BaseModel):
    """A site (web) URL such as ``https://contoso.sharepoint.com/sites/hr`` and its libraries."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str
    libraries: tuple[LibraryConfig, ...] = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _site_url(cls, url: str) -> str:
        parts = urlsplit(url.strip())
        local = parts.hostname in _LOCAL_HOSTS
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError("site url must be https:// (http:// only for a local replay server)")
        if not parts.hostname or parts.query or parts.fragment:
            raise ValueError("site url must be a plain site address, without query or fragment")
        return url.strip().rstrip("/")

    @model_validator(mode="after")
    def _unique_titles(self) -> SiteConfig:
        titles = [library.title.casefold() for library in self.libraries]
        if len(titles) != len(set(titles)):
            raise ValueError(f"site {self.url}: a library is listed twice")
        return self


class SharePointSourceConfig(BaseModel):
    """Everything the SharePoint source needs; see connectors/SHAREPOINT.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source_id: str = Field(min_length=1, max_length=200, pattern=r"^[^/\s]+$")
    sites: tuple[SiteConfig, ...] = Field(min_length=1)
    auth: SharePointAuth
    page_size: int = Field(
        default=200, ge=1, le=5000, description="items per listing page and changes per call"
    )
    poll_interval_s: float = Field(default=60.0, gt=0, description="between change-log reads")
    full_crawl_interval_s: float = Field(
        default=86_400.0,
        ge=0,
        description="re-list every library this often (permission drift, group membership); "
        "0 = only when needed",
    )
    max_file_bytes: int | None = Field(
        default=None, ge=1, description="default: connectors.max_file_bytes"
    )
    include_extensions: tuple[str, ...] | None = Field(
        default=None, description="only these file extensions (e.g. [.docx, .pdf]); null = all"
    )
    tags: tuple[str, ...] = ()
    request_timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20, description="per throttled request")
    max_retry_after_s: float = Field(
        default=300.0, gt=0, description="longest Retry-After honoured before giving up"
    )

    @field_validator("include_extensions")
    @classmethod
    def _dotted(cls, values: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if values is None:
            return None
        return tuple(sorted({"." + v.strip().lstrip(".").lower() for v in values if v.strip()}))

    @model_validator(mode="after")
    def _unique_sites(self) -> SharePointSourceConfig:
        urls = [site.url.casefold() for site in self.sites]
        if len(urls) != len(set(urls)):
            raise ValueError("a site is listed twice; list all its libraries under one entry")
        return self


def library_key(site_url: str, title: str) -> str:
    """The checkpoint's name of one configured library: ``<site url>|<title>``."""
    return f"{site_url.rstrip('/').casefold()}|{title}"


def _substitute(value: Any, where: str) -> Any:
    """``${VAR}`` in every string of a loaded YAML tree, replaced from the environment."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise SharePointConfigError(
                    f"environment variable {name} used at {where or '(top)'} is not set"
                )
            return os.environ[name]

        return _VARIABLE.sub(replace, value)
    if isinstance(value, dict):
        return {k: _substitute(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def load_sharepoint_config(path: Path) -> SharePointSourceConfig:
    """Read a YAML (or JSON) configuration file; errors name the file and the field, never a
    value (a secret may be the culprit)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SharePointConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SharePointConfigError(f"{path} is not valid YAML{where}") from None
    if not isinstance(loaded, dict):
        raise SharePointConfigError(f"{path} must hold a mapping at the top level")
    try:
        return SharePointSourceConfig.model_validate(_substitute(loaded, ""))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors(include_input=False)
        )
        raise SharePointConfigError(f"{path}: {problems}") from None
