"""Document formats: bytes plus a file name or declared content type -> text and metadata.

``extract(data, name, content_type=..., document_id=...)`` returns an :class:`Extraction`:
the document itself first, then (for e-mail) each attachment as its own document with the
id ``<mail id>#attachment/<n>-<name>``. Text keeps structure as Markdown-ish text:
headings ``#``, list items ``-``, table rows ``a | b``.

Supported: PDF, DOCX, PPTX, XLSX, HTML, e-mail (.eml, RFC 822) and plain text in any
common encoding (declared charset, BOM, UTF-8, then charset-normalizer's guess).
A file that cannot become text raises a :class:`FormatError` subclass whose ``reason`` is
``Encrypted``, ``Corrupt``, ``Unsupported`` or ``Undecodable``: a poison record the caller
dead-letters. An attachment that fails does not fail its mail: it is listed in
``Extraction.failed``.

Pure functions over bytes; no knowledge of files on disk, Kafka or checkpoints.
"""

from __future__ import annotations

import email
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import PurePosixPath

from connectors.formats_common import (
    OLE_MAGIC,
    CorruptDocument,
    EncryptedDocument,
    FormatError,
    FormatFailure,
    Part,
    UndecodableText,
    UnsupportedFormat,
    check_zip,
    clean_metadata,
    decode_text,
)
from connectors.formats_html import extract_html
from connectors.formats_office import (
    DEFAULT_MAX_UNPACKED_BYTES,
    extract_docx,
    extract_pdf,
    extract_pptx,
    extract_xlsx,
    parsing,
)
from connectors.fs_files import title_of

__all__ = [
    "CONTENT_TYPES",
    "CorruptDocument",
    "EncryptedDocument",
    "Extracted",
    "Extraction",
    "FailedPart",
    "FormatError",
    "FormatFailure",
    "UndecodableText",
    "UnsupportedFormat",
    "detect_content_type",
    "extract",
]

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html"
EML = "message/rfc822"

CONTENT_TYPES: dict[str, str] = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".pptx": PPTX,
    ".xlsx": XLSX,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".eml": EML,
    ".txt": "text/plain",
    ".text": "text/plain",
    ".log": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".rst": "text/x-rst",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".json": "application/json",
}
"""File extensions read by :func:`extract` and the MIME type each is read as."""

_LEGACY = {
    ".doc": "legacy Word (.doc)",
    ".xls": "legacy Excel (.xls)",
    ".ppt": "legacy PowerPoint (.ppt)",
    ".msg": "Outlook .msg",
    "application/msword": "legacy Word (.doc)",
    "application/vnd.ms-excel": "legacy Excel (.xls)",
    "application/vnd.ms-powerpoint": "legacy PowerPoint (.ppt)",
    "application/vnd.ms-outlook": "Outlook .msg",
}
_GENERIC = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/binary"})
_MIME_ALIASES = {"application/xhtml+xml": HTML, "message/eml": EML, "application/x-pdf": PDF}
_TEXT_MIME = frozenset({"application/json", "application/xml", "application/x-ndjson"})
_MAIL_HEADER = re.compile(
    rb"^(?:Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To):",
    re.IGNORECASE,
)
_UNSAFE_NAME = re.compile(r"[/\\#\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Extracted:
    """One document's text. ``content_type`` is the MIME type of the original (what the
    change event carries); ``metadata`` values are strings."""

    document_id: str
    text: str
    content_type: str
    title: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FailedPart:
    """An attachment that could not be extracted (its mail was)."""

    document_id: str
    error: FormatError


@dataclass(frozen=True)
class Extraction:
    """The file's own document first, then its attachments' documents, in order."""

    documents: tuple[Extracted, ...]
    failed: tuple[FailedPart, ...] = ()

    @property
    def main(self) -> Extracted:
        return self.documents[0]


def detect_content_type(
    data: bytes, name: str | None = None, declared: str | None = None
) -> tuple[str, str | None]:
    """The MIME type to read ``data`` as, and the declared charset if any.

    A specific declared type wins; a generic one (``application/octet-stream``) or none
    falls back to the file extension, then to the bytes (PDF, zip-based Office, OLE,
    HTML, mail headers). Raises :class:`UnsupportedFormat` for known but unsupported
    formats and for binary data of unknown format.
    """
    mime, charset = _parse_content_type(declared)
    mime = _MIME_ALIASES.get(mime, mime)
    if mime in _LEGACY:
        raise UnsupportedFormat(f"{_LEGACY[mime]} is not supported; convert it to Open XML")
    if mime not in _GENERIC:
        if mime in {PDF, DOCX, PPTX, XLSX, HTML, EML} or mime.startswith("text/"):
            return mime, charset
        if mime in _TEXT_MIME:
            return mime, charset
        raise UnsupportedFormat(f"content type {mime} is not supported")
    suffix = PurePosixPath(name or "").suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix], charset
    if suffix in _LEGACY:
        raise UnsupportedFormat(f"{_LEGACY[suffix]} is not supported; convert it to Open XML")
    return _sniff(data, suffix), charset


def _parse_content_type(declared: str | None) -> tuple[str, str | None]:
    if not declared:
        return "", None
    mime, _, params = declared.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return mime.strip().lower(), charset


