"""Who runs a CLI command, and whether their roles allow it (issue #10 item 3).

Two sources of identity, chosen by settings (``RAGSTREAM_ACCESS__*``):

* ``RAGSTREAM_ACCESS__JWT``: a token from the identity provider (the same kind of token the
  OpenSearch JWT domain accepts, see docs/SECURITY.md). It is verified with
  ``RAGSTREAM_ACCESS__JWT_KEY`` (or ``..._JWT_KEY_FILE``): a PEM public key means RS256, anything
  else is the base64 of the HS256 secret (the value of ``signing_key`` in the node's
  config.yml). ``exp`` and the subject are required; issuer and audience are checked when
  configured. The key decides the algorithm, never the token's header.
* ``RAGSTREAM_ACCESS__FILE``: a local YAML file for development, mapping OS users to roles::

      users:
        alice: [ragstream_ingest, ragstream_auditor]
        root: [ragstream_admin]
      default_roles: []        # roles of OS users the file does not name

With neither, access control is off (``make demo``, the plain local stack): every check
passes and :attr:`Identity.enforced` is false. ``RAGSTREAM_ACCESS__REQUIRED=true`` turns that
into an error, for deployments. The roles are the OpenSearch roles of the secure node;
``ragstream_admin`` satisfies every check.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jwt
import yaml
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROLE_QUERY = "ragstream_query"
"""Search the indices."""
ROLE_INGEST = "ragstream_ingest"
"""Write: run a worker or a connector, publish change events."""
ROLE_AUDITOR = "ragstream_auditor"
"""Read the audit trail (audit export)."""
ROLE_ADMIN = "ragstream_admin"
"""Everything: erasure and other data subject requests, dead-letter replay, quarantine
release, index reset, purge. Satisfies every :func:`require_role`."""
ROLES = frozenset({ROLE_QUERY, ROLE_INGEST, ROLE_AUDITOR, ROLE_ADMIN})

Source = Literal["jwt", "file", "none"]


class AccessSettings(BaseSettings):
    """Where the CLI's identity comes from (environment ``RAGSTREAM_ACCESS__<FIELD>``)."""

    model_config = SettingsConfigDict(env_prefix="RAGSTREAM_ACCESS__", extra="ignore")

    file: Path | None = Field(default=None, description="YAML: OS user -> roles (development)")
    jwt: SecretStr | None = Field(default=None, description="a token from the identity provider")
    jwt_key: SecretStr | None = Field(
        default=None, description="PEM public key (RS256) or base64 of the HS256 secret"
    )
    jwt_key_file: Path | None = Field(default=None, description="file holding jwt_key")
    jwt_issuer: str | None = Field(default=None, description="required 'iss', when set")
    jwt_audience: str | None = Field(default=None, description="required 'aud', when set")
    subject_claim: str = "sub"
    roles_claim: str = "roles"
    leeway_s: float = Field(default=30.0, ge=0)
    required: bool = Field(
        default=False, description="refuse to run when neither a token nor a file is configured"
    )


class AccessError(PermissionError):
    """No identity could be established (bad token, unreadable file, nothing configured)."""


class AccessDenied(PermissionError):
    """The identity lacks the role an action needs."""


@dataclass(frozen=True)
class Identity:
    """A user and its roles; ``enforced`` is false when access control is off."""

    user: str
    roles: frozenset[str]
    source: Source

    @property
    def enforced(self) -> bool:
        return self.source != "none"

    def has_role(self, role: str) -> bool:
        return not self.enforced or role in self.roles or ROLE_ADMIN in self.roles


