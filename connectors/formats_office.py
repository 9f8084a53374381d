"""PDF (pypdf) and Office Open XML (python-docx, python-pptx, openpyxl) to Markdown-ish text.

Headings become ``#`` lines, list items ``-`` lines (two spaces per nesting level), table
rows ``a | b``. Parser exceptions on damaged input become :class:`CorruptDocument`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from connectors.formats_common import (
    CorruptDocument,
    EncryptedDocument,
    FormatError,
    Part,
    check_zip,
    clean_metadata,
    join_blocks,
    table_row,
)

DEFAULT_MAX_UNPACKED_BYTES = 256 * 1024 * 1024


@contextmanager
def parsing(what: str) -> Iterator[None]:
    """Turn whatever a third-party parser raises on bad input into :class:`CorruptDocument`
    (our own :class:`FormatError` and running out of memory pass through)."""
    try:
        yield
    except (FormatError, MemoryError):
        raise
    except Exception as exc:
        raise CorruptDocument(f"{what} could not be parsed: {type(exc).__name__}: {exc}") from exc


# -- PDF ---------------------------------------------------------------------------------------


def extract_pdf(data: bytes) -> Part:
    """Text of every page (blank line between pages). A PDF with an empty user password
    (owner-password only) is read; one that needs a password raises EncryptedDocument."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise CorruptDocument("PDF: no %PDF- header")
    with parsing("PDF"):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    decrypted = reader.decrypt("")
                except (DependencyError, NotImplementedError) as exc:
                    raise EncryptedDocument(f"PDF is encrypted ({exc})") from exc
                if not decrypted:
                    raise EncryptedDocument("PDF is encrypted with a user password")
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata
        except FileNotDecryptedError as exc:
            raise EncryptedDocument(f"PDF is encrypted: {exc}") from exc
    title = _pdf_field(info, "title")
    metadata = clean_metadata(
        {
            "format": "pdf",
            "pages": len(pages),
            "author": _pdf_field(info, "author"),
            "encrypted": "owner-password-only" if reader.is_encrypted else None,
        }
    )
    return Part(join_blocks(pages), title, metadata)


def _pdf_field(info: Any, name: str) -> str | None:
    if info is None:
        return None
    value = getattr(info, name, None)
    return str(value).strip() or None if value is not None else None


# -- DOCX --------------------------------------------------------------------------------------


def extract_docx(data: bytes, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES) -> Part:
    """Paragraphs and tables in document order: Heading N / Title styles -> ``#``, list
    paragraphs (List styles or numbering) -> ``-``, tables -> ``a | b`` rows."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, "DOCX", max_unpacked_bytes)
    blocks: list[str] = []
    with parsing("DOCX"):
        document = Document(io.BytesIO(data))
        items: list[str] = []  # consecutive list items form one block
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                line, is_item = _docx_paragraph(item)
                if is_item:
                    items.append(line)
                    continue
                if items:
                    blocks.append("\n".join(items))
                    items = []
                blocks.append(line)
            elif isinstance(item, Table):
                if items:
                    blocks.append("\n".join(items))
                    items = []
                blocks.append(_docx_table(item))
        if items:
            blocks.append("\n".join(items))
        props = document.core_properties
        title = (props.title or "").strip() or None
        metadata = clean_metadata(
            {
                "format": "docx",
                "author": props.author,
                "created_at": props.created,
                "modified_at": props.modified,
            }
        )
    return Part(join_blocks(blocks), title, metadata)


def _docx_paragraph(paragraph: Any) -> tuple[str, bool]:
    """The paragraph as a Markdown line, and whether it is a list item."""
    text = paragraph.text.strip()
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title" and text:
        return f"# {text}", False
    if style.startswith("Heading") and text:
        level = style.removeprefix("Heading").strip()
        depth = min(int(level), 6) if level.isdigit() else 1
        return f"{'#' * depth} {text}", False
    ppr = paragraph._p.pPr
    numbered = ppr is not None and ppr.numPr is not None
    if text and (numbered or style.startswith("List")):
        indent = 0
        if numbered and ppr.numPr.ilvl is not None and ppr.numPr.ilvl.val is not None:
            indent = int(ppr.numPr.ilvl.val)
        return f"{'  ' * indent}- {text}", True
    return text, False


def _docx_table(table: Any) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats itself
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        line = table_row(cells)
        if line is not None:
            rows.append(line)
    return "\n".join(rows)


# -- PPTX --------------------------------------------------------------------------------------


def extract_pptx(data: bytes, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES) -> Part:
    """One ``## Slide N: title`` section per slide: body placeholders as ``-`` items (by
    level), other text boxes as paragraphs, tables as rows, speaker notes last."""
    from pptx import Presentation

    check_zip(data, "PPTX", max_unpacked_bytes)
    blocks: list[str] = []
    first_title: str | None = None
    with parsing("PPTX"):
        presentation = Presentation(io.BytesIO(data))
        slides = list(presentation.slides)
        for number, slide in enumerate(slides, start=1):
            title_shape = slide.shapes.title
            slide_title = (title_shape.text_frame.text.strip() if title_shape else "") or None
            first_title = first_title or slide_title
            heading = f"## Slide {number}" + (f": {slide_title}" if slide_title else "")
            blocks.append(heading)
            for shape in slide.shapes:
                if title_shape is not None and shape.shape_id == title_shape.shape_id:
                    continue
                blocks.extend(_pptx_shape(shape))
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame
                if notes is not None and notes.text.strip():
                    blocks.append(f"Notes: {notes.text.strip()}")
        props = presentation.core_properties
        title = (props.title or "").strip() or first_title
        metadata = clean_metadata(
            {
                "format": "pptx",
                "slides": len(slides),
                "author": props.author,
                "modified_at": props.modified,
            }
        )
    return Part(join_blocks(blocks), title, metadata)


def _pptx_shape(shape: Any) -> list[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [block for inner in shape.shapes for block in _pptx_shape(inner)]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = [table_row([cell.text for cell in row.cells]) for row in shape.table.rows]
        return ["\n".join(r for r in rows if r is not None)]
    if not shape.has_text_frame:
        return []
    bullets = shape.is_placeholder and shape.placeholder_format.type in (
        PP_PLACEHOLDER.BODY,
        PP_PLACEHOLDER.OBJECT,
    )
    lines: list[str] = []
    for paragraph in shape.text_frame.paragraphs:
        text = "".join(run.text for run in paragraph.runs).strip()
        if not text:
            continue
        lines.append(f"{'  ' * paragraph.level}- {text}" if bullets else text)
    return ["\n".join(lines)] if bullets else lines


# -- XLSX --------------------------------------------------------------------------------------


def extract_xlsx(data: bytes, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES) -> Part:
    """One ``## <sheet>`` section per worksheet, each non-empty row as ``a | b``
    (cached values of formulas, not the formulas)."""
    from openpyxl import load_workbook

    check_zip(data, "XLSX", max_unpacked_bytes)
    blocks: list[str] = []
    with parsing("XLSX"):
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
            for sheet in sheets:
                rows = [
                    line
                    for row in sheet.iter_rows(values_only=True)
                    if (line := table_row([_cell(value) for value in row])) is not None
                ]
                blocks.append(f"## {sheet.title}")
                if rows:
                    blocks.append("\n".join(rows))
            props = workbook.properties
            title = (props.title or "").strip() or None
            metadata = clean_metadata(
                {"format": "xlsx", "sheets": len(sheets), "author": props.creator}
            )
        finally:
            workbook.close()
    return Part(join_blocks(blocks), title, metadata)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
