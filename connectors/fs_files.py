"""Which files the file-system source reads, and how one file is read.

Pure functions over one path; no knowledge of Kafka, checkpoints or watching. Turning the
bytes into text is :func:`connectors.formats.extract`'s job.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CONTENT_TYPES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".rst": "text/x-rst",
    ".csv": "text/csv",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".eml": "message/rfc822",
}
"""Extensions the file-system source reads, and their MIME type."""

UNSUPPORTED_TYPES: dict[str, str] = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".msg": "application/vnd.ms-outlook",
}
"""Documents the source recognises but cannot read (legacy binary Office, Outlook .msg):
dead-lettered as ``UnsupportedFormat`` once per content, so someone can convert them."""

_TEMP_SUFFIXES = frozenset({".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload"})
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<title>.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


class FileRejected(Exception):
    """A supported file that cannot become a document (a poison record, not a crash).

    ``fingerprint`` identifies the rejected state of the file so it is reported once;
    ``original`` holds the bytes worth keeping in the dead letter (may be empty).
    """

    def __init__(self, message: str, *, fingerprint: str, original: bytes = b"") -> None:
        super().__init__(message)
        self.fingerprint = fingerprint
        self.original = original


class FileTooLarge(FileRejected):
    """Larger than ``connectors.max_file_bytes``."""


class FileUnreadable(FileRejected):
    """The operating system refused to read it (permissions, I/O error)."""


class FileUndecodable(FileRejected):
    """Text that no decoder reads (binary content, NUL or control characters)."""


class DirectoryUnreadable(Exception):
    """A directory (the root or below) that could not be listed: permissions, an unmounted
    share, a root that vanished. Its documents are kept, never deleted, until it can be read.

    ``relative`` is the directory relative to the root (``.`` for the root itself) and
    ``error_class`` the operating system's error (``PermissionError``, ...).
    """

    def __init__(self, relative: str, error: OSError) -> None:
        self.relative = relative
        self.error_class = type(error).__name__
        reason = error.strerror or self.error_class
        where = "root directory" if relative == "." else f"directory {relative}"
        super().__init__(f"cannot list {where}: {reason} ({self.error_class})")


@dataclass(frozen=True)
class FileBytes:
    """The content of one file as read, and what the event needs about it."""

    data: bytes
    sha256: str
    size: int
    mtime_ns: int


def is_ignored(relative: PurePosixPath) -> bool:
    """Hidden files and directories, and editor or download temp files."""
    if any(part.startswith(".") for part in relative.parts):
        return True
    name = relative.name
    return (
        name.endswith("~")
        or (name.startswith("#") and name.endswith("#"))
        or relative.suffix.lower() in _TEMP_SUFFIXES
    )


def content_type_for(relative: PurePosixPath) -> str | None:
    """The MIME type of a file the source reads or dead-letters as unsupported, ``None`` for
    files it ignores."""
    suffix = relative.suffix.lower()
    return CONTENT_TYPES.get(suffix) or UNSUPPORTED_TYPES.get(suffix)


def title_of(text: str, content_type: str, stem: str) -> str:
    """The first Markdown ATX heading outside code fences, else the file stem."""
    if content_type == "text/markdown":
        fenced = False
        for line in text.splitlines():
            if _FENCE.match(line):
                fenced = not fenced
                continue
            match = None if fenced else _ATX_HEADING.match(line)
            if match:
                return match.group("title").strip()
    return stem


def read_file(path: Path, max_bytes: int) -> FileBytes | None:
    """Read one regular file; ``None`` if it vanished or is not a regular file.

    Raises :class:`FileTooLarge` or :class:`FileUnreadable` for a file that exists but
    cannot be used.
    """
    try:
        info = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # e.g. a parent directory that may no longer be searched
        raise FileUnreadable(
            f"cannot stat file: {exc.strerror or type(exc).__name__}",
            fingerprint=f"stat-error:{type(exc).__name__}:{exc.errno}",
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        return None
    stat_print = f"stat:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
    if info.st_size > max_bytes:
        raise FileTooLarge(
            f"file is {info.st_size} bytes, connectors.max_file_bytes is {max_bytes}",
            fingerprint=stat_print,
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
            mtime_ns = os.fstat(handle.fileno()).st_mtime_ns
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileUnreadable(
            f"cannot read file: {exc.strerror or type(exc).__name__}", fingerprint=stat_print
        ) from exc
    if len(raw) > max_bytes:
        raise FileTooLarge(
            f"file grew past connectors.max_file_bytes ({max_bytes})", fingerprint=stat_print
        )
    return FileBytes(
        data=raw, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), mtime_ns=mtime_ns
    )
