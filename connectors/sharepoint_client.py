"""SharePoint REST access for the SharePoint source, through office365-rest-python-client.

One :class:`SharePointSite` per configured site wraps a ``ClientContext`` (app-only token
from :mod:`connectors.sharepoint_auth`, form digest, transport) and turns the calls the
source needs into typed values: a library's id and current change token, pages of items,
one item, the change log (``GetChanges`` with a change token), an item's readers as an
:class:`schemas.Acl`, and a file's bytes.

Every call honours throttling: a 429 or 503 is retried after its ``Retry-After`` (or an
exponential backoff without one), at most ``max_retries`` times, then
:class:`SharePointThrottled` says so. Other failures become the typed errors of
:mod:`connectors.sharepoint_errors`; messages name the call and the server's error, never a
secret or a token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from urllib.parse import quote, urlsplit

import requests
import structlog
from office365.runtime.client_request_exception import ClientRequestException
from office365.runtime.http.request_options import RequestOptions
from office365.runtime.retry import response_retry_after
from office365.sharepoint.changes.query import ChangeQuery
from office365.sharepoint.changes.token import ChangeToken
from office365.sharepoint.client_context import ClientContext

from connectors.sharepoint_auth import TokenFunc
from connectors.sharepoint_errors import (
    ChangeTokenExpired,
    SharePointAuthError,
    SharePointError,
    SharePointThrottled,
    SharePointUnavailable,
)
from schemas import Acl

log = structlog.get_logger(__name__)

T = TypeVar("T")

THROTTLED = frozenset({429, 503})
NO_READERS = "sharepoint:no-readers"
"""The ACL group of an item nobody can read (only Limited Access or the app itself): an
empty ACL would mean "unrestricted", so a group no reader belongs to stands in."""

_ITEM_FIELDS = (
    "Id,UniqueId,FileRef,FileLeafRef,FSObjType,Title,Modified,"
    "File/ETag,File/Length,File/TimeLastModified,File/UniqueId"
)
_VIEW_LIST_ITEMS = 0x1  # SP.BasePermissions low word: the right to see items
_USER, _DISTRIBUTION_LIST, _SECURITY_GROUP, _SHAREPOINT_GROUP = 1, 2, 4, 8
_SPECIAL_GROUPS = {
    "c:0(.s|true": "everyone",
    "c:0-.f|rolemanager|spo-grid-all-users": "everyone-except-external-users",
}


class ChangeKind:
    """SharePoint's ``SP.ChangeType`` values the source acts on."""

    ADD = 1
    UPDATE = 2
    DELETE = 3
    RENAME = 4
    MOVE_AWAY = 5
    MOVE_INTO = 6
    RESTORE = 7
    ASSIGNMENT_ADD = 11
    ASSIGNMENT_DELETE = 12
    SYSTEM_UPDATE = 15
    SCOPE_ADD = 17
    SCOPE_DELETE = 18
    SECURITY = frozenset({ASSIGNMENT_ADD, ASSIGNMENT_DELETE, SCOPE_ADD, SCOPE_DELETE})


class SharePointHttpError(SharePointError):
    """An HTTP error the source does not classify further (``status``, server message)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SharePointNotFound(SharePointHttpError):
    """404: the item, file or library does not exist (any more)."""


@dataclass(frozen=True)
class LibraryInfo:
    """A document library: list id, title, root folder (server-relative URL) and the change
    token the next change would get (``CurrentChangeToken``)."""

    list_id: str
    title: str
    root_url: str
    change_token: str | None
    base_template: int | None = None


@dataclass(frozen=True)
class RemoteItem:
    """One list item: a file or a folder. ``path`` is the server-relative URL (``FileRef``),
    ``etag`` the file's ETag (changes with its content), ``size`` its length in bytes."""

    item_id: int
    unique_id: str
    is_folder: bool
    path: str
    name: str
    title: str | None
    etag: str | None
    size: int | None
    modified: datetime | None


