"""HTML (beautifulsoup4, stdlib parser) to Markdown-ish text.

``h1``-``h6`` -> ``#`` lines, ``ul``/``ol`` items -> ``-`` lines (nested lists indented),
table rows -> ``a | b``, ``pre`` kept as is, other block elements -> paragraphs; scripts,
styles and the ``head`` are dropped. Whitespace is collapsed, ``br`` is a line break.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.formats_common import (
    Part,
    UndecodableText,
    clean_metadata,
    join_blocks,
    table_row,
)

_SKIP = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "iframe", "object", "canvas"}
)
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
        "blockquote", "figure", "figcaption", "address", "form", "fieldset", "details",
        "summary", "dl", "dt", "dd", "hr", "body", "html", "center", "caption",
    }
)  # fmt: skip
_HEADING = re.compile(r"^h([1-6])$")
_BREAK = "\ue000"  # a br inside a paragraph; not whitespace, so it survives collapsing


def extract_html(data: bytes | str, declared_charset: str | None = None) -> Part:
    """The visible text of an HTML document; title from ``<title>``, else the first h1."""
    from bs4 import BeautifulSoup, UnicodeDammit

    if isinstance(data, bytes):
        dammit = UnicodeDammit(
            data, known_definite_encodings=[declared_charset] if declared_charset else [],
            is_html=True,
        )  # fmt: skip
        markup = dammit.unicode_markup
        if markup is None:
            raise UndecodableText("HTML: no text encoding reads these bytes")
        charset = dammit.original_encoding
    else:
        markup, charset = data, None
    if "\x00" in markup:
        raise UndecodableText("HTML: binary content (NUL character)")
    soup = BeautifulSoup(markup, "html.parser")
    title = None
    if soup.title is not None and soup.title.get_text(strip=True):
        title = _collapse(soup.title.get_text(" "))
    renderer = _Renderer()
    renderer.walk(soup)
    renderer.flush()
    if title is None:
        first = soup.find("h1")
        if first is not None:
            title = _collapse(first.get_text(" ")) or None
    html = soup.find("html")
    meta_values: dict[str, object] = {
        "format": "html",
        "charset": charset,
        "lang": html.get("lang") if html is not None and hasattr(html, "get") else None,
    }
    for name in ("description", "author"):
        tag = soup.find("meta", attrs={"name": name})
        if tag is not None and hasattr(tag, "get"):
            meta_values[name] = tag.get("content")
    return Part(join_blocks(renderer.blocks), title, clean_metadata(meta_values))


def _collapse(text: str) -> str:
    """Whitespace runs -> one space, per line (lines split at ``br`` markers)."""
    lines = (" ".join(line.split()) for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line)


class _Renderer:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.inline: list[str] = []

    def flush(self) -> None:
        text = _collapse("".join(self.inline))
        if text:
            self.blocks.append(text)
        self.inline = []

    def walk(self, node: Any) -> None:
        from bs4.element import NavigableString, PreformattedString, Tag

        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, doctype, CDATA
                continue
            if isinstance(child, NavigableString):
                self.inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = (child.name or "").lower()
            heading = _HEADING.match(name)
            if name in _SKIP:
                continue
            if heading:
                self.flush()
                text = _collapse(child.get_text(" ")).replace("\n", " ")
                if text:
                    self.blocks.append(f"{'#' * int(heading.group(1))} {text}")
            elif name == "br":
                self.inline.append(_BREAK)
            elif name in ("ul", "ol"):
                self.flush()
                lines = _list_lines(child, 0)
                if lines:
                    self.blocks.append("\n".join(lines))
            elif name == "li":  # a stray item outside a list
                self.flush()
                self.blocks.append(f"- {_collapse(child.get_text(' '))}")
            elif name == "table":
                self.flush()
                rows = _table_rows(child)
                if rows:
                    self.blocks.append("\n".join(rows))
            elif name == "pre":
                self.flush()
                self.blocks.append(child.get_text().strip("\n"))
            elif name in _BLOCK:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)


def _list_lines(list_tag: Any, depth: int) -> list[str]:
    from bs4.element import NavigableString, PreformattedString, Tag

    lines: list[str] = []
    for item in list_tag.find_all("li", recursive=False):
        parts: list[str] = []
        nested: list[str] = []
        for child in item.children:
            if isinstance(child, Tag) and (child.name or "").lower() in ("ul", "ol"):
                nested.extend(_list_lines(child, depth + 1))
            elif isinstance(child, Tag) and (child.name or "").lower() not in _SKIP:
                parts.append(child.get_text(" "))
            elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                parts.append(str(child))
        text = " ".join(" ".join(parts).replace(_BREAK, " ").split())
        if text:
            lines.append(f"{'  ' * depth}- {text}")
        lines.extend(nested)
    return lines


def _table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:  # rows of a nested table
            continue
        cells = [cell.get_text(" ") for cell in tr.find_all(["td", "th"], recursive=False)]
        line = table_row(cells)
        if line is not None:
            rows.append(line)
    return rows
