"""A local replay/fake of SharePoint Online's REST API for the SharePoint source's tests.

SharePoint Online cannot be reached from the tests. :class:`SharePointReplay` is a threaded
``http.server`` on 127.0.0.1 (ephemeral port) that answers the calls the source makes with
the response shapes recorded from SharePoint Online in pnp/pnpcore's test mock data
(tests/fixtures/sharepoint, see NOTICE there): list metadata with ``CurrentChangeToken``,
items (``__next`` paging), file metadata and content, and ``GetChanges`` entries carrying
change tokens. The answers are rendered from a small in-memory site that a test changes
(add, edit, rename, move, delete, permission changes, group membership), each change
appending entries to the library's change log as SharePoint does, so a test replays the
sequence it needs: initial crawl, edit, rename, delete, permission change, throttling
(429/503 with Retry-After, then success), an expired change token.

What the recordings lack is built here in SharePoint's documented shapes and says so in
NOTICE: the form digest, role assignments and group members, error bodies. The Entra ID
token endpoint is faked as MSAL's HTTP client (:class:`FakeTokenEndpoint`).

The replay does not imitate SharePoint's query language: ``$select``/``$expand`` are
ignored (every answer carries the fields the source selects), and only the URLs the source
uses are routed; anything else answers 404 and is listed in :attr:`SharePointReplay.unexpected`.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sharepoint"
SITE_PATH = "/sites/prov-2"
_RECORDED_HOST = "https://bertonline.sharepoint.com"
_EPOCH_TICKS = 621_355_968_000_000_000  # .NET ticks at 1970-01-01


def recorded(name: str) -> Any:
    """The ``Response`` of a recorded fixture, parsed as JSON when it is JSON."""
    wrapper = json.loads((FIXTURES / f"{name}.response.json").read_text(encoding="utf-8"))
    body = wrapper["Response"]
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return body


# -- recorded templates ----------------------------------------------------------------------

LIST = recorded("GetFileByServerRelativeUrlTest-0-00002")  # SP.List "Documents"
ROOT_FOLDER = recorded("GetFileByServerRelativeUrlTest-0-00003")  # /sites/prov-2/Shared Documents
DOCX_FILE = recorded("GetFileByServerRelativeUrlTest-0-00004")  # SP.File of a .docx
TEXT_FILE = recorded("GetFileContentBytesTest-0-00003")  # SP.File GetFileContentBytesTest.txt
TEXT_CONTENT: bytes = str(recorded("GetFileContentBytesTest-0-00005")).encode()  # PnP Rocks !!!
ITEM = recorded("GetListItemChangesAsyncTest-1-00004")["value"][0]  # a library item's fields
CHANGE_ITEM = recorded("GetListChangesAsyncTest-0-00003")["d"]["results"][0]  # SP.ChangeItem
CHANGE_LIST = recorded("GetListChangesOnlyAsyncTest-0-00005")["d"]["results"][0]  # SP.ChangeList
PAGE_NEXT_LINK: str = recorded("RESTListItemPaging-0-00007")["odata.nextLink"]

RECORDED_LIST_ID: str = LIST["Id"]
RECORDED_TOKEN: str = LIST["CurrentChangeToken"]["StringValue"]
RECORDED_TEXT_ID: str = TEXT_FILE["UniqueId"]
RECORDED_DOCX_ID: str = DOCX_FILE["UniqueId"]

# SP.RoleDefinition shapes (documented values; not in the recordings)
READ = {"Id": 1073741826, "Name": "Read", "RoleTypeKind": 2, "Hidden": False,
        "BasePermissions": {"High": "176", "Low": "138612833"}}  # fmt: skip
CONTRIBUTE = {"Id": 1073741827, "Name": "Contribute", "RoleTypeKind": 3, "Hidden": False,
              "BasePermissions": {"High": "432", "Low": "1011030767"}}  # fmt: skip
LIMITED_ACCESS = {"Id": 1073741825, "Name": "Limited Access", "RoleTypeKind": 1,
                  "Hidden": True, "BasePermissions": {"High": "0", "Low": "134287360"}}  # fmt: skip


def user(email: str, principal_id: int) -> dict[str, Any]:
    """An SP.User principal (Entra ID account)."""
    return {
        "__metadata": {"type": "SP.User"},
        "Id": principal_id,
        "LoginName": f"i:0#.f|membership|{email}",
        "Title": email.split("@")[0].title(),
        "Email": email,
        "UserPrincipalName": email,
        "PrincipalType": 1,
    }


def directory_group(object_id: str, title: str, principal_id: int) -> dict[str, Any]:
    """An Entra ID security group as SharePoint shows it (PrincipalType 4)."""
    return {
        "__metadata": {"type": "SP.User"},
        "Id": principal_id,
        "LoginName": f"c:0t.c|tenant|{object_id}",
        "Title": title,
        "Email": "",
        "PrincipalType": 4,
    }


def sharepoint_group(group_id: int, title: str) -> dict[str, Any]:
    return {
        "__metadata": {"type": "SP.Group"},
        "Id": group_id,
        "LoginName": title,
        "Title": title,
        "PrincipalType": 8,
    }


Assignment = tuple[dict[str, Any], dict[str, Any]]  # (member, role definition)


@dataclass
class FakeItem:
    unique_id: str
    item_id: int
    path: str
    content: bytes = b""
    is_folder: bool = False
    version: int = 1
    title: str | None = None
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))
    roles: list[Assignment] | None = None  # None: inherits from its folder / the library

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def etag(self) -> str:
        return f'"{{{self.unique_id.upper()}}},{self.version}"'


@dataclass
class FakeLibrary:
    list_id: str
    title: str
    root: str
    roles: list[Assignment]
    items: dict[str, FakeItem] = field(default_factory=dict)
    log: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    next_item_id: int = 1

    def by_item_id(self, item_id: int) -> FakeItem | None:
        return next((i for i in self.items.values() if i.item_id == item_id), None)

    def by_path(self, path: str) -> FakeItem | None:
        return next((i for i in self.items.values() if i.path.casefold() == path.casefold()), None)


@dataclass
class Rule:
    """Answer the next ``times`` requests whose path matches ``pattern`` with ``status``."""

    pattern: re.Pattern[str]
    times: int
    status: int
    retry_after: str | None
    body: dict[str, Any]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    status: int
    at: float
    authorization: str | None
    body: bytes


class FakeTokenEndpoint:
    """A fake Microsoft Entra ID for MSAL (passed as its ``http_client``): answers the
    tenant's OpenID configuration and the token endpoint, records each token request, and
    issues tokens the replay accepts. ``refuse`` makes it answer ``invalid_client``."""

    def __init__(self) -> None:
        self.token_requests: list[dict[str, Any]] = []
        self.issued: list[str] = []
        self.refuse = False
        self._lock = threading.Lock()

    def get(self, url: str, **_: Any) -> _Response:
        if "/common/discovery/instance" in url:  # MSAL's authority aliases
            host = urlsplit(url).netloc
            return _Response(
                200,
                {
                    "tenant_discovery_endpoint": f"https://{host}/common/v2.0/.well-known/"
                    "openid-configuration",
                    "api-version": "1.1",
                    "metadata": [
                        {
                            "preferred_network": host,
                            "preferred_cache": host,
                            "aliases": [host],
                        }
                    ],
                },
            )
        base = url.split("/v2.0/.well-known/", 1)[0].split("/.well-known/", 1)[0]
        return _Response(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0",
            },
        )

    def post(self, url: str, data: Any = None, **kwargs: Any) -> _Response:
        with self._lock:
            fields = dict(data or {})
            self.token_requests.append({"url": url, "data": fields, **kwargs})
            if self.refuse:
                return _Response(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided.\r\n"
                        "Trace ID: 00000000-0000-0000-0000-000000000000",
                    },
                )
            token = f"replay-access-token-{len(self.issued) + 1}"
            self.issued.append(token)
            return _Response(
                200,
                {"token_type": "Bearer", "expires_in": 3599, "access_token": token},
            )

    def close(self) -> None:
        pass


class _Response:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self.text = json.dumps(body)
        self.headers = {"Content-Type": "application/json"}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


class SharePointReplay:
    """One fake site (``site_url``) with the recorded "Documents" library and any number of
    other libraries; use as a context manager (starts and stops the server)."""

    def __init__(self, tokens: FakeTokenEndpoint) -> None:
        self.tokens = tokens
        self.lock = threading.RLock()
        self.requests: list[Seen] = []
        self.unexpected: list[str] = []
        self.rules: list[Rule] = []
        self.groups: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self.web_roles: list[Assignment] = []
        self._number = int(RECORDED_TOKEN.rsplit(";", 1)[-1])
        self._log_start = 0
        self._clock = datetime(2024, 3, 29, 17, 56, 38, tzinfo=UTC)
        self.libraries: dict[str, FakeLibrary] = {}
        self.documents = self.add_library(
            LIST["Title"], ROOT_FOLDER["ServerRelativeUrl"], list_id=RECORDED_LIST_ID
        )
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> SharePointReplay:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def site_url(self) -> str:
        return self.origin + SITE_PATH

    # -- the site: libraries, files, permissions ---------------------------------------------

    def add_library(self, title: str, root: str, *, list_id: str | None = None) -> FakeLibrary:
        with self.lock:
            library = FakeLibrary(
                list_id=list_id or str(uuid.uuid4()), title=title, root=root, roles=[]
            )
            self.libraries[library.list_id] = library
            return library

    def add_group(self, group_id: int, title: str, members: list[dict[str, Any]]) -> None:
        with self.lock:
            self.groups[group_id] = (sharepoint_group(group_id, title), list(members))

    def set_group_members(self, group_id: int, members: list[dict[str, Any]]) -> None:
        """Change a SharePoint group's members (the list change logs record nothing)."""
        with self.lock:
            self.groups[group_id] = (self.groups[group_id][0], list(members))

    def add_folder(self, library: FakeLibrary, relative: str) -> FakeItem:
        return self._add(library, relative, b"", is_folder=True)

    def add_file(
        self,
        library: FakeLibrary,
        relative: str,
        content: bytes,
        *,
        unique_id: str | None = None,
        roles: list[Assignment] | None = None,
        title: str | None = None,
    ) -> FakeItem:
        item = self._add(library, relative, content, unique_id=unique_id, title=title)
        if roles is not None:
            self.set_permissions(item, roles)
        return item

    def _add(
        self,
        library: FakeLibrary,
        relative: str,
        content: bytes,
        *,
        is_folder: bool = False,
        unique_id: str | None = None,
        title: str | None = None,
    ) -> FakeItem:
        with self.lock:
            item = FakeItem(
                unique_id=(unique_id or str(uuid.uuid4())).lower(),
                item_id=library.next_item_id,
                path=f"{library.root}/{relative}",
                content=content,
                is_folder=is_folder,
                title=title,
                modified=self._tick(),
            )
            library.next_item_id += 1
            library.items[item.unique_id] = item
            self._log(library, item, 1)  # Add
            return item

    def edit(self, item: FakeItem, content: bytes) -> None:
        with self.lock:
            item.content = content
            item.version += 1
            item.modified = self._tick()
            self._log(self.library_of(item), item, 2)  # Update

    def rename(self, item: FakeItem, new_name: str) -> None:
        """Rename a file or folder; a folder's descendants move with it (only the folder's
        rename is logged)."""
        with self.lock:
            library = self.library_of(item)
            old = item.path
            item.path = f"{old.rsplit('/', 1)[0]}/{new_name}"
            if item.is_folder:
                for other in library.items.values():
                    if other.path.startswith(old + "/"):
                        other.path = item.path + other.path[len(old) :]
            self._log(library, item, 4)  # Rename

    def move(self, item: FakeItem, target: FakeLibrary, relative: str) -> None:
        """Move a file to another library, keeping its UniqueId (MoveAway, then MoveInto)."""
        with self.lock:
            source = self.library_of(item)
            del source.items[item.unique_id]
            self._log(source, item, 5)  # MoveAway
            item.item_id = target.next_item_id
            target.next_item_id += 1
            item.path = f"{target.root}/{relative}"
            target.items[item.unique_id] = item
            self._log(target, item, 6)  # MoveInto

    def delete(self, item: FakeItem) -> None:
        """Delete a file, or a folder with everything in it (only the folder is logged)."""
        with self.lock:
            library = self.library_of(item)
            del library.items[item.unique_id]
            if item.is_folder:
                for other in list(library.items.values()):
                    if other.path.startswith(item.path + "/"):
                        del library.items[other.unique_id]
            self._log(library, item, 3)  # DeleteObject

    def set_permissions(self, item: FakeItem, roles: list[Assignment]) -> None:
        """Break inheritance and give the item its own role assignments (logged as the
        recordings show it: AssignmentAdd, ScopeAdd, AssignmentAdd)."""
        with self.lock:
            library = self.library_of(item)
            first = item.roles is None
            item.roles = list(roles)
            self._log(library, item, 11)
            if first:
                self._log(library, item, 17)
                self._log(library, item, 11)

    def inherit_permissions(self, item: FakeItem) -> None:
        with self.lock:
            item.roles = None
            self._log(self.library_of(item), item, 18)  # ScopeDelete

    def set_library_permissions(self, library: FakeLibrary, roles: list[Assignment]) -> None:
        """Change the library's own role assignments (an SP.ChangeList entry)."""
        with self.lock:
            library.roles = list(roles)
            self._number += 1
            entry = copy.deepcopy(CHANGE_LIST)
            entry.update(
                ChangeToken={**entry["ChangeToken"], "StringValue": self._token(library)},
                ChangeType=11,
                ListId=library.list_id,
                Title=library.title,
                Time=_iso(self._tick()),
            )
            library.log.append((self._number, entry))

    def expire_change_log(self) -> None:
        """Drop every change logged so far, as SharePoint does after the retention period:
        a change token from before now is refused."""
        with self.lock:
            self._log_start = self._number + 1
            for library in self.libraries.values():
                library.log.clear()

    def library_of(self, item: FakeItem) -> FakeLibrary:
        return next(lib for lib in self.libraries.values() if item.unique_id in lib.items)

    def effective_roles(self, library: FakeLibrary, item: FakeItem) -> list[Assignment]:
        """The item's own assignments, else those of the closest folder with its own, else
        the library's: what SharePoint answers for an item that inherits."""
        if item.roles is not None:
            return item.roles
        parent = item.path.rsplit("/", 1)[0]
        while parent.startswith(library.root + "/"):
            folder = library.by_path(parent)
            if folder is not None and folder.roles is not None:
                return folder.roles
            parent = parent.rsplit("/", 1)[0]
        return library.roles

    # -- faults ------------------------------------------------------------------------------

    def throttle(
        self, pattern: str, times: int, *, status: int = 429, retry_after: str | None = "1"
    ) -> None:
        """The next ``times`` requests matching ``pattern`` answer ``status`` (429 or 503)."""
        body = {
            "error": {
                "code": "-2147024860, Microsoft.SharePoint.SPQueryThrottledException",
                "message": {"lang": "en-US", "value": "The request has been throttled."},
            }
        }
        with self.lock:
            self.rules.append(
                Rule(re.compile(pattern, re.IGNORECASE), times, status, retry_after, body)
            )

    # -- serving -----------------------------------------------------------------------------

    def requests_to(self, pattern: str) -> list[Seen]:
        expression = re.compile(pattern, re.IGNORECASE)
        with self.lock:
            return [seen for seen in self.requests if expression.search(seen.path)]

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            status, out_headers, out = self._answer(method, target, headers, body)
            self.requests.append(
                Seen(
                    method,
                    unquote(target),
                    status,
                    time.monotonic(),
                    headers.get("authorization"),
                    body,
                )
            )
            return status, out_headers, out

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        path = unquote(urlsplit(target).path)
        for rule in self.rules:
            if rule.times > 0 and rule.pattern.search(path):
                rule.times -= 1
                extra = {"Retry-After": rule.retry_after} if rule.retry_after else {}
                return _json(rule.status, rule.body, extra)
        bearer = headers.get("authorization", "")
        if not bearer.startswith("Bearer ") or bearer[7:] not in self.tokens.issued:
            return _json(
                401,
                {
                    "error_description": "Invalid JWT token. No certificate thumbprint "
                    "specified in token header."
                },
            )
        api = SITE_PATH + "/_api/"
        if not path.casefold().startswith(api.casefold()):
            return self._unexpected(method, target)
        route = path[len(api) :]
        query = parse_qs(urlsplit(target).query)
        if method == "POST" and route.casefold() == "contextinfo":
            return _json(200, {"d": {"GetContextWebInformation": {
                "__metadata": {"type": "SP.ContextWebInformation"},
                "FormDigestTimeoutSeconds": 1800,
                "FormDigestValue": "0xREPLAY,29 Mar 2024 17:56:38 -0000",
                "LibraryVersion": "16.0.24701.12006",
                "SiteFullUrl": self.site_url,
                "WebFullUrl": self.site_url,
            }}})  # fmt: skip
        for pattern, handler in self._routes():
            match = re.fullmatch(pattern, route, re.IGNORECASE)
            if match is not None:
                return handler(method, match, query, body)
        return self._unexpected(method, target)

    def _unexpected(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        self.unexpected.append(f"{method} {target}")
        return _error(404, "-2130575338, System.ArgumentException", "Unexpected request.")

    def _routes(self) -> Iterator[tuple[str, Any]]:
        yield r"web/lists/GetByTitle\('(?P<title>.*)'\)", self._list_by_title
        yield r"web/lists\(guid'(?P<id>[0-9a-f-]+)'\)/items", self._items
        yield r"web/lists\(guid'(?P<id>[0-9a-f-]+)'\)/items\((?P<n>\d+)\)", self._item
        yield (
            r"web/lists\(guid'(?P<id>[0-9a-f-]+)'\)/items\((?P<n>\d+)\)/roleassignments",
            self._role_assignments,
        )
        yield r"web/sitegroups/GetById\((?P<n>\d+)\)/users", self._group_users
        yield r"web/GetFileById\('(?P<uid>[0-9a-f-]+)'\)/\$value", self._content
        yield r"Web/lists/GetById\('(?P<id>[0-9a-f-]+)'\)/getChanges", self._changes

    def _library(self, list_id: str) -> FakeLibrary | None:
        return self.libraries.get(list_id.lower())

    def _list_by_title(self, method: str, match: re.Match[str], *_: Any) -> Any:
        title = match["title"].replace("''", "'")
        library = next((lib for lib in self.libraries.values() if lib.title == title), None)
        if library is None:
            return _error(
                404,
                "-1, System.ArgumentException",
                f"List '{title}' does not exist at site with URL '{self.site_url}'.",
            )
        data = copy.deepcopy(LIST)
        data.update(
            __metadata={"type": "SP.List"},
            Id=library.list_id,
            Title=library.title,
            CurrentChangeToken={"__metadata": {"type": "SP.ChangeToken"},
                                "StringValue": self._token(library)},
            RootFolder={**copy.deepcopy(ROOT_FOLDER), "__metadata": {"type": "SP.Folder"},
                        "ServerRelativeUrl": library.root, "Name": library.root.rsplit("/", 1)[-1]},
        )  # fmt: skip
        return _json(200, {"d": data})

    def _items(
        self, method: str, match: re.Match[str], query: dict[str, list[str]], _: bytes
    ) -> Any:
        library = self._library(match["id"])
        if library is None:
            return _error(404, "-1, System.ArgumentException", "List does not exist.")
        top = int(query.get("$top", ["100"])[0])
        after = 0
        skiptoken = query.get("$skiptoken", [""])[0]
        if skiptoken:
            after = int(parse_qs(skiptoken)["p_ID"][0])
        rows = sorted(library.items.values(), key=lambda i: i.item_id)
        rows = [row for row in rows if row.item_id > after]
        page, more = rows[:top], len(rows) > top
        data: dict[str, Any] = {"results": [self._render_item(library, row) for row in page]}
        if more:
            # the recorded next link's shape: $skiptoken=Paged=TRUE&p_ID=<last id>&$top=<n>
            recorded_query = urlsplit(PAGE_NEXT_LINK).query.replace(
                "p_ID%3d2", f"p_ID%3d{page[-1].item_id}"
            )
            recorded_query = re.sub(r"%24top=\d+", f"%24top={top}", recorded_query)
            data["__next"] = (
                f"{self.site_url}/_api/web/lists(guid'{library.list_id}')/items?{recorded_query}"
            )
        return _json(200, {"d": data})

    def _item(self, method: str, match: re.Match[str], *_: Any) -> Any:
        library = self._library(match["id"])
        item = library.by_item_id(int(match["n"])) if library else None
        if library is None or item is None:
            return _error(
                404,
                "-2147024809, System.ArgumentException",
                "Item does not exist. It may have been deleted by another user.",
            )
        return _json(200, {"d": self._render_item(library, item)})

    def _role_assignments(self, method: str, match: re.Match[str], *_: Any) -> Any:
        library = self._library(match["id"])
        item = library.by_item_id(int(match["n"])) if library else None
        if library is None or item is None:
            return _error(404, "-2147024809, System.ArgumentException", "Item does not exist.")
        results = []
        for member, role in self.effective_roles(library, item):
            results.append({
                "__metadata": {"type": "SP.RoleAssignment"},
                "PrincipalId": member["Id"],
                "Member": member,
                "RoleDefinitionBindings": {"results": [
                    {"__metadata": {"type": "SP.RoleDefinition"}, **role}
                ]},
            })  # fmt: skip
        return _json(200, {"d": {"results": results}})

    def _group_users(self, method: str, match: re.Match[str], *_: Any) -> Any:
        group = self.groups.get(int(match["n"]))
        if group is None:
            return _error(
                404, "-2146232832, Microsoft.SharePoint.SPException", "Group cannot be found."
            )
        return _json(200, {"d": {"results": group[1]}})

    def _content(self, method: str, match: re.Match[str], *_: Any) -> Any:
        for library in self.libraries.values():
            item = library.items.get(match["uid"].lower())
            if item is not None and not item.is_folder:
                return 200, {"Content-Type": "application/octet-stream"}, item.content
        return _error(404, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")

    def _changes(self, method: str, match: re.Match[str], _: Any, body: bytes) -> Any:
        library = self._library(match["id"])
        if method != "POST" or library is None:
            return self._unexpected(method, match.string)
        query = json.loads(body or b"{}")["query"]
        start = (query.get("ChangeTokenStart") or {}).get("StringValue")
        limit = int(query.get("FetchLimit") or 1000)
        after = int(start.rsplit(";", 1)[-1]) if start else 0
        if start and after < self._log_start - 1:
            return _error(
                500,
                "-2146232832, Microsoft.SharePoint.SPException",
                "The changeToken refers to a time before the start of the current change log.",
            )
        entries = [entry for number, entry in library.log if number > after][:limit]
        return _json(200, {"d": {"results": entries}})

    # -- rendering in the recorded shapes ----------------------------------------------------

    def _render_item(self, library: FakeLibrary, item: FakeItem) -> dict[str, Any]:
        row = copy.deepcopy(ITEM)
        entity = library.title.replace(" ", "_x0020_")
        row.update(
            __metadata={"type": f"SP.Data.{entity}Item"},
            Id=item.item_id,
            ID=item.item_id,
            FileSystemObjectType=1 if item.is_folder else 0,
            FSObjType=1 if item.is_folder else 0,
            UniqueId=item.unique_id,
            GUID=str(uuid.uuid5(uuid.NAMESPACE_URL, item.unique_id)),
            FileRef=item.path,
            FileLeafRef=item.name,
            Title=item.title,
            Modified=_iso(item.modified),
            ServerRedirectedEmbedUri=None,
            ServerRedirectedEmbedUrl="",
        )
        if item.is_folder:
            row["File"] = None
            return row
        template = DOCX_FILE if item.name.lower().endswith(".docx") else TEXT_FILE
        file = copy.deepcopy(template)
        file.update(
            __metadata={"type": "SP.File"},
            ETag=item.etag,
            ContentTag=f"{{{item.unique_id.upper()}}},{item.version},1",
            Length=str(len(item.content)),
            Name=item.name,
            ServerRelativeUrl=item.path,
            TimeLastModified=_iso(item.modified),
            UniqueId=item.unique_id,
            UIVersion=512 * item.version,
            UIVersionLabel=f"{item.version}.0",
            MajorVersion=item.version,
            Title=item.title or "",
            LinkingUri=None,
            LinkingUrl="",
        )
        row["File"] = file
        return row

    def _log(self, library: FakeLibrary, item: FakeItem, change_type: int) -> None:
        self._number += 1
        entry = copy.deepcopy(CHANGE_ITEM)
        guid = str(uuid.uuid4())
        entry.update(
            __metadata={
                key: value.replace(_RECORDED_HOST, self.origin).replace(
                    "f95f6a94-c92c-4853-a610-dee4635884e2", guid
                )
                for key, value in entry["__metadata"].items()
            },
            ChangeToken={**entry["ChangeToken"], "StringValue": self._token(library)},
            ChangeType=change_type,
            Time=_iso(self._tick()),
            ItemId=item.item_id,
            ListId=library.list_id,
            UniqueId=item.unique_id,
            ServerRelativeUrl="",
        )
        library.log.append((self._number, entry))

    def _token(self, library: FakeLibrary) -> str:
        ticks = _EPOCH_TICKS + int(self._clock.timestamp() * 10_000_000)
        return f"1;3;{library.list_id};{ticks};{self._number}"

    def _tick(self) -> datetime:
        self._clock += timedelta(seconds=1)
        return self._clock


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"Content-Type": "application/json;odata=verbose;charset=utf-8", **(headers or {})},
        json.dumps(body).encode(),
    )


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return _json(status, {"error": {"code": code, "message": {"lang": "en-US", "value": message}}})


def _handler(replay: SharePointReplay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per answer
        wbufsize = 1 << 16  # headers and body leave in one write

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out_headers, out = replay.handle(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