def os_user() -> str:
    """The login name of this process (``$USER``/``$LOGNAME``, else the password database)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (containers)
        return f"uid:{os.getuid()}"


def _role_list(value: object, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        items: list[object] = [v.strip() for v in value.split(",")]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise AccessError(f"{where}: roles must be a list of strings, not {type(value).__name__}")
    if not all(isinstance(v, str) for v in items):
        raise AccessError(f"{where}: roles must be strings")
    return frozenset(str(v) for v in items if v)


def identity_from_file(path: Path, user: str | None = None) -> Identity:
    """The roles of ``user`` (default: the OS user) in a development access file."""
    name = user or os_user()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AccessError(f"access file {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("users", {}), dict):
        raise AccessError(f"access file {path}: expected a mapping with 'users: {{name: [roles]}}'")
    users: dict[str, Any] = data.get("users") or {}
    if name in users:
        roles = _role_list(users[name], f"access file {path}, user {name}")
    else:
        roles = _role_list(data.get("default_roles"), f"access file {path}, default_roles")
    return Identity(user=name, roles=roles, source="file")


def _key(settings: AccessSettings) -> tuple[Any, str]:
    """The verification key and its algorithm (PEM -> RS256, else base64 secret -> HS256)."""
    if settings.jwt_key is not None:
        text = settings.jwt_key.get_secret_value()
    elif settings.jwt_key_file is not None:
        try:
            text = settings.jwt_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise AccessError(f"JWT key file {settings.jwt_key_file}: {exc}") from exc
    else:
        raise AccessError("RAGSTREAM_ACCESS__JWT is set but no key (RAGSTREAM_ACCESS__JWT_KEY)")
    text = text.strip()
    if text.startswith("-----BEGIN"):
        if "PRIVATE KEY" in text:
            raise AccessError("the JWT key must be the public key, not a private key")
        return text, "RS256"
    try:
        secret = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AccessError("the HS256 JWT key must be base64 (the node's signing_key)") from exc
    if len(secret) < 32:
        raise AccessError("the HS256 JWT key must hold at least 32 bytes")
    return secret, "HS256"


def identity_from_jwt(token: str, settings: AccessSettings) -> Identity:
    """Verify ``token`` (signature, exp, nbf, iss, aud) and read user and roles from it."""
    key, algorithm = _key(settings)
    required = ["exp", settings.subject_claim]
    if settings.jwt_issuer:
        required.append("iss")
    if settings.jwt_audience:
        required.append("aud")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.leeway_s,
            options={"require": required, "verify_aud": bool(settings.jwt_audience)},
        )
    except jwt.PyJWTError as exc:
        raise AccessError(f"JWT rejected: {exc}") from exc
    user = claims.get(settings.subject_claim)
    if not isinstance(user, str) or not user:
        raise AccessError(f"JWT rejected: claim {settings.subject_claim!r} is not a user name")
    roles = _role_list(claims.get(settings.roles_claim), f"JWT claim {settings.roles_claim!r}")
    return Identity(user=user, roles=roles, source="jwt")


def current_identity(settings: AccessSettings | None = None) -> Identity:
    """The identity of this CLI invocation: from the JWT, else the access file, else off."""
    s = settings if settings is not None else AccessSettings()
    if s.jwt is not None:
        return identity_from_jwt(s.jwt.get_secret_value(), s)
    if s.file is not None:
        return identity_from_file(s.file)
    if s.required:
        raise AccessError(
            "access control is required (RAGSTREAM_ACCESS__REQUIRED) but neither "
            "RAGSTREAM_ACCESS__JWT nor RAGSTREAM_ACCESS__FILE is set"
        )
    return Identity(user=os_user(), roles=frozenset(), source="none")


def require_role(identity: Identity, role: str, action: str | None = None) -> Identity:
    """Return ``identity`` if it holds ``role`` (or ragstream_admin); raise AccessDenied."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (known: {', '.join(sorted(ROLES))})")
    if identity.has_role(role):
        return identity
    what = f" to {action}" if action else ""
    held = ", ".join(sorted(identity.roles)) or "none"
    raise AccessDenied(
        f"{identity.user} (from {identity.source}) needs role {role}{what}; has: {held}"
    )


def guard(role: str, action: str | None = None, settings: AccessSettings | None = None) -> Identity:
    """``require_role(current_identity(settings), role, action)``: one line per CLI command."""
    return require_role(current_identity(settings), role, action)


EXIT_ACCESS = 4
"""Exit status of a command refused by :func:`require_or_exit`."""


def require_or_exit(
    role: str, action: str | None = None, settings: AccessSettings | None = None
) -> Identity:
    """:func:`guard` for command-line entry points: on refusal (no identity, or a missing
    role) print the reason on stderr and exit with :data:`EXIT_ACCESS`."""
    try:
        return guard(role, action, settings)
    except (AccessDenied, AccessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_ACCESS) from exc
