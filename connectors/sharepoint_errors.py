"""The SharePoint source's errors; messages never carry secrets, tokens or document content."""

from __future__ import annotations

from connectors.base import SourceUnavailable


class SharePointError(RuntimeError):
    """Base class of the SharePoint source's failures."""


class SharePointUnavailable(SharePointError, SourceUnavailable):
    """Transient: SharePoint or Entra ID could not be reached, answered 5xx, or the wait was
    interrupted. Retried with backoff while watching; raised by a ``--once`` run."""


class SharePointThrottled(SharePointUnavailable):
    """SharePoint kept answering 429/503 after the configured retries (each honouring its
    Retry-After). The batch was not published; the next attempt resumes from the checkpoint."""


class SharePointAuthError(SharePointError):
    """The credentials were refused (token request failed, 401, 403): needs a person."""


class SharePointConfigError(SharePointError, ValueError):
    """A configuration that cannot work: a bad file, an unset variable, an unreadable private
    key, a library the site does not have."""


class ChangeTokenExpired(SharePointError):
    """The change token is older than the change log SharePoint keeps (about 60 days):
    the library is crawled again in full and what vanished is deleted."""
