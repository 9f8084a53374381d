"""The source contract, written once and run against every source (tests/contract/adapters.py:
file system on a temporary folder, SQL on SQLite, SharePoint on the local replay).

Every source must: publish its initial state; follow inserts, updates, deletes and renames;
survive a restart in the middle of a run with nothing lost and nothing published twice in
effect (a document version published twice carries the same content; a new version never
repeats the content of the one before); carry its permissions into the event's ACL; resume on
"another host" from the checkpoint's Kafka copy; publish unchanged documents again under a
new compliance policy; and end with a published state equal to the source's state.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.base import PublishError
from connectors.testing import InMemoryPublisher
from schemas import ChangeEvent, Op
from tests.contract.adapters import Adapter, adapter_for

SOURCES = ["filesystem", "sql", "sharepoint"]


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Adapter]:
    with adapter_for(request.param, tmp_path) as adapter:
        yield adapter


class Ledger:
    """Every event a source got acknowledged over a test, across runs and restarts."""

    def __init__(self, adapter: Adapter, offsets: dict[str, bytes] | None = None) -> None:
        self.adapter = adapter
        self.events: list[ChangeEvent] = []
        self.offsets: dict[str, bytes] = {} if offsets is None else offsets

    def publisher(self) -> InMemoryPublisher:
        return InMemoryPublisher(checkpoints=self.offsets)

    def run(self, **options: Any) -> list[ChangeEvent]:
        publisher = self.publisher()
        self.adapter.source(publisher, **options).run(threading.Event(), once=True)
        self.events.extend(publisher.events)
        return publisher.events

    def published(self) -> dict[str, ChangeEvent]:
        """The state the events leave: per document the event of its highest version."""
        latest: dict[str, ChangeEvent] = {}
        for event in self.events:
            known = latest.get(event.document_id)
            if known is None or event.version >= known.version:
                latest[event.document_id] = event
        return {d: e for d, e in latest.items() if e.op is Op.UPSERT}

    def assert_matches_source(self) -> None:
        published = self.published()
        expected = self.adapter.expected()
        assert sorted(published) == sorted(expected)
        for document_id, want in expected.items():
            event = published[document_id]
            assert event.content is not None and event.content.strip() == want.text
            assert tuple(sorted(event.acl.users)) == want.readers, document_id
            if self.adapter.permissions is None:
                assert event.acl.users == () and event.acl.groups == ()

    def assert_nothing_twice_in_effect(self) -> None:
        by_document: dict[str, dict[int, set[str]]] = {}
        for event in self.events:
            versions = by_document.setdefault(event.document_id, {})
            versions.setdefault(event.version, set()).add(fingerprint(event))
        for document_id, versions in by_document.items():
            for version, contents in versions.items():
                assert len(contents) == 1, f"{document_id} v{version} published with {contents}"
            ordered = [next(iter(versions[v])) for v in sorted(versions)]
            for before, after in itertools.pairwise(ordered):
                assert before != after, f"{document_id}: an unchanged version published again"


def fingerprint(event: ChangeEvent) -> str:
    """The content hash of what an event says about its document."""
    if event.op is Op.DELETE:
        return "deleted"
    payload = "\x1f".join(
        [event.content or "", event.title or "", event.uri or "", event.acl.model_dump_json()]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def ops(events: list[ChangeEvent]) -> list[tuple[str, Op]]:
    return sorted((e.document_id, e.op) for e in events)


def test_initial_load(source: Adapter) -> None:
    ledger = Ledger(source)
    source.add("alpha", "Alpha is the first note.", readers=("ann@contoso.com",))
    source.add("beta", "Beta is the second note.")
    source.add("gamma", "Gamma is the third note.", readers=("bob@contoso.com", "cy@contoso.com"))

    events = ledger.run()

    assert ops(events) == sorted(
        (source.document_id(n), Op.UPSERT) for n in ("alpha", "beta", "gamma")
    )
    ledger.assert_matches_source()
    assert ledger.run() == [], "a restart without changes publishes nothing"


def test_insert_update_delete(source: Adapter) -> None:
    ledger = Ledger(source)
    for name in ("alpha", "beta", "gamma"):
        source.add(name, f"{name.title()} as it was first written.")
    ledger.run()

    source.add("delta", "Delta arrives later.")
    source.edit("beta", "Beta was rewritten.")
    gone = source.document_id("gamma")
    source.remove("gamma")
    events = ledger.run()

    assert ops(events) == sorted(
        [
            (source.document_id("delta"), Op.UPSERT),
            (source.document_id("beta"), Op.UPSERT),
            (gone, Op.DELETE),
        ]
    )
    deleted = next(e for e in events if e.op is Op.DELETE)
    earlier = max(e.version for e in ledger.events[: -len(events)] if e.document_id == gone)
    assert deleted.version > earlier, "a delete is newer than what it deletes"
    ledger.assert_matches_source()
    ledger.assert_nothing_twice_in_effect()


def test_rename(source: Adapter) -> None:
    if not source.renames:
        pytest.skip(f"{source.kind}: the source has no renames")
    ledger = Ledger(source)
    source.add("draft", "The plan for the spring offsite.")
    source.add("other", "Unrelated.")
    ledger.run()
    before = source.document_id("draft")

    source.rename("draft", "final")
    events = ledger.run()

    after = source.document_id("final")
    if source.rename_keeps_id:
        assert after == before and ops(events) == [(after, Op.UPSERT)]
    else:
        assert ops(events) == sorted([(before, Op.DELETE), (after, Op.UPSERT)])
    ledger.assert_matches_source()


def test_restart_in_the_middle_loses_nothing_and_repeats_nothing(source: Adapter) -> None:
    ledger = Ledger(source)
    for n in range(7):
        source.add(f"note{n}", f"Note number {n} of the batch.")

    # the broker fails the second batch: the run stops, the first batch is checkpointed
    failing = ledger.publisher()
    flush, calls = failing.flush, {"n": 0}

    def flaky(timeout: float) -> frozenset[str]:
        calls["n"] += 1
        if calls["n"] == 2:
            failing.fail_flushes = 1
        return flush(timeout)

    failing.flush = flaky  # type: ignore[method-assign]
    with pytest.raises(PublishError):
        source.source(failing).run(threading.Event(), once=True)
    ledger.events.extend(failing.events)
    assert 0 < len(failing.events) < 7

    # a crash after Kafka acknowledged a batch but before its checkpoint was saved
    crashing = ledger.publisher()
    runnable = source.source(crashing)
    commit = runnable.commit

    def crash_once(checkpoint: Any, dead_lettered: frozenset[str] = frozenset()) -> None:
        if crashing.events and not crashed:
            crashed.append(True)
            raise KeyboardInterrupt("killed before the checkpoint was saved")
        commit(checkpoint, dead_lettered)

    crashed: list[bool] = []
    runnable.commit = crash_once  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        runnable.run(threading.Event(), once=True)
    ledger.events.extend(crashing.events)

    ledger.run()
    ledger.assert_matches_source()
    ledger.assert_nothing_twice_in_effect()
    assert ledger.run() == []


def test_permissions_are_carried_into_the_acl(source: Adapter) -> None:
    ledger = Ledger(source)
    source.add("memo", "Salary bands for 2025.", readers=("hr@contoso.com",))
    [event] = ledger.run()
    if source.permissions is None:
        # the source has no permissions: say so, and publish open (empty) ACLs
        assert event.acl.users == () and event.acl.groups == ()
        ledger.assert_matches_source()
        return
    assert event.acl.users == ("hr@contoso.com",)

    source.set_readers("memo", ("ceo@contoso.com", "hr@contoso.com"))
    [changed] = ledger.run()
    assert changed.acl.users == ("ceo@contoso.com", "hr@contoso.com")
    assert changed.version > event.version
    ledger.assert_matches_source()


def test_a_source_moved_to_another_host_resumes(source: Adapter, tmp_path: Path) -> None:
    """A different state_dir, the same source id: the checkpoint's Kafka copy (here the
    in-memory stand-in of connect-offsets) is newer than the missing local file."""
    ledger = Ledger(source)
    source.add("alpha", "Alpha.")
    source.add("beta", "Beta.")
    ledger.run()

    source.edit("beta", "Beta, edited while the connector moved.")
    events = ledger.run(state_dir=tmp_path / "other-host")

    assert ops(events) == [(source.document_id("beta"), Op.UPSERT)]
    ledger.assert_matches_source()
    ledger.assert_nothing_twice_in_effect()


def test_a_new_compliance_policy_republishes_unchanged_documents(source: Adapter) -> None:
    ledger = Ledger(source)
    source.add("alpha", "Alpha.")
    source.add("beta", "Beta.")
    first = {e.document_id: e for e in ledger.run()}

    again = ledger.run(policy_version="2025-07")

    assert ops(again) == sorted((d, Op.UPSERT) for d in first)
    for event in again:
        assert event.content == first[event.document_id].content
        assert event.version > first[event.document_id].version
    assert ledger.run(policy_version="2025-07") == []
    ledger.assert_matches_source()


def test_a_long_history_ends_in_the_source_state(source: Adapter) -> None:
    ledger = Ledger(source)
    source.add("a", "A one.", readers=("ann@contoso.com",))
    source.add("b", "B one.")
    ledger.run()
    source.edit("a", "A two.")
    source.add("c", "C one.")
    ledger.run()
    source.remove("b")
    source.edit("c", "C two.")
    source.add("b2", "B reborn.")
    ledger.run()
    if source.renames:
        source.rename("c", "c-renamed")
    source.edit("a", "A three.")
    ledger.run()
    ledger.assert_matches_source()
    ledger.assert_nothing_twice_in_effect()
