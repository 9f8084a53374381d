"""SharePointSource against the local SharePoint replay (sharepoint_replay.py): the
initial crawl, edits, renames, moves, deletes, permissions, poison files, throttling, an
expired change token, restarts, credentials that never reach a log."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import structlog
from docx import Document

from connectors.base import PublishError
from connectors.sharepoint import SharePointSource
from connectors.sharepoint_client import NO_READERS
from connectors.sharepoint_config import SharePointSourceConfig
from connectors.sharepoint_errors import SharePointAuthError, SharePointThrottled
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, Settings
from schemas import ChangeEvent, Op
from tests.unit.connectors.sharepoint_replay import (
    CONTRIBUTE,
    LIMITED_ACCESS,
    READ,
    RECORDED_DOCX_ID,
    RECORDED_TEXT_ID,
    TEXT_CONTENT,
    FakeItem,
    FakeTokenEndpoint,
    SharePointReplay,
    directory_group,
    user,
)

pytestmark = pytest.mark.unit

SECRET = "replay-client-secret-7Qv~dN3!kP"
ALICE = user("alice@contoso.com", 11)
BOB = user("bob@contoso.com", 12)
CAROL = user("carol@contoso.com", 13)
FINANCE = directory_group("3c9f8a52-0b7d-4d0e-a1c5-8c1f2d9e7a10", "Finance", 14)
MEMBERS_GROUP = 7


def docx_bytes(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass
class Site:
    """The replayed site, its documents and a way to run the source against it."""

    replay: SharePointReplay
    tokens: FakeTokenEndpoint
    state_dir: Path
    overrides: dict[str, Any]
    text: FakeItem
    report: FakeItem
    secret_plan: FakeItem

    def config(self, **changes: Any) -> SharePointSourceConfig:
        data: dict[str, Any] = {
            "source_id": "intranet",
            "sites": [{"url": self.replay.site_url, "libraries": [{"title": "Documents"}]}],
            "auth": {
                "kind": "client_secret",
                "tenant": "contoso.onmicrosoft.com",
                "client_id": "5f1c2d3e-0000-4000-8000-000000000001",
                "client_secret": SECRET,
            },
            "page_size": 2,
            "poll_interval_s": 0.05,
            "max_retries": 3,
            **self.overrides,
            **changes,
        }
        return SharePointSourceConfig.model_validate(data)

    def source(self, publisher: InMemoryPublisher, **changes: Any) -> SharePointSource:
        settings = Settings(connectors=ConnectorSettings(state_dir=self.state_dir))
        return SharePointSource(
            self.config(**changes), settings, publisher, msal_http_client=self.tokens
        )

    def run_once(self, **changes: Any) -> InMemoryPublisher:
        publisher = InMemoryPublisher()
        self.source(publisher, **changes).run(threading.Event(), once=True)
        assert self.replay.unexpected == []
        return publisher

    def checkpoint(self) -> dict[str, Any]:
        files = list(self.state_dir.glob("sharepoint-*.json"))
        assert len(files) == 1
        loaded: dict[str, Any] = json.loads(files[0].read_text())
        return loaded


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The recorded "Documents" library with the recorded .txt file, the recorded .docx (its
    content generated here), and an HR folder whose plan has its own permissions."""
    tokens = FakeTokenEndpoint()
    with SharePointReplay(tokens) as replay:
        library = replay.documents
        replay.add_group(MEMBERS_GROUP, "Intranet Members", [BOB, FINANCE])
        replay.set_library_permissions(
            library,
            [
                (ALICE, CONTRIBUTE),
                (replay.groups[MEMBERS_GROUP][0], READ),
                (CAROL, LIMITED_ACCESS),  # reaches something shared below; reads nothing here
            ],
        )
        text = replay.add_file(
            library, "GetFileContentBytesTest.txt", TEXT_CONTENT, unique_id=RECORDED_TEXT_ID
        )
        report = replay.add_file(
            library,
            "PNP_SDK_TEST_GetFileByServerRelativeUrlTest.docx",
            docx_bytes("Quarterly report", "Revenue grew."),
            unique_id=RECORDED_DOCX_ID,
        )
        replay.add_folder(library, "HR")
        plan = replay.add_file(
            library, "HR/plan.md", b"# Reorg plan\nConfidential.", roles=[(CAROL, READ)]
        )
        yield Site(replay, tokens, tmp_path / "state", {}, text, report, plan)


