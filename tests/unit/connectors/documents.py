"""Documents generated at test time with the same libraries the formats module reads them
with: PDF (pypdf), DOCX, PPTX, XLSX, HTML and e-mail, each carrying the phrases given."""

from __future__ import annotations

import io
from email.message import EmailMessage


def pdf(*lines: str, title: str = "Report", password: str | None = None) -> bytes:
    """A one-page PDF with real text (Helvetica), optionally encrypted (AES-256)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

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
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Title": title, "/Author": "Tests"})
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(*paragraphs: str, title: str = "Document") -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pptx(slide_title: str, *bullets: str) -> bytes:
    from pptx import Presentation

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = slide_title
    body = slide.placeholders[1].text_frame
    body.text = bullets[0] if bullets else ""
    for bullet in bullets[1:]:
        body.add_paragraph().text = bullet
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def xlsx(sheet: str, *rows: tuple[object, ...]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def html(title: str, *paragraphs: str) -> bytes:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>"
        f"<script>var hidden = 'never indexed';</script></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    ).encode()


def mail(
    subject: str,
    body: str,
    *,
    sender: str = "Alice Example <alice@example.com>",
    to: str = "bob@example.com",
    charset: str = "utf-8",
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """An e-mail with a text body in ``charset`` and (file name, bytes, MIME type)
    attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Tue, 04 Mar 2025 10:15:00 +0100"
    message["Message-ID"] = "<test-1@example.com>"
    message.set_content(body, charset=charset)
    for name, data, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
