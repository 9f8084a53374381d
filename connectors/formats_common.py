"""What every document format shares: the typed errors, one extracted part, text decoding.

Pure functions over bytes; no knowledge of files, Kafka or checkpoints.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

import charset_normalizer


class FormatFailure(StrEnum):
    """Why a document could not be turned into text (the dead letter's reason)."""

    ENCRYPTED = "Encrypted"
    CORRUPT = "Corrupt"
    UNSUPPORTED = "Unsupported"
    UNDECODABLE = "Undecodable"


class FormatError(Exception):
    """A document that cannot become text: a poison record, never a crash.

    ``reason`` says which kind; the message says what was found, never the content.
    """

    reason: ClassVar[FormatFailure]


class EncryptedDocument(FormatError):
    """Password-protected (PDF with a user password, encrypted Office file)."""

    reason = FormatFailure.ENCRYPTED


class CorruptDocument(FormatError):
    """Claims a format but does not parse as one (truncated, damaged, zip bomb)."""

    reason = FormatFailure.CORRUPT


class UnsupportedFormat(FormatError):
    """A format this module does not read (images, legacy .doc/.xls/.ppt, archives)."""

    reason = FormatFailure.UNSUPPORTED


class UndecodableText(FormatError):
    """Bytes that no text decoder reads (binary content, unknown encoding)."""

    reason = FormatFailure.UNDECODABLE


@dataclass(frozen=True)
class Part:
    """The text of one document as Markdown-ish text, its title and metadata (strings)."""

    text: str
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


# -- plain text --------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MAX_CONTROL_RATIO = 0.05


@dataclass(frozen=True)
class DecodedText:
    text: str
    charset: str


def decode_text(data: bytes, declared_charset: str | None = None) -> DecodedText:
    """Decode text bytes: the declared charset first, then a BOM, UTF-8, then
    charset-normalizer's best guess. Raises :class:`UndecodableText` when none reads it
    or the result looks binary (NUL or many control characters)."""
    attempts: list[str] = []
    if declared_charset:
        attempts.append(declared_charset.strip().strip('"').lower())
    for bom, codec in _BOMS:
        if data.startswith(bom):
            attempts.append(codec)
            break
    attempts.append("utf-8")
    for charset in attempts:
        try:
            text = data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
        if charset in {"utf-8", "utf8"}:
            text = text.removeprefix("\ufeff")
        return DecodedText(_check_textual(text), _codec_name(charset))
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise UndecodableText("no text encoding reads these bytes (binary content?)")
    # Short texts fit many code pages equally well (charset-normalizer then names the first
    # in its own order, e.g. cp1006 for "caf\xe9"): among the equally good guesses prefer the
    # common ones, Western first.
    tied = [m for m in matches if m.chaos == best.chaos and m.coherence == best.coherence]
    chosen = min(tied, key=lambda m: _preference(m.encoding), default=best)
    return DecodedText(_check_textual(str(chosen)), _codec_name(chosen.encoding))


_PREFERRED = (
    "utf_8",
    "utf_16",
    "utf_32",
    "cp1252",
    "iso8859_15",
    "latin_1",
    "cp1250",
    "iso8859_2",
    "cp1251",
    "koi8_r",
    "iso8859_5",
    "cp1253",
    "cp1254",
    "cp1257",
    "gb18030",
    "gbk",
    "big5",
    "shift_jis",
    "euc_jp",
    "euc_kr",
)


def _preference(encoding: str) -> int:
    try:
        return _PREFERRED.index(encoding)
    except ValueError:
        return len(_PREFERRED)


def _check_textual(text: str) -> str:
    if "\x00" in text:
        raise UndecodableText("binary content: NUL character in text")
    controls = len(_CONTROL.findall(text))
    if text and controls / len(text) > _MAX_CONTROL_RATIO:
        raise UndecodableText(f"binary content: {controls} control characters")
    return text


def _codec_name(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return charset


# -- shared helpers ----------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def check_zip(data: bytes, what: str, max_unpacked_bytes: int) -> None:
    """Office Open XML files are zip archives: tell encrypted (an OLE container holding
    ``EncryptionInfo``), legacy binary Office, damaged archives and zip bombs apart."""
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTION_INFO in data:
            raise EncryptedDocument(f"{what} is password-protected (encrypted OLE container)")
        raise UnsupportedFormat(f"{what} is a legacy binary Office file (OLE), not Open XML")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise CorruptDocument(f"{what} is not a valid zip archive: {exc}") from exc
    if unpacked > max_unpacked_bytes:
        raise CorruptDocument(
            f"{what} unpacks to {unpacked} bytes, more than the limit {max_unpacked_bytes}"
        )


def table_row(cells: list[str]) -> str | None:
    """One table row as ``a | b``; ``None`` when every cell is empty. Trailing empty cells
    are dropped; line breaks inside a cell become spaces."""
    flat = [" ".join(cell.split()) for cell in cells]
    while flat and not flat[-1]:
        flat.pop()
    if not flat:
        return None
    return " | ".join(flat)


def join_blocks(blocks: list[str]) -> str:
    """Blocks separated by one blank line, without runs of blank lines."""
    text = "\n\n".join(block.strip("\n") for block in blocks if block.strip())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def clean_metadata(values: dict[str, object]) -> dict[str, str]:
    """String metadata without empty values (datetimes as ISO 8601)."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        iso = getattr(value, "isoformat", None)
        out[key] = str(iso()) if callable(iso) else str(value)
    return out