def ops(events: list[ChangeEvent]) -> list[tuple[str, Op]]:
    return [(event.document_id, event.op) for event in events]


INHERITED = (("alice@contoso.com", "bob@contoso.com"), ("3c9f8a52-0b7d-4d0e-a1c5-8c1f2d9e7a10",))


def acl_of(event: ChangeEvent) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return event.acl.users, event.acl.groups


# -- initial crawl -----------------------------------------------------------------------------


def test_initial_crawl_publishes_every_file_with_text_uri_and_readers(site: Site) -> None:
    publisher = site.run_once()

    latest = publisher.latest()
    assert sorted(ops(publisher.events)) == sorted(
        [
            (RECORDED_TEXT_ID, Op.UPSERT),
            (RECORDED_DOCX_ID, Op.UPSERT),
            (site.secret_plan.unique_id, Op.UPSERT),
        ]
    )
    text = latest[f"intranet/{RECORDED_TEXT_ID}"]
    assert text.content == "PnP Rocks !!!"
    assert text.title == "GetFileContentBytesTest.txt"
    assert (
        text.uri
        == f"{site.replay.origin}/sites/prov-2/Shared%20Documents/GetFileContentBytesTest.txt"
    )
    assert text.metadata["path"] == "/sites/prov-2/Shared Documents/GetFileContentBytesTest.txt"
    assert text.metadata["library"] == "Documents"
    # Limited Access grants nothing; the SharePoint group is expanded to its members
    assert acl_of(text) == INHERITED
    report = latest[f"intranet/{RECORDED_DOCX_ID}"]
    assert "Quarterly report" in (report.content or "")
    assert report.content_type.endswith("wordprocessingml.document")
    plan = latest[f"intranet/{site.secret_plan.unique_id}"]
    assert acl_of(plan) == (("carol@contoso.com",), ())  # broken inheritance
    assert plan.content_type == "text/markdown"
    # three files in pages of two, each page a batch; the token of the crawl's start is kept
    assert publisher.flushes >= 2
    checkpoint = site.checkpoint()
    (library,) = checkpoint["libraries"].values()
    assert library["token"].startswith("1;3;13326e70-58ba-4e0e-9b30-08189f21d555;")
    assert set(checkpoint["items"]) == {
        RECORDED_TEXT_ID,
        RECORDED_DOCX_ID,
        site.secret_plan.unique_id,
    }


def test_a_second_run_publishes_nothing(site: Site) -> None:
    site.run_once()
    again = site.run_once()
    assert again.events == [] and again.dead_letters == []


# -- incremental sync ----------------------------------------------------------------------------


def test_edit_rename_and_delete_follow_the_change_log(site: Site) -> None:
    first = site.run_once().latest()
    site.replay.edit(site.text, b"PnP Rocks even more !!!")
    site.replay.rename(site.report, "Q3 report.docx")
    site.replay.delete(site.secret_plan)

    publisher = site.run_once()

    assert sorted(ops(publisher.events)) == sorted(
        [
            (RECORDED_TEXT_ID, Op.UPSERT),
            (RECORDED_DOCX_ID, Op.UPSERT),  # a rename: same id, new uri and title
            (site.secret_plan.unique_id, Op.DELETE),
        ]
    )
    latest = publisher.latest()
    text = latest[f"intranet/{RECORDED_TEXT_ID}"]
    assert text.content == "PnP Rocks even more !!!"
    assert text.version > first[f"intranet/{RECORDED_TEXT_ID}"].version
    renamed = latest[f"intranet/{RECORDED_DOCX_ID}"]
    assert renamed.title == "Q3 report.docx"
    assert renamed.uri is not None and renamed.uri.endswith("/Shared%20Documents/Q3%20report.docx")
    assert renamed.version > first[f"intranet/{RECORDED_DOCX_ID}"].version
    deleted = latest[f"intranet/{site.secret_plan.unique_id}"]
    assert deleted.version > first[f"intranet/{site.secret_plan.unique_id}"].version
    assert site.run_once().events == []


