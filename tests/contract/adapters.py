"""One small adapter per source for the contract suite: how to change the source's data, how
to run the source once, and what the source holds now (the state the published events must
end in). File system on a temporary folder, SQL on SQLite, SharePoint on the local replay."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol

import sqlalchemy as sa

from connectors.filesystem import FileSystemSource
from connectors.runner import RunSummary
from connectors.sharepoint import SharePointSource
from connectors.sharepoint_config import SharePointSourceConfig
from connectors.sql import SqlSource
from connectors.sql_config import SqlSourceConfig
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, KafkaSettings, Settings
from schemas.row_mapping import RowMapping
from tests.unit.connectors.sharepoint_replay import (
    READ,
    FakeItem,
    FakeTokenEndpoint,
    SharePointReplay,
    user,
)


@dataclass(frozen=True)
class Expected:
    """What one document is at the source now: its text and who may read it."""

    text: str
    readers: tuple[str, ...]


class RunnableSource(Protocol):
    @property
    def source_id(self) -> str: ...

    def run(self, stop: threading.Event, once: bool = False) -> RunSummary: ...

    def commit(self, checkpoint: Any, dead_lettered: frozenset[str] = frozenset()) -> None: ...


class Adapter(Protocol):
    """A source under the contract. Names are the test's handles of documents; the adapter
    maps them to the source's document ids."""

    kind: str
    renames: bool
    """Whether the source has renames at all."""
    rename_keeps_id: bool
    """A rename is one upsert of the same document (SharePoint), not delete + upsert."""
    permissions: str | None
    """Where readers come from; ``None``: the source has no permissions (empty ACLs)."""

    def add(self, name: str, text: str, readers: tuple[str, ...] = ()) -> None: ...

    def edit(self, name: str, text: str) -> None: ...

    def remove(self, name: str) -> None: ...

    def rename(self, name: str, new_name: str) -> None: ...

    def set_readers(self, name: str, readers: tuple[str, ...]) -> None: ...

    def document_id(self, name: str) -> str: ...

    def expected(self) -> dict[str, Expected]:
        """Document id -> what the source holds now."""
        ...

    def source(
        self, publisher: InMemoryPublisher, *, state_dir: Path | None = None, **settings: Any
    ) -> RunnableSource:
        """The source, with batches of at most two documents (restarts fall mid-run)."""
        ...


def _settings(state_dir: Path, **connectors: Any) -> Settings:
    return Settings(
        connectors=ConnectorSettings(state_dir=state_dir, **connectors),
        kafka=KafkaSettings(max_event_bytes=256 * 1024),
    )


# -- file system ---------------------------------------------------------------------------------


@dataclass
class FileSystemAdapter:
    """A temporary folder; documents are ``<name>.md`` files. No permissions: the file
    system source publishes no readers (every ACL is empty), which the contract checks."""

    root: Path
    state_dir: Path
    kind: str = "filesystem"
    renames: bool = True
    rename_keeps_id: bool = False
    permissions: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    clock: Iterator[int] = field(default_factory=lambda: itertools.count(1_700_000_000))

    def _write(self, name: str, text: str) -> None:
        path = self.root / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        moment = next(self.clock) * 1_000_000_000
        os.utime(path, ns=(moment, moment))
        self.files[name] = text

    def add(self, name: str, text: str, readers: tuple[str, ...] = ()) -> None:
        self._write(name, text)

    def edit(self, name: str, text: str) -> None:
        self._write(name, text)

    def remove(self, name: str) -> None:
        (self.root / f"{name}.md").unlink()
        del self.files[name]

    def rename(self, name: str, new_name: str) -> None:
        (self.root / f"{name}.md").rename(self.root / f"{new_name}.md")
        self.files[new_name] = self.files.pop(name)

    def set_readers(self, name: str, readers: tuple[str, ...]) -> None:
        raise NotImplementedError("files carry no readers")

    def document_id(self, name: str) -> str:
        return f"{name}.md"

    def expected(self) -> dict[str, Expected]:
        return {self.document_id(n): Expected(t, ()) for n, t in self.files.items()}

    def source(
        self, publisher: InMemoryPublisher, *, state_dir: Path | None = None, **settings: Any
    ) -> RunnableSource:
        return FileSystemSource(
            self.root,
            _settings(state_dir or self.state_dir, source_id="contract-fs", **settings),
            publisher,
            max_batch_files=2,
        )


# -- SQL (SQLite) --------------------------------------------------------------------------------

