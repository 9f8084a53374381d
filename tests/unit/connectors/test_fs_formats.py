"""The file-system source reads documents through connectors.formats: PDF, DOCX, PPTX, XLSX,
HTML and e-mail (attachments as documents of their own, mail headers as metadata), text in
any common encoding; files that cannot become text are dead letters once per content."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from connectors.filesystem import FileSystemSource
from connectors.testing import InMemoryPublisher
from infra.settings import ConnectorSettings, KafkaSettings, Settings
from schemas import ChangeEvent, Op
from tests.unit.connectors import documents

pytestmark = pytest.mark.unit

SECOND_NS = 1_000_000_000


@pytest.fixture
def root(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    return docs


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        connectors=ConnectorSettings(state_dir=tmp_path / "state", source_id="share"),
        kafka=KafkaSettings(max_event_bytes=256 * 1024),
    )


def write(path: Path, data: bytes, mtime_s: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime_s is not None:
        os.utime(path, ns=(mtime_s * SECOND_NS, mtime_s * SECOND_NS))
    return path


def run_once(root: Path, settings: Settings) -> InMemoryPublisher:
    publisher = InMemoryPublisher()
    FileSystemSource(root, settings, publisher).run(threading.Event(), once=True)
    return publisher


def by_id(publisher: InMemoryPublisher) -> dict[str, ChangeEvent]:
    return {event.document_id: event for event in publisher.events}


def mail_with_attachments(body: str = "Please review the attached files.") -> bytes:
    return documents.mail(
        "Quarterly numbers",
        body,
        attachments=(
            ("numbers.pdf", documents.pdf("Revenue grew by twelve percent."), "application/pdf"),
            ("terms.txt", b"Payable within thirty days.", "text/plain"),
            ("locked.pdf", documents.pdf("secret", password="pw"), "application/pdf"),
        ),
    )


def test_every_format_becomes_text(root: Path, settings: Settings) -> None:
    write(root / "report.pdf", documents.pdf("The turbine inspection passed.", title="Turbines"))
    write(root / "guide.docx", documents.docx("Badges are collected at reception.", title="Guide"))
    write(root / "plan.pptx", documents.pptx("Roadmap", "Ship the search engine"))
    write(root / "budget.xlsx", documents.xlsx("Budget", ("Laptops", 12000), ("Chairs", 800)))
    write(root / "page.html", documents.html("Release notes", "Faster search for everyone."))
    write(root / "notes.md", b"# Notes\n\nplain markdown")

    events = by_id(run_once(root, settings))

    assert set(events) == {
        "report.pdf",
        "guide.docx",
        "plan.pptx",
        "budget.xlsx",
        "page.html",
        "notes.md",
    }
    assert "The turbine inspection passed." in (events["report.pdf"].content or "")
    assert events["report.pdf"].content_type == "application/pdf"
    assert events["report.pdf"].title == "Turbines"
    assert events["report.pdf"].metadata["pages"] == "1"
    assert "Badges are collected at reception." in (events["guide.docx"].content or "")
    assert events["guide.docx"].content_type.endswith("wordprocessingml.document")
    assert "Ship the search engine" in (events["plan.pptx"].content or "")
    assert "Laptops | 12000" in (events["budget.xlsx"].content or "")
    page = events["page.html"]
    assert "Faster search for everyone." in (page.content or "")
    assert "never indexed" not in (page.content or "")
    assert page.title == "Release notes"
    assert events["notes.md"].content == "# Notes\n\nplain markdown"
    for event in events.values():
        assert event.metadata["sha256"] and event.metadata["extension"]


def test_mail_headers_are_metadata_and_attachments_documents(
    root: Path, settings: Settings
) -> None:
    write(root / "inbox" / "q3.eml", mail_with_attachments())

    publisher = run_once(root, settings)

    events = by_id(publisher)
    mail = events["inbox/q3.eml"]
    assert mail.content == "Please review the attached files."
    assert "From:" not in (mail.content or "") and "Subject:" not in (mail.content or "")
    assert mail.title == "Quarterly numbers"
    assert mail.content_type == "message/rfc822"
    assert mail.metadata["sender"] == "Alice Example <alice@example.com>"
    assert mail.metadata["recipients"] == "bob@example.com"
    assert mail.metadata["subject"] == "Quarterly numbers"
    assert mail.metadata["date"] == "2025-03-04T10:15:00+01:00"
    pdf_id = "inbox/q3.eml#attachment/1-numbers.pdf"
    txt_id = "inbox/q3.eml#attachment/2-terms.txt"
    assert set(events) == {"inbox/q3.eml", pdf_id, txt_id}
    assert "Revenue grew by twelve percent." in (events[pdf_id].content or "")
    assert events[pdf_id].metadata["attachment_of"] == "inbox/q3.eml"
    assert events[pdf_id].metadata["file_name"] == "numbers.pdf"
    assert events[pdf_id].uri is not None and events[pdf_id].uri.endswith(
        "q3.eml" + "#attachment/1-numbers.pdf"
    )
    assert events[txt_id].content == "Payable within thirty days."
    [letter] = publisher.dead_letters
    assert letter.key == "share/inbox/q3.eml#attachment/3-locked.pdf"
    assert letter.error_class == "EncryptedDocument"
    assert letter.message.startswith("Encrypted: inbox/q3.eml, attachment 3-locked.pdf")

    again = run_once(root, settings)
    assert (again.events, again.dead_letters) == ([], [])


def test_attachments_follow_their_mail(root: Path, settings: Settings) -> None:
    path = write(root / "q3.eml", mail_with_attachments(), mtime_s=100)
    run_once(root, settings)

    # only the body changes: the unchanged attachments are not published again
    write(path, mail_with_attachments("Please review them by Friday."), mtime_s=150)
    body_only = run_once(root, settings)
    assert [(e.document_id, e.op) for e in body_only.events] == [("q3.eml", Op.UPSERT)]
    assert body_only.dead_letters[0].key.endswith("#attachment/3-locked.pdf")  # new content

    # attachments removed: their documents are deleted (ids name the position)
    write(
        path,
        documents.mail(
            "Quarterly numbers",
            "Updated: only the terms remain.",
            attachments=(("terms.txt", b"Payable within thirty days.", "text/plain"),),
        ),
        mtime_s=200,
    )
    changed = run_once(root, settings)
    assert sorted((e.document_id, e.op) for e in changed.events) == [
        ("q3.eml", Op.UPSERT),
        ("q3.eml#attachment/1-numbers.pdf", Op.DELETE),
        ("q3.eml#attachment/1-terms.txt", Op.UPSERT),
        ("q3.eml#attachment/2-terms.txt", Op.DELETE),
    ]

    # the mail is deleted: its attachments go with it
    path.unlink()
    deleted = run_once(root, settings)
    assert sorted((e.document_id, e.op) for e in deleted.events) == [
        ("q3.eml", Op.DELETE),
        ("q3.eml#attachment/1-terms.txt", Op.DELETE),
    ]
    assert all(e.version > 200 * SECOND_NS for e in deleted.events)


def test_iso_8859_mail_and_legacy_text_are_decoded(root: Path, settings: Settings) -> None:
    write(
        root / "rechnung.eml",
        documents.mail(
            "Rechnung für März",
            "Grüße aus München, die Rechnung folgt.",
            sender="Zoë Müller <zoe@example.com>",
            charset="iso-8859-1",
        ),
    )
    write(root / "legacy.txt", "Die Straße war nass, und die Bäume rauschten.".encode("cp1252"))

    publisher = run_once(root, settings)

    events = by_id(publisher)
    assert publisher.dead_letters == []
    assert events["rechnung.eml"].content == "Grüße aus München, die Rechnung folgt."
    assert events["rechnung.eml"].title == "Rechnung für März"
    assert events["rechnung.eml"].metadata["sender"] == "Zoë Müller <zoe@example.com>"
    assert events["legacy.txt"].content == "Die Straße war nass, und die Bäume rauschten."


def test_unreadable_documents_are_dead_lettered_once_per_content(
    root: Path, settings: Settings
) -> None:
    write(root / "locked.pdf", documents.pdf("secret", password="pw"))
    write(root / "broken.docx", b"PK\x03\x04 not really a zip")
    write(root / "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    write(root / "image.png", b"\x89PNG\r\n")  # not a document type: ignored

    first = run_once(root, settings)

    assert first.events == []
    letters = {letter.key: letter for letter in first.dead_letters}
    assert {key: letter.error_class for key, letter in letters.items()} == {
        "share/locked.pdf": "EncryptedDocument",
        "share/broken.docx": "CorruptDocument",
        "share/old.doc": "UnsupportedFormat",
    }
    assert letters["share/locked.pdf"].message.startswith("Encrypted: locked.pdf: ")
    assert letters["share/old.doc"].message.startswith("Unsupported: old.doc: legacy Word")
    assert letters["share/broken.docx"].original() == b"PK\x03\x04 not really a zip"

    assert run_once(root, settings).dead_letters == []  # unchanged: not again

    write(root / "broken.docx", documents.docx("Repaired at last."))
    fixed = run_once(root, settings)
    assert [(e.document_id, e.op) for e in fixed.events] == [("broken.docx", Op.UPSERT)]
    assert fixed.dead_letters == []
