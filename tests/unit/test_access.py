"""infra/access.py: the CLI's identity from a JWT or a development file, and role checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from infra.access import (
    EXIT_ACCESS,
    ROLE_ADMIN,
    ROLE_AUDITOR,
    ROLE_INGEST,
    ROLE_QUERY,
    AccessDenied,
    AccessError,
    AccessSettings,
    Identity,
    current_identity,
    guard,
    identity_from_file,
    require_or_exit,
    require_role,
)

pytestmark = pytest.mark.unit

SECRET = bytes(range(48))
KEY_B64 = base64.b64encode(SECRET).decode()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hs256(claims: dict[str, Any], secret: bytes = SECRET, alg: str = "HS256") -> str:
    """Signed by hand (hmac), independent of the library under test."""
    head = _b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = _b64url(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64url(sig)}"


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "alice", "roles": [ROLE_INGEST, "engineering"], "exp": now + 300, **extra}


def settings(token: str, **extra: Any) -> AccessSettings:
    return AccessSettings(jwt=SecretStr(token), jwt_key=SecretStr(KEY_B64), **extra)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FILE", "JWT", "JWT_KEY", "JWT_KEY_FILE", "REQUIRED", "JWT_ISSUER"):
        monkeypatch.delenv(f"RAGSTREAM_ACCESS__{name}", raising=False)


# ------------------------------------------------------------------ JWT
def test_a_valid_hs256_token_gives_its_subject_and_roles() -> None:
    ident = current_identity(settings(hs256(claims())))
    assert ident == Identity("alice", frozenset({ROLE_INGEST, "engineering"}), "jwt")
    assert ident.enforced


def test_roles_may_be_a_comma_separated_string_and_claims_are_configurable() -> None:
    token = hs256({"upn": "bob", "groups": "ragstream_query, sales", "exp": time.time() + 60})
    ident = current_identity(settings(token, subject_claim="upn", roles_claim="groups"))
    assert ident.user == "bob" and ident.roles == {ROLE_QUERY, "sales"}


def test_issuer_and_audience_are_checked_when_configured() -> None:
    good = hs256(claims(iss="ragstream-local", aud="ragstream"))
    cfg = {"jwt_issuer": "ragstream-local", "jwt_audience": "ragstream"}
    assert current_identity(settings(good, **cfg)).user == "alice"
    for bad in (
        hs256(claims(iss="ragstream-local", aud="other")),
        hs256(claims(iss="https://evil.example", aud="ragstream")),
        hs256(claims()),  # neither claim
    ):
        with pytest.raises(AccessError, match="JWT rejected"):
            current_identity(settings(bad, **cfg))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(hs256(claims(), secret=b"y" * 48), id="wrong key"),
        pytest.param(hs256(claims(exp=int(time.time()) - 3600)), id="expired"),
        pytest.param(hs256(claims(nbf=int(time.time()) + 3600)), id="not yet valid"),
        pytest.param(hs256({"sub": "alice", "roles": [ROLE_ADMIN]}), id="no exp"),
        pytest.param(hs256({"roles": [ROLE_ADMIN], "exp": time.time() + 60}), id="no sub"),
        pytest.param(hs256(claims(), alg="HS512"), id="other algorithm"),
        pytest.param(
            _b64url(b'{"alg":"none","typ":"JWT"}')
            + "."
            + _b64url(json.dumps(claims()).encode())
            + ".",
            id="alg none",
        ),
        pytest.param(hs256(claims()) + "x", id="tampered signature"),
        pytest.param("not-a-token", id="garbage"),
    ],
)
def test_bad_tokens_are_rejected(token: str) -> None:
    with pytest.raises(AccessError, match="JWT rejected"):
        current_identity(settings(token))


def test_a_tampered_payload_is_rejected() -> None:
    head, _, sig = hs256(claims()).split(".")
    forged = _b64url(json.dumps(claims(roles=[ROLE_ADMIN])).encode())
    with pytest.raises(AccessError, match="JWT rejected"):
        current_identity(settings(f"{head}.{forged}.{sig}"))


def _rsa() -> tuple[bytes, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_private = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pem_public = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return pem_private, pem_public


def test_rs256_with_a_public_key_file_and_no_algorithm_confusion(tmp_path: Path) -> None:
    pem_private, pem_public = _rsa()
    key_file = tmp_path / "idp.pem"
    key_file.write_text(pem_public)
    token = jwt.encode(claims(roles=[ROLE_AUDITOR]), pem_private, algorithm="RS256")
    cfg = AccessSettings(jwt=SecretStr(token), jwt_key_file=key_file)
    assert current_identity(cfg).roles == {ROLE_AUDITOR}
    # the public key used as an HMAC secret must not verify (the key picks the algorithm)
    confused = hs256(claims(roles=[ROLE_ADMIN]), secret=pem_public.encode())
    with pytest.raises(AccessError, match="JWT rejected"):
        current_identity(AccessSettings(jwt=SecretStr(confused), jwt_key_file=key_file))


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "no key"),
        ("not base64!", "must be base64"),
        (base64.b64encode(b"short").decode(), "at least 32 bytes"),
        ("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----", "not a private key"),
    ],
)
def test_unusable_keys_are_refused(key: str | None, message: str) -> None:
    cfg = AccessSettings(jwt=SecretStr(hs256(claims())), jwt_key=SecretStr(key) if key else None)
    with pytest.raises(AccessError, match=message):
        current_identity(cfg)


# ------------------------------------------------------------------ file
def _access_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text(text)
    return path


def test_the_file_maps_os_users_to_roles(tmp_path: Path) -> None:
    path = _access_file(
        tmp_path,
        "users:\n  alice: [ragstream_ingest, ragstream_auditor]\n  bob: ragstream_query\n"
        "default_roles: [ragstream_query]\n",
    )
    assert identity_from_file(path, "alice").roles == {ROLE_INGEST, ROLE_AUDITOR}
    assert identity_from_file(path, "bob").roles == {ROLE_QUERY}
    assert identity_from_file(path, "mallory").roles == {ROLE_QUERY}  # default_roles
    assert identity_from_file(path, "alice").source == "file"


def test_the_file_is_read_for_the_os_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _access_file(tmp_path, "users:\n  dev1: [ragstream_admin]\n")
    monkeypatch.setattr("infra.access.getpass.getuser", lambda: "dev1")
    monkeypatch.setenv("RAGSTREAM_ACCESS__FILE", str(path))
    ident = current_identity()
    assert ident == Identity("dev1", frozenset({ROLE_ADMIN}), "file")
    monkeypatch.setattr("infra.access.getpass.getuser", lambda: "dev2")
    assert current_identity().roles == frozenset()  # not listed, no default_roles


@pytest.mark.parametrize(
    "text",
    ["users: [alice]\n", "users:\n  alice: {admin: true}\n", "users:\n  alice: [1, 2]\n", "a: [\n"],
)
def test_a_malformed_file_is_an_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(AccessError, match="access file"):
        identity_from_file(_access_file(tmp_path, text), "alice")


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AccessError, match="access file"):
        current_identity(AccessSettings(file=tmp_path / "nope.yaml"))


def test_the_token_wins_over_the_file(tmp_path: Path) -> None:
    path = _access_file(tmp_path, "default_roles: [ragstream_admin]\n")
    ident = current_identity(settings(hs256(claims(roles=[ROLE_QUERY])), file=path))
    assert ident.source == "jwt" and ident.roles == {ROLE_QUERY}


# ------------------------------------------------------------------ off / required
def test_without_configuration_access_control_is_off() -> None:
    ident = current_identity(AccessSettings())
    assert ident.source == "none" and not ident.enforced
    assert require_role(ident, ROLE_ADMIN, "dsr erase") is ident


def test_required_refuses_to_run_without_an_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGSTREAM_ACCESS__REQUIRED", "true")
    with pytest.raises(AccessError, match="required"):
        current_identity()


# ------------------------------------------------------------------ require_role / guard
def test_require_role() -> None:
    ingest = Identity("w", frozenset({ROLE_INGEST}), "jwt")
    admin = Identity("root", frozenset({ROLE_ADMIN}), "file")
    assert require_role(ingest, ROLE_INGEST) is ingest
    for role in (ROLE_QUERY, ROLE_INGEST, ROLE_AUDITOR, ROLE_ADMIN):
        assert require_role(admin, role) is admin  # admin satisfies every check
    with pytest.raises(AccessDenied, match=r"w \(from jwt\) needs role ragstream_admin to dlq"):
        require_role(ingest, ROLE_ADMIN, "dlq replay")
    with pytest.raises(AccessDenied, match="has: none"):
        require_role(Identity("x", frozenset(), "file"), ROLE_AUDITOR)
    with pytest.raises(ValueError, match="unknown role"):
        require_role(admin, "ragstream_superuser")


def test_a_group_named_like_a_role_only_counts_as_that_role() -> None:
    ident = Identity("eve", frozenset({"ragstream_admins", "admin"}), "jwt")
    with pytest.raises(AccessDenied):
        require_role(ident, ROLE_ADMIN)


def test_guard_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGSTREAM_ACCESS__JWT", hs256(claims(roles=[ROLE_AUDITOR])))
    monkeypatch.setenv("RAGSTREAM_ACCESS__JWT_KEY", KEY_B64)
    assert guard(ROLE_AUDITOR, "audit export").user == "alice"
    with pytest.raises(AccessDenied, match="to reset the indices"):
        guard(ROLE_ADMIN, "reset the indices")


def test_require_or_exit_explains_and_exits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAGSTREAM_ACCESS__JWT", hs256(claims(roles=[ROLE_QUERY])))
    monkeypatch.setenv("RAGSTREAM_ACCESS__JWT_KEY", KEY_B64)
    assert require_or_exit(ROLE_QUERY, "search").roles == {ROLE_QUERY}
    with pytest.raises(SystemExit) as exc:
        require_or_exit(ROLE_ADMIN, "erase a subject")
    assert exc.value.code == EXIT_ACCESS
    assert (
        "alice (from jwt) needs role ragstream_admin to erase a subject" in capsys.readouterr().err
    )
    monkeypatch.setenv("RAGSTREAM_ACCESS__JWT", hs256(claims(), secret=b"z" * 48))
    with pytest.raises(SystemExit):
        require_or_exit(ROLE_QUERY)
    assert "JWT rejected" in capsys.readouterr().err