_T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class SqlAdapter:
    """A SQLite table; readers come from the ``readers`` column (comma-separated)."""

    url: str
    state_dir: Path
    kind: str = "sql"
    renames: bool = False
    rename_keeps_id: bool = False
    permissions: str | None = "the readers column (acl_users_column)"
    ids: dict[str, int] = field(default_factory=dict)
    rows: dict[int, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    clock: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    engine: sa.Engine = field(init=False)
    table: sa.Table = field(init=False)

    def __post_init__(self) -> None:
        self.engine = sa.create_engine(self.url)
        meta = sa.MetaData()
        self.table = sa.Table(
            "notes",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("readers", sa.String(400)),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
        meta.create_all(self.engine)

    def _now(self) -> datetime:
        return _T0 + timedelta(seconds=next(self.clock))

    def add(self, name: str, text: str, readers: tuple[str, ...] = ()) -> None:
        number = next(self.numbers)
        self.ids[name] = number
        with self.engine.begin() as conn:
            conn.execute(
                self.table.insert().values(
                    id=number, body=text, readers=",".join(readers), updated_at=self._now()
                )
            )
        self.rows[number] = (text, readers)

    def _update(self, name: str, **values: Any) -> None:
        number = self.ids[name]
        with self.engine.begin() as conn:
            conn.execute(
                self.table.update()
                .where(self.table.c.id == number)
                .values(updated_at=self._now(), **values)
            )

    def edit(self, name: str, text: str) -> None:
        self._update(name, body=text)
        self.rows[self.ids[name]] = (text, self.rows[self.ids[name]][1])

    def remove(self, name: str) -> None:
        number = self.ids.pop(name)
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.id == number))
        del self.rows[number]

    def rename(self, name: str, new_name: str) -> None:
        raise NotImplementedError("rows have no names to change")

    def set_readers(self, name: str, readers: tuple[str, ...]) -> None:
        self._update(name, readers=",".join(readers))
        self.rows[self.ids[name]] = (self.rows[self.ids[name]][0], readers)

    def document_id(self, name: str) -> str:
        return str(self.ids[name])

    def expected(self) -> dict[str, Expected]:
        return {str(n): Expected(text, tuple(sorted(r))) for n, (text, r) in self.rows.items()}

    def source(
        self, publisher: InMemoryPublisher, *, state_dir: Path | None = None, **settings: Any
    ) -> RunnableSource:
        config = SqlSourceConfig(
            source_id="contract-sql",
            url=self.url,
            table="notes",
            mapping=RowMapping(id_column="id", text_template="{body}", acl_users_column="readers"),
            watermark_column="updated_at",
            batch_size=2,
        )
        return SqlSource(config, _settings(state_dir or self.state_dir, **settings), publisher)


# -- SharePoint (the local replay) ---------------------------------------------------------------


@dataclass
class SharePointAdapter:
    """The replayed "Documents" library; documents are ``<name>.txt`` files; readers come
    from the items' role assignments (a file without its own inherits the library's, which
    ``owner@contoso.com`` may read)."""

    replay: SharePointReplay
    tokens: FakeTokenEndpoint
    state_dir: Path
    kind: str = "sharepoint"
    renames: bool = True
    rename_keeps_id: bool = True
    permissions: str | None = "role assignments (Read and above)"
    items: dict[str, FakeItem] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    readers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    principals: dict[str, int] = field(default_factory=dict)

    OWNER: ClassVar[str] = "owner@contoso.com"

    def __post_init__(self) -> None:
        self.replay.set_library_permissions(self.replay.documents, [(self._user(self.OWNER), READ)])

    def _user(self, email: str) -> dict[str, Any]:
        number = self.principals.setdefault(email, 100 + len(self.principals))
        return user(email, number)

    def add(self, name: str, text: str, readers: tuple[str, ...] = ()) -> None:
        roles = [(self._user(r), READ) for r in readers] if readers else None
        item = self.replay.add_file(
            self.replay.documents, f"{name}.txt", text.encode(), roles=roles
        )
        self.items[name], self.texts[name] = item, text
        self.readers[name] = readers or (self.OWNER,)

    def edit(self, name: str, text: str) -> None:
        self.replay.edit(self.items[name], text.encode())
        self.texts[name] = text

    def remove(self, name: str) -> None:
        self.replay.delete(self.items.pop(name))
        del self.texts[name], self.readers[name]

    def rename(self, name: str, new_name: str) -> None:
        item = self.items.pop(name)
        self.replay.rename(item, f"{new_name}.txt")
        self.items[new_name] = item
        self.texts[new_name] = self.texts.pop(name)
        self.readers[new_name] = self.readers.pop(name)

    def set_readers(self, name: str, readers: tuple[str, ...]) -> None:
        self.replay.set_permissions(self.items[name], [(self._user(r), READ) for r in readers])
        self.readers[name] = readers

    def document_id(self, name: str) -> str:
        return self.items[name].unique_id

    def expected(self) -> dict[str, Expected]:
        return {
            self.items[n].unique_id: Expected(t, tuple(sorted(self.readers[n])))
            for n, t in self.texts.items()
        }

    def source(
        self, publisher: InMemoryPublisher, *, state_dir: Path | None = None, **settings: Any
    ) -> RunnableSource:
        config = SharePointSourceConfig.model_validate(
            {
                "source_id": "contract-sp",
                "sites": [{"url": self.replay.site_url, "libraries": [{"title": "Documents"}]}],
                "auth": {
                    "kind": "client_secret",
                    "tenant": "contoso.onmicrosoft.com",
                    "client_id": "5f1c2d3e-0000-4000-8000-000000000001",
                    "client_secret": "contract-secret",
                },
                "page_size": 2,
                "poll_interval_s": 0.05,
            }
        )
        return SharePointSource(
            config,
            _settings(state_dir or self.state_dir, **settings),
            publisher,
            msal_http_client=self.tokens,
        )


@contextmanager
def adapter_for(kind: str, tmp_path: Path) -> Iterator[Adapter]:
    state = tmp_path / "state"
    if kind == "filesystem":
        root = tmp_path / "share"
        root.mkdir()
        yield FileSystemAdapter(root, state)
    elif kind == "sql":
        yield SqlAdapter(f"sqlite:///{tmp_path / 'notes.db'}", state)
    elif kind == "sharepoint":
        tokens = FakeTokenEndpoint()
        with SharePointReplay(tokens) as replay:
            yield SharePointAdapter(replay, tokens, state)
            assert replay.unexpected == []
    else:
        raise ValueError(kind)
