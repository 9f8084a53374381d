"""App-only access tokens for SharePoint from Microsoft Entra ID (MSAL client credentials).

One :class:`TokenSource` per app registration acquires a token per SharePoint host
(``https://contoso.sharepoint.com/.default``) with a client secret or a certificate;
office365-rest-python-client's ``ClientContext.with_access_token`` caches it until shortly
before it expires. Secrets stay in :class:`pydantic.SecretStr` until MSAL needs them and
appear in no message: errors carry the error code and the first line of Entra's description.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import msal
import requests

from connectors.sharepoint_config import CertificateAuth, ClientSecretAuth
from connectors.sharepoint_errors import (
    SharePointAuthError,
    SharePointConfigError,
    SharePointUnavailable,
)

TokenFunc = Callable[[], dict[str, Any]]

_EXPIRY_MARGIN_S = 300


class TokenSource:
    """Tokens for one app registration. ``http_client`` is MSAL's HTTP client (``None``: a
    ``requests`` session); tests pass a fake token endpoint. The private key file is read on
    the first token request, not in the constructor."""

    def __init__(
        self, auth: ClientSecretAuth | CertificateAuth, *, http_client: Any | None = None
    ) -> None:
        self._auth = auth
        self._http_client = http_client
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        """What the logs may say about the credentials (no secret)."""
        return f"{self._auth.kind} app {self._auth.client_id} in tenant {self._auth.tenant}"

    def for_resource(self, resource: str) -> TokenFunc:
        """A token callback for ``with_access_token``, scoped to ``resource`` (scheme://host)."""
        scopes = [f"{resource.rstrip('/')}/.default"]

        def acquire() -> dict[str, Any]:
            app = self._application()
            try:
                result = app.acquire_token_for_client(scopes=scopes)
            except requests.RequestException as exc:
                raise SharePointUnavailable(
                    f"token request for {self.description} failed: {type(exc).__name__}"
                ) from None
            if not isinstance(result, dict) or "access_token" not in result:
                raise SharePointAuthError(self._refusal(result))
            expires_in = int(result.get("expires_in", 3600))
            return {
                "access_token": result["access_token"],
                "token_type": result.get("token_type", "Bearer"),
                "expires_in": max(60, expires_in - _EXPIRY_MARGIN_S),
            }

        return acquire

    def _application(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._app is None:
                self._app = self._build()
            return self._app

    def _build(self) -> msal.ConfidentialClientApplication:
        auth = self._auth
        credential: str | dict[str, str]
        if isinstance(auth, ClientSecretAuth):
            credential = auth.client_secret.get_secret_value()
        else:
            credential = {
                "private_key": self._private_key(auth),
                "thumbprint": auth.clean_thumbprint,
            }
            if auth.passphrase is not None:
                credential["passphrase"] = auth.passphrase.get_secret_value()
        try:
            return msal.ConfidentialClientApplication(
                auth.client_id,
                authority=f"{auth.authority_host.rstrip('/')}/{auth.tenant}",
                client_credential=credential,
                http_client=self._http_client,
            )
        except requests.RequestException as exc:
            raise SharePointUnavailable(
                f"Entra ID discovery for {self.description} failed: {type(exc).__name__}"
            ) from None
        except ValueError as exc:  # an unusable key or authority; the text may quote input
            raise SharePointAuthError(
                f"credentials of {self.description} cannot be used ({type(exc).__name__})"
            ) from None

    @staticmethod
    def _private_key(auth: CertificateAuth) -> str:
        try:
            text = auth.private_key_path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not PEM text"
            raise SharePointConfigError(
                f"cannot read private key {auth.private_key_path}: {reason or exc}"
            ) from None
        if "PRIVATE KEY" not in text:
            raise SharePointConfigError(
                f"{auth.private_key_path} holds no PEM private key (-----BEGIN ... PRIVATE KEY)"
            )
        return text

    def _refusal(self, result: object) -> str:
        error, detail = "no_token", ""
        if isinstance(result, dict):
            error = str(result.get("error") or error)
            lines = str(result.get("error_description") or "").strip().splitlines()
            detail = lines[0][:300] if lines else ""
        suffix = f" ({detail})" if detail else ""
        return f"Entra ID refused a token for {self.description}: {error}{suffix}"