def test_permission_changes_republish_with_the_new_readers(site: Site) -> None:
    site.run_once()
    site.replay.set_permissions(site.text, [(BOB, READ), (ALICE, LIMITED_ACCESS)])

    changed = site.run_once().latest()
    assert list(changed) == [f"intranet/{RECORDED_TEXT_ID}"]
    assert acl_of(changed[f"intranet/{RECORDED_TEXT_ID}"]) == (("bob@contoso.com",), ())
    assert changed[f"intranet/{RECORDED_TEXT_ID}"].content == "PnP Rocks !!!"

    site.replay.inherit_permissions(site.text)
    restored = site.run_once().latest()
    assert acl_of(restored[f"intranet/{RECORDED_TEXT_ID}"]) == INHERITED


def test_nobody_can_read_means_a_group_nobody_is_in_never_an_open_acl(site: Site) -> None:
    site.run_once()
    site.replay.set_permissions(site.text, [(CAROL, LIMITED_ACCESS)])
    event = site.run_once().latest()[f"intranet/{RECORDED_TEXT_ID}"]
    assert acl_of(event) == ((), (NO_READERS,))


def test_library_permission_change_recomputes_inheriting_files_only(site: Site) -> None:
    site.run_once()
    site.replay.set_library_permissions(site.replay.documents, [(CAROL, READ)])

    publisher = site.run_once()

    assert sorted(ops(publisher.events)) == sorted(
        [(RECORDED_TEXT_ID, Op.UPSERT), (RECORDED_DOCX_ID, Op.UPSERT)]
    )
    assert {acl_of(e) for e in publisher.events} == {(("carol@contoso.com",), ())}


def test_group_membership_is_picked_up_by_the_periodic_crawl(site: Site) -> None:
    site.run_once()
    site.replay.set_group_members(MEMBERS_GROUP, [BOB])  # no change-log entry for this
    assert site.run_once().events == []  # the change log says nothing

    time.sleep(0.05)
    publisher = site.run_once(full_crawl_interval_s=0.01)

    assert sorted(ops(publisher.events)) == sorted(
        [(RECORDED_TEXT_ID, Op.UPSERT), (RECORDED_DOCX_ID, Op.UPSERT)]
    )
    assert {acl_of(e) for e in publisher.events} == {(("alice@contoso.com", "bob@contoso.com"), ())}


def test_renaming_a_folder_republishes_what_it_holds(site: Site) -> None:
    site.run_once()
    folder = site.replay.documents.by_path("/sites/prov-2/Shared Documents/HR")
    assert folder is not None
    site.replay.rename(folder, "People")

    event = site.run_once().latest()[f"intranet/{site.secret_plan.unique_id}"]
    assert event.op is Op.UPSERT
    assert event.uri is not None and event.uri.endswith("/Shared%20Documents/People/plan.md")


def test_deleting_a_folder_deletes_what_it_held(site: Site) -> None:
    site.run_once()
    folder = site.replay.documents.by_path("/sites/prov-2/Shared Documents/HR")
    assert folder is not None
    site.replay.delete(folder)

    assert ops(site.run_once().events) == [(site.secret_plan.unique_id, Op.DELETE)]


def test_folders_narrow_the_library_and_moving_out_deletes(site: Site) -> None:
    site.overrides["sites"] = [
        {"url": site.replay.site_url, "libraries": [{"title": "Documents", "folders": ["HR"]}]}
    ]
    assert ops(site.run_once().events) == [(site.secret_plan.unique_id, Op.UPSERT)]

    folder = site.replay.documents.by_path("/sites/prov-2/Shared Documents/HR")
    assert folder is not None
    site.replay.rename(folder, "Archive")  # the plan is no longer under HR
    assert ops(site.run_once().events) == [(site.secret_plan.unique_id, Op.DELETE)]