@dataclass(frozen=True)
class ItemPage:
    items: tuple[RemoteItem, ...]
    next_url: str | None


@dataclass(frozen=True)
class Change:
    """One change-log entry: ``kind`` is the entry's type (``ChangeItem``, ``ChangeList``,
    ...), ``change_type`` the ``SP.ChangeType`` value, ``token`` its change token."""

    kind: str
    change_type: int
    token: str
    item_id: int | None = None
    unique_id: str | None = None
    time: datetime | None = None


def guid(value: object) -> str:
    """A GUID as lower-case text without braces."""
    return str(value).strip().strip("{}").lower()


def change_number(token: str | None) -> int | None:
    """The change number (last field) of a change token ``1;3;<list id>;<ticks>;<number>``."""
    if not token:
        return None
    try:
        number = int(token.rsplit(";", 1)[-1])
    except ValueError:
        return None
    return number if number >= 0 else None


class SharePointSite:
    """The REST calls the source makes on one site. ``wait(seconds)`` sleeps before a
    throttled request is retried and returns true when the source is closing."""

    def __init__(
        self,
        site_url: str,
        token: TokenFunc,
        *,
        timeout_s: float,
        max_retries: int,
        max_retry_after_s: float,
        wait: Callable[[float], bool],
    ) -> None:
        self.url = site_url.rstrip("/")
        parts = urlsplit(self.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._max_retries = max_retries
        self._max_retry_after_s = max_retry_after_s
        self._wait = wait
        self._ctx = ClientContext(self.url).with_access_token(token)
        self._ctx.with_transport(timeout=timeout_s)
        self._groups: dict[int, tuple[dict[str, Any], ...] | None] = {}
        self._hidden_groups_reported: set[int] = set()

    def forget_groups(self) -> None:
        """Drop the cached SharePoint group members (read again on next use)."""
        self._groups.clear()

    def absolute_url(self, server_relative: str) -> str:
        return self.origin + quote(server_relative, safe="/-_.~()'!*,;=@")

    # -- libraries and items -----------------------------------------------------------------

    def library(self, title: str) -> LibraryInfo:
        url = (
            f"{self.url}/_api/web/lists/GetByTitle('{_odata_string(title)}')"
            "?$select=Id,Title,BaseTemplate,CurrentChangeToken,RootFolder/ServerRelativeUrl"
            "&$expand=RootFolder"
        )
        data = _entity(self._get(f"library {title!r}", url))
        raw_root = data.get("RootFolder")
        root: dict[str, Any] = raw_root if isinstance(raw_root, dict) else {}
        token = data.get("CurrentChangeToken")
        template = data.get("BaseTemplate")
        return LibraryInfo(
            list_id=guid(data["Id"]),
            title=str(data.get("Title") or title),
            root_url=str(root.get("ServerRelativeUrl") or "").rstrip("/"),
            change_token=str(token["StringValue"]) if isinstance(token, dict) else None,
            base_template=int(template) if template is not None else None,
        )

    def first_items_url(self, list_id: str, page_size: int) -> str:
        return (
            f"{self.url}/_api/web/lists(guid'{list_id}')/items"
            f"?$select={_ITEM_FIELDS}&$expand=File&$top={page_size}"
        )

    def items_page(self, url: str) -> ItemPage:
        data = _entity(self._get("item listing", url))
        results = data.get("results", [])
        next_url = data.get("__next")
        return ItemPage(
            items=tuple(_item(row) for row in results if isinstance(row, dict)),
            next_url=str(next_url) if next_url else None,
        )

    def item(self, list_id: str, item_id: int) -> RemoteItem | None:
        url = (
            f"{self.url}/_api/web/lists(guid'{list_id}')/items({item_id})"
            f"?$select={_ITEM_FIELDS}&$expand=File"
        )
        try:
            return _item(_entity(self._get(f"item {item_id}", url)))
        except SharePointNotFound:
            return None

    def download(self, unique_id: str) -> bytes | None:
        """A file's bytes, ``None`` when it no longer exists."""
        url = f"{self.url}/_api/web/GetFileById('{unique_id}')/$value"
        try:
            return self._get(f"file {unique_id}", url).content
        except SharePointNotFound:
            return None

    # -- change log --------------------------------------------------------------------------

    def changes(self, list_id: str, token: str, limit: int) -> list[Change]:
        """Up to ``limit`` changes of items and of the library after ``token``, oldest first.
        Raises :class:`ChangeTokenExpired` when the token is older than the change log."""
        query = ChangeQuery(
            Item=True,
            List=True,
            Add=True,
            Update=True,
            SystemUpdate=True,
            DeleteObject=True,
            Rename=True,
            Move=True,
            Restore=True,
            RoleAssignmentAdd=True,
            RoleAssignmentDelete=True,
            SecurityPolicy=True,
            ChangeTokenStart=cast(Any, ChangeToken(token)),
            FetchLimit=cast(Any, limit),
        )

        def fetch() -> list[Any]:
            collection = self._ctx.web.lists.get_by_id(list_id).get_changes(query)
            self._ctx.execute_query()
            return list(collection)

        return [_change(entry) for entry in self._call("change log", fetch)]

    # -- permissions -------------------------------------------------------------------------

    def acl(self, list_id: str, item_id: int) -> Acl:
        """Who may read an item: the principals of its role assignments (its own, or those
        of the scope it inherits) whose permission levels include viewing items; SharePoint
        groups are expanded to their members."""
        url = (
            f"{self.url}/_api/web/lists(guid'{list_id}')/items({item_id})/roleassignments"
            "?$expand=Member,RoleDefinitionBindings"
        )
        assignments = _entity(self._get(f"permissions of item {item_id}", url)).get("results", [])
        users: set[str] = set()
        groups: set[str] = set()
        for assignment in assignments:
            if not isinstance(assignment, dict) or not _grants_read(assignment):
                continue
            member = assignment.get("Member")
            if not isinstance(member, dict):
                continue
            if _int(member.get("PrincipalType")) == _SHAREPOINT_GROUP:
                members = self._group_members(member)
                if members is None:
                    groups.add(f"sharepoint-group:{member.get('Title') or member.get('Id')}")
                    continue
                for inner in members:
                    _add_principal(inner, users, groups)
            else:
                _add_principal(member, users, groups)
        if not users and not groups:
            groups.add(NO_READERS)
        return Acl(users=tuple(sorted(users)), groups=tuple(sorted(groups)))

    def _group_members(self, group: dict[str, Any]) -> tuple[dict[str, Any], ...] | None:
        """The members of a SharePoint group (cached until :meth:`forget_groups`); ``None``
        when the app may not read them (membership visible to members only)."""
        group_id = _int(group.get("Id"))
        if group_id in self._groups:
            return self._groups[group_id]
        url = (
            f"{self.url}/_api/web/sitegroups/GetById({group_id})/users"
            "?$select=Id,LoginName,Title,Email,UserPrincipalName,PrincipalType"
        )
        members: tuple[dict[str, Any], ...] | None
        try:
            results = _entity(self._get(f"members of group {group_id}", url)).get("results", [])
            members = tuple(m for m in results if isinstance(m, dict))
        except SharePointAuthError:
            members = None
            if group_id not in self._hidden_groups_reported:
                self._hidden_groups_reported.add(group_id)
                log.warning(
                    "connector.sharepoint_group_hidden",
                    site=self.url,
                    group=group.get("Title"),
                    acl_group=f"sharepoint-group:{group.get('Title') or group_id}",
                )
        self._groups[group_id] = members
        return members

    # -- HTTP --------------------------------------------------------------------------------

    def _get(self, what: str, url: str) -> requests.Response:
        def send() -> requests.Response:
            return self._ctx.pending_request().execute_request_direct(RequestOptions(url))

        return self._call(what, send)

    def _call(self, what: str, action: Callable[[], T]) -> T:
        retries = 0
        while True:
            try:
                return action()
            except ClientRequestException as exc:
                response = getattr(exc, "response", None)
                status = getattr(response, "status_code", None)
                if status in THROTTLED:
                    delay = self._throttle_delay(response, retries + 1)
                    if retries >= self._max_retries or delay > self._max_retry_after_s:
                        raise SharePointThrottled(
                            f"{what} on {self.url}: still throttled (HTTP {status}) after "
                            f"{retries} retries honouring Retry-After (next wait {delay:.0f} s, "
                            f"limit {self._max_retries} retries of at most "
                            f"{self._max_retry_after_s:.0f} s); resuming from the checkpoint "
                            "on the next attempt"
                        ) from None
                    retries += 1
                    log.warning(
                        "connector.sharepoint_throttled",
                        site=self.url,
                        call=what,
                        status=status,
                        retry=retries,
                        retry_in_s=delay,
                    )
                    if self._wait(delay):
                        raise SharePointUnavailable(f"{what}: stopped while throttled") from None
                    continue
                raise _translate(what, self.url, status, response) from None
            except requests.RequestException as exc:
                raise SharePointUnavailable(
                    f"{what} on {self.url}: {type(exc).__name__} (unreachable or timed out)"
                ) from None

    @staticmethod
    def _throttle_delay(response: Any, attempt: int) -> float:
        retry_after = response_retry_after(response)
        if retry_after is not None:
            return float(retry_after)
        return float(min(60, 2 ** (attempt - 1)))


def _translate(what: str, site: str, status: int | None, response: Any) -> SharePointError:
    message = _server_message(response)
    detail = f": {message}" if message else ""
    if _is_expired_token(message):
        return ChangeTokenExpired(f"{what} on {site}: change token expired{detail}")
    if status == 401:
        return SharePointAuthError(
            f"{what} on {site}: 401 Unauthorized{detail} (SharePoint Online accepts Entra "
            "app-only tokens obtained with a certificate)"
        )
    if status == 403:
        return SharePointAuthError(
            f"{what} on {site}: 403 access denied{detail} (grant the app read access to the "
            "site, e.g. Sites.Read.All or Sites.Selected)"
        )
    if status == 404:
        return SharePointNotFound(f"{what} on {site}: not found{detail}", 404)
    if status is None or status >= 500:
        return SharePointUnavailable(f"{what} on {site}: HTTP {status}{detail}")
    return SharePointHttpError(f"{what} on {site}: HTTP {status}{detail}", status)


def _is_expired_token(message: str) -> bool:
    text = message.casefold()
    return ("change token" in text or "changetoken" in text) and (
        "change log" in text or "expired" in text or "invalid" in text
    )


def _server_message(response: Any) -> str:
    """The error text of a SharePoint or Entra error body, one line, at most 300 characters."""
    if response is None:
        return ""
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error") or body.get("odata.error")
    text: object = ""
    if isinstance(error, dict):
        message = error.get("message")
        text = message.get("value") if isinstance(message, dict) else message
        code = error.get("code")
        if code and text:
            text = f"{code}: {text}"
    elif "error_description" in body:
        text = body["error_description"]
    lines = str(text or "").strip().splitlines()
    return lines[0][:300] if lines else ""


def _entity(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise SharePointUnavailable("SharePoint answered something that is not JSON") from exc
    if isinstance(body, dict) and isinstance(body.get("d"), dict):
        body = body["d"]
    if not isinstance(body, dict):
        raise SharePointUnavailable("SharePoint answered an unexpected JSON shape")
    if "results" not in body and isinstance(body.get("value"), list):
        body = {**body, "results": body["value"]}
    return cast(dict[str, Any], body)


def _item(data: dict[str, Any]) -> RemoteItem:
    raw_file = data.get("File")
    file: dict[str, Any] = raw_file if isinstance(raw_file, dict) else {}
    kind = data.get("FileSystemObjectType", data.get("FSObjType"))
    path = str(data.get("FileRef") or file.get("ServerRelativeUrl") or "")
    name = str(data.get("FileLeafRef") or file.get("Name") or path.rsplit("/", 1)[-1])
    length = file.get("Length")
    title = data.get("Title") or file.get("Title")
    return RemoteItem(
        item_id=_int(data.get("Id", data.get("ID"))),
        unique_id=guid(data.get("UniqueId") or file.get("UniqueId") or ""),
        is_folder=_int(kind) == 1,
        path=path,
        name=name,
        title=str(title) if title else None,
        etag=str(file["ETag"]) if file.get("ETag") else None,
        size=_int(length) if length is not None else None,
        modified=_datetime(file.get("TimeLastModified") or data.get("Modified")),
    )


def _change(entry: Any) -> Change:
    props: dict[str, Any] = dict(getattr(entry, "properties", {}))
    token = props.get("ChangeToken")
    token_text = getattr(token, "StringValue", None)
    if token_text is None and isinstance(token, dict):
        token_text = token.get("StringValue")
    raw_type = props.get("ChangeType")
    change_type = getattr(raw_type, "value", raw_type)
    item_id = props.get("ItemId")
    unique_id = props.get("UniqueId")
    moment = props.get("Time")
    return Change(
        kind=type(entry).__name__,
        change_type=_int(change_type),
        token=str(token_text or ""),
        item_id=_int(item_id) if item_id is not None else None,
        unique_id=guid(unique_id) if unique_id else None,
        time=moment if isinstance(moment, datetime) else _datetime(moment),
    )


def _grants_read(assignment: dict[str, Any]) -> bool:
    """Whether one of the assignment's permission levels lets its member see items
    (Limited Access does not: it only lets a user reach something shared further down)."""
    bindings = assignment.get("RoleDefinitionBindings")
    if isinstance(bindings, dict):
        bindings = bindings.get("results", [])
    for binding in bindings if isinstance(bindings, list) else []:
        if not isinstance(binding, dict):
            continue
        permissions = binding.get("BasePermissions")
        if isinstance(permissions, dict) and permissions.get("Low") is not None:
            if _int(permissions.get("Low")) & _VIEW_LIST_ITEMS:
                return True
        elif _int(binding.get("RoleTypeKind")) not in (0, 1):  # None, Guest (Limited Access)
            return True
    return False


def _add_principal(member: dict[str, Any], users: set[str], groups: set[str]) -> None:
    """Users by e-mail (else UPN or login name), directory groups by object id (else name)."""
    login = str(member.get("LoginName") or "")
    kind = _int(member.get("PrincipalType"))
    if kind == _USER:
        if _is_system(login):
            return
        name = member.get("Email") or member.get("UserPrincipalName") or _claim_value(login)
        if name:
            users.add(str(name).strip().lower())
        return
    if kind in (_SECURITY_GROUP, _DISTRIBUTION_LIST):
        for prefix, special in _SPECIAL_GROUPS.items():
            if login.startswith(prefix):
                groups.add(special)
                return
        value = _claim_value(login)
        groups.add(value if value else str(member.get("Title") or member.get("Id")))


def _is_system(login: str) -> bool:
    lowered = login.lower()
    return lowered in {"sharepoint\\system", "i:0#.w|nt service\\spsearch"} or lowered.startswith(
        "i:0i.t|"
    )


def _claim_value(login: str) -> str:
    """The identity part of a claims login (``i:0#.f|membership|alice@x`` -> ``alice@x``)."""
    return login.rsplit("|", 1)[-1].strip() if login else ""


def _odata_string(value: str) -> str:
    return quote(value.replace("'", "''"), safe="")


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def in_scope(path: str, prefixes: Iterable[str]) -> bool:
    """Whether server-relative ``path`` lies in one of the folder ``prefixes`` (case-blind,
    as SharePoint URLs are)."""
    folded = path.casefold()
    for prefix in prefixes:
        folded_prefix = prefix.casefold().rstrip("/")
        if folded == folded_prefix or folded.startswith(folded_prefix + "/"):
            return True
    return False
