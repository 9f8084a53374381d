"""Document formats: every fixture is built at test time with the library that reads it."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import pytest

from connectors.formats import (
    CorruptDocument,
    EncryptedDocument,
    FormatError,
    FormatFailure,
    UndecodableText,
    UnsupportedFormat,
    detect_content_type,
    extract,
)
from connectors.formats_common import OLE_MAGIC, decode_text

# -- builders ----------------------------------------------------------------------------------


def make_pdf(
    text_lines: list[str], *, password: str | None = None, owner_only: bool = False
) -> bytes:
    """A one-page PDF with real text (Helvetica), optionally encrypted with pypdf."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in text_lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Title": "Quarterly report", "/Author": "Finance"})
    if password is not None or owner_only:
        writer.encrypt(
            user_password="" if owner_only else (password or ""),
            owner_password="owner-secret",
            algorithm="AES-256",
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx() -> bytes:
    from docx import Document

    doc = Document()
    doc.core_properties.title = "Onboarding guide"
    doc.core_properties.author = "HR"
    doc.add_heading("Onboarding", level=1)
    doc.add_paragraph("Welcome to the team.")
    doc.add_heading("First week", level=2)
    doc.add_paragraph("Get a laptop", style="List Bullet")
    doc.add_paragraph("Meet your buddy", style="List Bullet")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Day"
    table.cell(0, 1).text = "Task"
    table.cell(1, 0).text = "Monday"
    table.cell(1, 1).text = "Security training"
    doc.add_paragraph("Questions go to hr@example.com.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def make_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])  # title and content
    slide.shapes.title.text = "Roadmap 2025"
    body = slide.placeholders[1].text_frame
    body.text = "Ship search"
    sub = body.add_paragraph()
    sub.text = "Hybrid ranking"
    sub.level = 1
    slide.notes_slide.notes_text_frame.text = "Mention the budget."
    second = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    second.shapes.title.text = "Numbers"
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    table.cell(0, 0).text = "Quarter"
    table.cell(0, 1).text = "Revenue"
    table.cell(1, 0).text = "Q1"
    table.cell(1, 1).text = "1.2M"
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Budget"
    ws.append(["Item", "Cost"])
    ws.append(["Laptops", 12000])
    ws.append([None, None])
    ws.append(["Licences", 3400.5])
    other = wb.create_sheet("Notes")
    other["A1"] = "Approved by CFO"
    wb.properties.title = "Budget 2025"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HTML_DOC = """<!DOCTYPE html>
<html lang="en"><head><title>Release notes</title>
<meta name="description" content="What changed">
<style>body { color: red }</style><script>alert("x")</script></head>
<body>
<h1>Version 2.0</h1>
<p>This release   brings <b>faster</b> search.<br>Upgrade soon.</p>
<ul><li>New ranking<ul><li>BM25 + vectors</li></ul></li><li>Fewer bugs</li></ul>
<table><tr><th>Feature</th><th>Status</th></tr><tr><td>Search</td><td>done</td></tr></table>
<!-- a comment -->
</body></html>
"""

# -- each format -------------------------------------------------------------------------------


def test_pdf_text_title_and_metadata() -> None:
    result = extract(make_pdf(["Revenue grew by 12 percent.", "Costs were flat."]), "q3.pdf")
    doc = result.main
    assert "Revenue grew by 12 percent." in doc.text
    assert "Costs were flat." in doc.text
    assert doc.title == "Quarterly report"
    assert doc.content_type == "application/pdf"
    assert doc.metadata["pages"] == "1"
    assert doc.metadata["author"] == "Finance"


def test_pdf_with_owner_password_only_is_read() -> None:
    doc = extract(make_pdf(["Public text"], owner_only=True), "open.pdf").main
    assert "Public text" in doc.text
    assert doc.metadata["encrypted"] == "owner-password-only"


def test_encrypted_pdf_is_a_typed_error() -> None:
    data = make_pdf(["secret"], password="s3cret")
    with pytest.raises(EncryptedDocument) as info:
        extract(data, "secret.pdf")
    assert info.value.reason is FormatFailure.ENCRYPTED


def test_truncated_pdf_is_corrupt() -> None:
    data = make_pdf(["Some text"])
    with pytest.raises(CorruptDocument) as info:
        extract(b"%PDF-1.7\n" + b"\x00garbage" * 10, "broken.pdf")
    assert info.value.reason is FormatFailure.CORRUPT
    with pytest.raises(FormatError):
        extract(data[: len(data) // 3], "cut.pdf")


def test_docx_headings_lists_and_tables() -> None:
    doc = extract(make_docx(), "guide.docx").main
    assert doc.title == "Onboarding guide"
    assert doc.text == (
        "# Onboarding\n\n"
        "Welcome to the team.\n\n"
        "## First week\n\n"
        "- Get a laptop\n"
        "- Meet your buddy\n\n"
        "Day | Task\n"
        "Monday | Security training\n\n"
        "Questions go to hr@example.com."
    )
    assert doc.metadata["author"] == "HR"
    assert doc.metadata["format"] == "docx"


def test_pptx_slides_bullets_tables_notes() -> None:
    doc = extract(make_pptx(), "deck.pptx").main
    assert doc.title == "Roadmap 2025"
    assert doc.text == (
        "## Slide 1: Roadmap 2025\n\n"
        "- Ship search\n"
        "  - Hybrid ranking\n\n"
        "Notes: Mention the budget.\n\n"
        "## Slide 2: Numbers\n\n"
        "Quarter | Revenue\n"
        "Q1 | 1.2M"
    )
    assert doc.metadata["slides"] == "2"


def test_xlsx_sheets_as_rows() -> None:
    doc = extract(make_xlsx(), "budget.xlsx").main
    assert doc.title == "Budget 2025"
    assert doc.text == (
        "## Budget\n\nItem | Cost\nLaptops | 12000\nLicences | 3400.5\n\n"
        "## Notes\n\nApproved by CFO"
    )
    assert doc.metadata["sheets"] == "2"


def test_html_structure_kept_scripts_dropped() -> None:
    doc = extract(HTML_DOC.encode(), "notes.html").main
    assert doc.title == "Release notes"
    assert doc.text == (
        "# Version 2.0\n\n"
        "This release brings faster search.\nUpgrade soon.\n\n"
        "- New ranking\n"
        "  - BM25 + vectors\n"
        "- Fewer bugs\n\n"
        "Feature | Status\n"
        "Search | done"
    )
    assert "alert" not in doc.text and "color" not in doc.text
    assert doc.metadata["lang"] == "en"
    assert doc.metadata["description"] == "What changed"


def test_html_in_declared_charset() -> None:
    data = "<html><body><p>Café crème</p></body></html>".encode("cp1252")
    doc = extract(data, "page", content_type="text/html; charset=windows-1252").main
    assert doc.text == "Café crème"


# -- plain text and encodings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "declared", "expected_charset"),
    [
        ("Grüße aus Köln".encode("iso-8859-1"), "text/plain; charset=ISO-8859-1", "iso8859-1"),
        ("Grüße aus Köln".encode("utf-8-sig"), None, "utf-8-sig"),
        ("Grüße aus Köln".encode("utf-16"), None, "utf-16"),
        ("Grüße aus Köln".encode(), None, "utf-8"),
    ],
)
def test_text_in_common_encodings(data: bytes, declared: str | None, expected_charset: str) -> None:
    doc = extract(data, "greeting.txt", content_type=declared).main
    assert doc.text == "Grüße aus Köln"
    assert doc.metadata["charset"] == expected_charset


def test_undeclared_legacy_encoding_is_guessed() -> None:
    text = "Die Straße war nass, und die Bäume rauschten über den Dächern der Stadt. " * 4
    doc = extract(text.encode("cp1252"), "note.txt").main
    assert "Straße" in doc.text and "Dächern" in doc.text


def test_declared_charset_that_fails_falls_through() -> None:
    doc = extract("naïve".encode(), "x.txt", content_type="text/plain; charset=us-ascii").main
    assert doc.text == "naïve"


def test_markdown_title_from_heading() -> None:
    doc = extract(b"# Runbook\n\nRestart the worker.\n", "ops.md").main
    assert doc.title == "Runbook"
    assert doc.content_type == "text/markdown"


def test_binary_text_is_undecodable() -> None:
    with pytest.raises(UndecodableText) as info:
        extract(b"\x00\x01\x02\x03\xff\xfe\x00" * 50, "blob.txt")
    assert info.value.reason is FormatFailure.UNDECODABLE
    with pytest.raises(UndecodableText):
        decode_text(b"abc\x00def")


# -- unsupported and damaged -------------------------------------------------------------------


def test_unsupported_formats() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(UnsupportedFormat) as info:
        extract(png, "logo.png")
    assert info.value.reason is FormatFailure.UNSUPPORTED
    with pytest.raises(UnsupportedFormat):
        extract(png, "logo", content_type="image/png")
    with pytest.raises(UnsupportedFormat, match="legacy Word"):
        extract(OLE_MAGIC + b"\x00" * 600, "old.doc")


def test_encrypted_office_file() -> None:
    container = OLE_MAGIC + b"\x00" * 64 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
    with pytest.raises(EncryptedDocument):
        extract(container, "secret.docx")


def test_corrupt_office_files() -> None:
    with pytest.raises(CorruptDocument):
        extract(b"PK\x03\x04 not really a zip", "broken.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "no office parts here")
    with pytest.raises(CorruptDocument):
        extract(buffer.getvalue(), "empty.xlsx")
    with pytest.raises(CorruptDocument):
        extract(make_docx()[:500], "cut.docx")


def test_zip_bomb_limit() -> None:
    with pytest.raises(CorruptDocument, match="unpacks to"):
        extract(make_docx(), "big.docx", max_unpacked_bytes=1000)


def test_sniffing_without_a_name() -> None:
    assert detect_content_type(make_pdf(["x"]))[0] == "application/pdf"
    assert detect_content_type(make_xlsx(), "upload.bin")[0].endswith("spreadsheetml.sheet")
    assert detect_content_type(HTML_DOC.encode(), "page")[0] == "text/html"
    assert detect_content_type(b"hello", "README")[0] == "text/plain"


# -- e-mail ------------------------------------------------------------------------------------


def latin1_mail() -> bytes:
    body = "Hallo Jürgen,\n\ndie Rechnung über 300 € folgt.\n\nGrüße\nZoë\n".replace("€", "EUR")
    message = MIMEMultipart("mixed")
    message["From"] = formataddr(("Zoë Müller", "zoe@example.com"), charset="iso-8859-1")
    message["To"] = "jurgen@example.com, Ann <ann@example.com>"
    message["Cc"] = "team@example.com"
    message["Subject"] = "Rechnung für März"
    message["Date"] = "Tue, 04 Mar 2025 10:15:00 +0100"
    message["Message-ID"] = "<abc123@example.com>"
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(body, "plain", "iso-8859-1"))
    alternative.attach(MIMEText("<p>HTML version</p>", "html", "iso-8859-1"))
    message.attach(alternative)
    invoice = MIMEApplication(make_pdf(["Invoice 42: 300 EUR"]), "pdf")
    invoice.add_header("Content-Disposition", "attachment", filename="invoice 42.pdf")
    message.attach(invoice)
    notes = MIMEText("Zahlbar in 30 Tagen.", "plain", "iso-8859-1")
    notes.add_header("Content-Disposition", "attachment", filename="terms.txt")
    message.attach(notes)
    locked = MIMEApplication(make_pdf(["secret"], password="pw"), "pdf")
    locked.add_header("Content-Disposition", "attachment", filename="locked.pdf")
    message.attach(locked)
    return message.as_bytes()


def test_latin1_mail_headers_body_and_attachments() -> None:
    result = extract(latin1_mail(), "inbox/42.eml", document_id="inbox/42.eml")
    mail = result.main
    assert mail.content_type == "message/rfc822"
    assert mail.title == "Rechnung für März"
    assert mail.text == "Hallo Jürgen,\n\ndie Rechnung über 300 EUR folgt.\n\nGrüße\nZoë"
    assert "zoe@example.com" not in mail.text  # headers are metadata, not body
    assert mail.metadata["sender"] == "Zoë Müller <zoe@example.com>"
    assert mail.metadata["recipients"] == (
        "jurgen@example.com, Ann <ann@example.com>, team@example.com"
    )
    assert mail.metadata["date"] == "2025-03-04T10:15:00+01:00"
    assert mail.metadata["subject"] == "Rechnung für März"
    assert mail.metadata["message_id"] == "<abc123@example.com>"
    assert mail.metadata["attachments"] == "3"

    ids = [doc.document_id for doc in result.documents[1:]]
    assert ids == [
        "inbox/42.eml#attachment/1-invoice 42.pdf",
        "inbox/42.eml#attachment/2-terms.txt",
    ]
    invoice, terms = result.documents[1:]
    assert "Invoice 42: 300 EUR" in invoice.text
    assert invoice.metadata["attachment_of"] == "inbox/42.eml"
    assert invoice.metadata["file_name"] == "invoice 42.pdf"
    assert terms.text == "Zahlbar in 30 Tagen."
    assert [f.document_id for f in result.failed] == ["inbox/42.eml#attachment/3-locked.pdf"]
    assert isinstance(result.failed[0].error, EncryptedDocument)


def test_raw_8bit_latin1_mail() -> None:
    raw = (
        b"From: =?iso-8859-1?q?Ren=E9?= <rene@example.fr>\r\n"
        b"To: marie@example.fr\r\n"
        b"Subject: =?iso-8859-1?q?R=E9union_d=E9plac=E9e?=\r\n"
        b"Date: Mon, 3 Feb 2025 09:00:00 +0000\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "La réunion est déplacée à jeudi.\r\n".encode("latin-1")
    )
    mail = extract(raw, "m.eml").main
    assert mail.text == "La réunion est déplacée à jeudi."
    assert mail.title == "Réunion déplacée"
    assert mail.metadata["sender"] == "René <rene@example.fr>"
    assert mail.metadata["date"] == "2025-02-03T09:00:00+00:00"


def test_html_only_mail_is_converted() -> None:
    message = EmailMessage()
    message["From"] = "news@example.com"
    message["To"] = "you@example.com"
    message["Subject"] = "Newsletter"
    message.set_content("<h1>News</h1><ul><li>One</li><li>Two</li></ul>", subtype="html")
    mail = extract(message.as_bytes(), "n.eml").main
    assert mail.text == "# News\n\n- One\n- Two"


def test_nested_mail_attachment() -> None:
    inner = EmailMessage()
    inner["From"] = "a@example.com"
    inner["Subject"] = "Original"
    inner.set_content("The original text.")
    outer = EmailMessage()
    outer["From"] = "b@example.com"
    outer["Subject"] = "Fwd: Original"
    outer.set_content("See below.")
    outer.add_attachment(inner)
    result = extract(outer.as_bytes(), "fwd.eml")
    assert [d.document_id for d in result.documents] == [
        "fwd.eml",
        "fwd.eml#attachment/1-part1.eml",
    ]
    assert result.documents[1].text == "The original text."
    assert result.documents[1].title == "Original"


def test_mail_without_headers_is_corrupt() -> None:
    with pytest.raises(CorruptDocument):
        extract(b"\n\njust a body", "x.eml")