def test_a_move_to_another_configured_library_keeps_the_document_id(site: Site) -> None:
    archive = site.replay.add_library("Archive", "/sites/prov-2/Archive")
    archive.roles = [(ALICE, READ)]
    site.overrides["sites"] = [
        {
            "url": site.replay.site_url,
            "libraries": [{"title": "Documents"}, {"title": "Archive"}],
        }
    ]
    first = site.run_once().latest()

    site.replay.move(site.text, archive, "GetFileContentBytesTest.txt")
    publisher = site.run_once()

    moved = publisher.latest()[f"intranet/{RECORDED_TEXT_ID}"]
    assert moved.op is Op.UPSERT
    assert moved.uri is not None and moved.uri.endswith(
        "/sites/prov-2/Archive/GetFileContentBytesTest.txt"
    )
    assert moved.metadata["library"] == "Archive"
    assert acl_of(moved) == (("alice@contoso.com",), ())
    assert moved.version > first[f"intranet/{RECORDED_TEXT_ID}"].version
    assert site.run_once().events == []


def test_a_library_replaced_under_the_same_title_is_resynced(site: Site) -> None:
    site.run_once()
    old = site.replay.libraries.pop(site.replay.documents.list_id)
    fresh = site.replay.add_library("Documents", old.root)
    fresh.roles = [(ALICE, READ)]
    kept = site.replay.add_file(fresh, "GetFileContentBytesTest.txt", TEXT_CONTENT)

    publisher = site.run_once()

    assert sorted(ops(publisher.events)) == sorted(
        [
            (RECORDED_TEXT_ID, Op.DELETE),
            (RECORDED_DOCX_ID, Op.DELETE),
            (site.secret_plan.unique_id, Op.DELETE),
            (kept.unique_id, Op.UPSERT),
        ]
    )
    (library,) = site.checkpoint()["libraries"].values()
    assert library["list_id"] == fresh.list_id


# -- poison files --------------------------------------------------------------------------------