def _sniff(data: bytes, suffix: str) -> str:
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        for marker, mime in ((b"word/", DOCX), (b"ppt/", PPTX), (b"xl/", XLSX)):
            if marker in data[:65536]:
                return mime
        raise UnsupportedFormat(f"zip archive ({suffix or 'no extension'}) is not supported")
    if head.startswith(OLE_MAGIC):
        check_zip(data, "OLE file", DEFAULT_MAX_UNPACKED_BYTES)  # raises: encrypted or legacy
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return HTML
    if _MAIL_HEADER.match(stripped.lstrip()) and b"\n\n" in data.replace(b"\r\n", b"\n"):
        return EML
    try:
        decode_text(data)
    except UndecodableText as exc:
        raise UnsupportedFormat(
            f"unknown binary format ({suffix or 'no extension'}): not a document type read here"
        ) from exc
    return "text/plain"


def extract(
    data: bytes,
    name: str,
    *,
    content_type: str | None = None,
    document_id: str | None = None,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    max_depth: int = 3,
) -> Extraction:
    """Extract the text of one file (``name`` gives the extension and the fallback title;
    ``document_id`` defaults to ``name``). Raises a :class:`FormatError` subclass."""
    return _extract(data, name, content_type, document_id or name, max_unpacked_bytes, max_depth, 0)


def _extract(
    data: bytes,
    name: str,
    declared: str | None,
    document_id: str,
    max_unpacked: int,
    max_depth: int,
    depth: int,
) -> Extraction:
    mime, charset = detect_content_type(data, name, declared)
    stem = PurePosixPath(name).stem or name or document_id
    if mime == EML:
        return _extract_mail(data, document_id, stem, max_unpacked, max_depth, depth)
    part = _extract_part(data, mime, charset, stem, max_unpacked)
    return Extraction((Extracted(document_id, part.text, mime, part.title or stem, part.metadata),))


def _extract_part(
    data: bytes, mime: str, charset: str | None, stem: str, max_unpacked: int
) -> Part:
    if mime == PDF:
        return extract_pdf(data)
    if mime == DOCX:
        return extract_docx(data, max_unpacked)
    if mime == PPTX:
        return extract_pptx(data, max_unpacked)
    if mime == XLSX:
        return extract_xlsx(data, max_unpacked)
    if mime == HTML:
        return extract_html(data, charset)
    decoded = decode_text(data, charset)
    return Part(
        decoded.text,
        title_of(decoded.text, mime, stem),
        {"format": "text", "charset": decoded.charset},
    )


# -- e-mail ------------------------------------------------------------------------------------


def _extract_mail(
    data: bytes, document_id: str, stem: str, max_unpacked: int, max_depth: int, depth: int
) -> Extraction:
    """Headers -> metadata (sender, recipients, date, subject, message_id); the text/plain
    body, else the HTML body converted; attachments as their own documents."""
    with parsing("e-mail"):
        message = email.message_from_bytes(data, policy=email.policy.default)
        if not isinstance(message, EmailMessage) or not message.keys():
            raise CorruptDocument("e-mail: no headers")
        subject = _header(message, "Subject")
        metadata = clean_metadata(
            {
                "format": "email",
                "sender": _header(message, "From"),
                "recipients": ", ".join(
                    value for h in ("To", "Cc") if (value := _header(message, h))
                ),
                "date": _mail_date(message),
                "subject": subject,
                "message_id": _header(message, "Message-ID"),
            }
        )
        body = message.get_body(preferencelist=("plain", "html"))
        text = ""
        if body is not None:
            payload = body.get_payload(decode=True)
            raw = payload if isinstance(payload, bytes) else b""
            if body.get_content_type() == "text/html":
                text = extract_html(raw, body.get_content_charset()).text
            else:
                text = decode_text(raw, body.get_content_charset()).text.strip()
        attachments = list(message.iter_attachments()) if message.is_multipart() else []
    documents: list[Extracted] = []
    failed: list[FailedPart] = []
    for number, attachment in enumerate(attachments, start=1):
        file_name = attachment.get_filename() or _default_name(attachment, number)
        attachment_id = f"{document_id}#attachment/{number}-{_UNSAFE_NAME.sub('_', file_name)}"
        try:
            if depth + 1 > max_depth:
                raise UnsupportedFormat(f"attachment nested deeper than {max_depth} levels")
            extraction = _extract(
                _attachment_bytes(attachment),
                file_name,
                _declared_type(attachment),
                attachment_id,
                max_unpacked,
                max_depth,
                depth + 1,
            )
        except FormatError as exc:
            failed.append(FailedPart(attachment_id, exc))
            continue
        head, *nested = extraction.documents
        documents.append(
            Extracted(
                head.document_id,
                head.text,
                head.content_type,
                head.title,
                {**head.metadata, "attachment_of": document_id, "file_name": file_name},
            )
        )
        documents.extend(nested)
        failed.extend(extraction.failed)
    if attachments:
        metadata["attachments"] = str(len(attachments))
    main = Extracted(document_id, text, EML, subject or stem, metadata)
    return Extraction((main, *documents), tuple(failed))


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # malformed header the parser chokes on
        raw = message.get_all(name, failobj=[])
        value = str(raw[0]) if raw else None
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def _mail_date(message: EmailMessage) -> str | None:
    try:
        header = message.get("Date")
    except (ValueError, IndexError, TypeError):
        return None
    moment = getattr(header, "datetime", None)
    if moment is not None:
        return str(moment.isoformat())
    return str(header) if header else None


def _attachment_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return bytes(inner[0].as_bytes())
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _declared_type(part: EmailMessage) -> str:
    charset = part.get_content_charset()
    mime = part.get_content_type()
    return f"{mime}; charset={charset}" if charset else mime


def _default_name(part: EmailMessage, number: int) -> str:
    extension = mimetypes.guess_extension(part.get_content_type()) or ""
    return f"part{number}{extension}"