def test_unsupported_encrypted_corrupt_and_large_files_are_dead_lettered_once(site: Site) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    pdf = io.BytesIO()
    writer.write(pdf)
    library = site.replay.documents
    locked = site.replay.add_file(library, "locked.pdf", pdf.getvalue())
    broken = site.replay.add_file(library, "broken.docx", b"PK\x03\x04" + b"\x00garbage" * 20)
    image = site.replay.add_file(library, "logo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    big = site.replay.add_file(library, "big.txt", b"x" * 50_000)

    publisher = site.run_once(max_file_bytes=40_000)

    letters = {letter.key: letter for letter in publisher.dead_letters}
    assert {key: letter.error_class for key, letter in letters.items()} == {
        f"intranet/{locked.unique_id}": "EncryptedDocument",
        f"intranet/{broken.unique_id}": "CorruptDocument",
        f"intranet/{image.unique_id}": "UnsupportedFormat",
        f"intranet/{big.unique_id}": "FileTooLarge",
    }
    assert letters[f"intranet/{locked.unique_id}"].message.startswith("Encrypted: locked.pdf")
    assert "50000 bytes" in letters[f"intranet/{big.unique_id}"].message
    assert letters[f"intranet/{broken.unique_id}"].original().startswith(b"PK\x03\x04")
    assert {e.document_id for e in publisher.events} == {
        RECORDED_TEXT_ID,
        RECORDED_DOCX_ID,
        site.secret_plan.unique_id,
    }
    # the same file versions are not reported again; a fixed file is published
    assert site.run_once(max_file_bytes=40_000).dead_letters == []
    site.replay.edit(broken, docx_bytes("Fixed."))
    fixed = site.run_once(max_file_bytes=40_000)
    assert ops(fixed.events) == [(broken.unique_id, Op.UPSERT)]
    assert fixed.dead_letters == []


def test_extensions_filter_ignores_other_files(site: Site) -> None:
    publisher = site.run_once(include_extensions=["docx"])
    assert ops(publisher.events) == [(RECORDED_DOCX_ID, Op.UPSERT)]


# -- throttling, failures, restarts -------------------------------------------------------------


def test_throttling_honours_retry_after_then_succeeds(site: Site) -> None:
    site.replay.throttle(r"/items$", 2, status=429, retry_after="1")
    site.replay.throttle(r"/\$value$", 1, status=503, retry_after="1")

    publisher = site.run_once()

    assert len(publisher.events) == 3
    listing = site.replay.requests_to(r"/items\?")
    assert [seen.status for seen in listing[:3]] == [429, 429, 200]
    assert listing[1].at - listing[0].at >= 0.95
    assert listing[2].at - listing[1].at >= 0.95
    downloads = site.replay.requests_to(r"/\$value$")
    assert downloads[0].status == 503 and downloads[1].status == 200
    assert downloads[1].at - downloads[0].at >= 0.95


def test_throttling_past_the_retries_is_a_clear_error_and_resumes_from_the_checkpoint(
    site: Site,
) -> None:
    site.run_once()
    site.replay.edit(site.text, b"edited while throttled")
    site.replay.throttle(r"/getChanges$", 5, status=429, retry_after="0")

    with pytest.raises(SharePointThrottled, match=r"still throttled \(HTTP 429\) after 2 retries"):
        site.run_once(max_retries=2)
    assert len(site.replay.requests_to(r"/getChanges$")) == 3

    publisher = site.run_once()  # the throttling is over: nothing was lost
    assert ops(publisher.events) == [(RECORDED_TEXT_ID, Op.UPSERT)]
    assert publisher.events[0].content == "edited while throttled"


def test_a_retry_after_longer_than_allowed_gives_up_at_once(site: Site) -> None:
    site.replay.throttle(r"GetByTitle", 1, status=503, retry_after="3600")
    started = time.monotonic()
    with pytest.raises(SharePointThrottled, match="next wait 3600 s"):
        site.run_once(max_retry_after_s=60)
    assert time.monotonic() - started < 5


def test_expired_change_token_resyncs_and_deletes_what_vanished(site: Site) -> None:
    first = site.run_once().latest()
    site.replay.delete(site.report)
    added = site.replay.add_file(site.replay.documents, "new.txt", b"Added while away.")
    site.replay.expire_change_log()  # the delete and the add are no longer in the log

    with capture_logs() as logs:
        publisher = site.run_once()

    assert sorted(ops(publisher.events)) == sorted(
        [(RECORDED_DOCX_ID, Op.DELETE), (added.unique_id, Op.UPSERT)]
    )  # the unchanged files are not published again
    delete = publisher.latest()[f"intranet/{RECORDED_DOCX_ID}"]
    assert delete.version > first[f"intranet/{RECORDED_DOCX_ID}"].version
    assert any(entry["event"] == "connector.sharepoint_token_expired" for entry in logs)
    assert site.run_once().events == []


def test_a_failed_publish_is_retried_from_the_checkpoint_nothing_lost_nothing_twice(
    site: Site,
) -> None:
    site.run_once()
    site.replay.edit(site.text, b"second version")
    publisher = InMemoryPublisher()
    publisher.fail_flushes = 1
    with pytest.raises(PublishError):
        site.source(publisher).run(threading.Event(), once=True)
    assert publisher.events == []

    again = site.run_once()
    assert ops(again.events) == [(RECORDED_TEXT_ID, Op.UPSERT)]
    assert again.events[0].content == "second version"
    assert site.run_once().events == []


def test_a_restart_in_the_middle_of_the_crawl_finishes_it_without_duplicates(site: Site) -> None:
    publisher = InMemoryPublisher()
    publisher.fail_flushes = 0
    source = site.source(publisher)
    source.open()
    try:
        batch = source.poll(1.0)
        assert batch is not None and not batch.snapshot_complete
        publisher.publish(batch.events)
        publisher.flush(1.0)
        source.commit(batch.checkpoint)
    finally:
        source.close()
    first_page = {e.document_id for e in publisher.events}
    assert first_page

    rest = site.run_once()  # a new process: the crawl starts again, the first page is known
    assert {e.document_id for e in rest.events} == {
        RECORDED_TEXT_ID,
        RECORDED_DOCX_ID,
        site.secret_plan.unique_id,
    } - first_page


def test_watching_publishes_changes_as_they_happen_and_stops_promptly(site: Site) -> None:
    publisher = InMemoryPublisher()
    stop = threading.Event()
    source = site.source(publisher)
    runner = threading.Thread(target=source.run, args=(stop,), daemon=True)
    runner.start()
    try:
        assert publisher.wait_for(lambda p: len(p.events) == 3, timeout=10)
        site.replay.edit(site.text, b"live edit")
        assert publisher.wait_for(
            lambda p: p.latest()[f"intranet/{RECORDED_TEXT_ID}"].content == "live edit",
            timeout=10,
        )
    finally:
        stop.set()
        runner.join(timeout=5)
    assert not runner.is_alive()


# -- credentials ---------------------------------------------------------------------------------


def test_the_client_secret_is_used_but_never_logged(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    with capture_everything() as lines:
        publisher = site.run_once()
        site.tokens.refuse = True  # a new process asks for a token again: refused
        with pytest.raises(SharePointAuthError) as refused:
            site.run_once()
    assert len(publisher.events) == 3
    assert site.tokens.token_requests[0]["data"]["client_secret"] == SECRET  # it was used
    assert "invalid_client" in str(refused.value)
    assert "Invalid client secret provided" in str(refused.value)
    out = capsys.readouterr()
    everything = "\n".join([*lines, out.out, out.err, str(refused.value), repr(site.config())])
    assert "replay-access-token-1" in site.tokens.issued
    assert SECRET not in everything
    assert "replay-access-token-1" not in everything  # nor the bearer token
    assert any("connector.opened" in line for line in lines)  # the capture did see the run


def test_certificate_credentials_sign_an_assertion_and_stay_out_of_the_logs(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64
    import datetime as dt

    import jwt
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    passphrase = "key-pass-phrase-Lw4"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "ragstream-sharepoint.key"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ragstream-sharepoint")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    thumbprint = certificate.fingerprint(hashes.SHA1()).hex().upper()
    site.overrides["auth"] = {
        "kind": "certificate",
        "tenant": "contoso.onmicrosoft.com",
        "client_id": "5f1c2d3e-0000-4000-8000-000000000002",
        "thumbprint": thumbprint,
        "private_key_path": str(key_file),
        "passphrase": passphrase,
    }

    with capture_everything() as lines:
        publisher = site.run_once()

    assert len(publisher.events) == 3
    request = site.tokens.token_requests[-1]
    assertion = request["data"]["client_assertion"]
    assert "client_secret" not in request["data"]
    header = jwt.get_unverified_header(assertion)
    assert base64.urlsafe_b64decode(header["x5t"] + "==") == bytes.fromhex(thumbprint)
    claims = jwt.decode(
        assertion, key.public_key(), algorithms=["RS256", "PS256"], audience=request["url"]
    )
    assert claims["iss"] == claims["sub"] == "5f1c2d3e-0000-4000-8000-000000000002"
    out = capsys.readouterr()
    everything = "\n".join([*lines, out.out, out.err, repr(site.config())])
    assert passphrase not in everything
    pem_body = key_file.read_text().splitlines()[1]
    assert pem_body not in everything


def test_an_unreadable_private_key_is_a_clear_error(site: Site, tmp_path: Path) -> None:
    from connectors.sharepoint_errors import SharePointConfigError

    site.overrides["auth"] = {
        "kind": "certificate",
        "tenant": "contoso.onmicrosoft.com",
        "client_id": "app",
        "thumbprint": "AB" * 20,
        "private_key_path": str(tmp_path / "missing.key"),
    }
    with pytest.raises(SharePointConfigError, match=r"cannot read private key .*missing\.key"):
        site.run_once()


# -- helpers -------------------------------------------------------------------------------------


@contextmanager
def capture_everything() -> Iterator[list[str]]:
    """Every log record of the block at every level: structlog events and the standard
    library's records (MSAL, urllib3, office365-rest-python-client), as text."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.name}: {record.getMessage()}")

    handler = Keep(level=1)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(1)
    try:
        with structlog.testing.capture_logs() as events:
            yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        lines.extend(json.dumps(event, default=str) for event in events)


@contextmanager
def capture_logs() -> Iterator[list[dict[str, Any]]]:
    with structlog.testing.capture_logs() as events:
        yield events
