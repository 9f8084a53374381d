"""Document ids and URIs through the same detection as the text.

An id such as ``clinic/visit-note-2026-02-11.md`` names a patient's visit date; it travels as
the Kafka key, the OpenSearch id, in audit records and logs. Each id-like value is analysed
twice, as it is and with its separators (``/ \\ ? & = # _``) read as spaces, so that names in
``Anna_Kovacs_CV.pdf`` and dates between slashes are found; a finding never spans a path
separator (the folder structure stays) nor a file extension. URL findings are ignored (the
value is a path or URI itself), and so are findings the policy keeps.

What becomes of a finding depends on the policy (:attr:`ResolvedPolicy.pseudonymize_ids`):

* off: the document id is left alone (it is the key that versions and deletes meet on); a
  URI is rewritten like the text (``<DATE_TIME>``, ``<PERSON_3f9a1c2b>``).
* on: document id and URI segments become keyed pseudonyms, ``DATE_TIME_<16 hex>``, an HMAC
  of the exact value: the same id gives the same key in every process, so an upsert and a
  later delete of the same path still meet, and two different ids never share one.

The pseudonym depends on the detector: a new spaCy model or policy that finds other
segments gives other keys (re-ingest the source after such a change).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from schemas.change import Acl, ChangeEvent
from streams.compliance.detector import Detection
from streams.compliance.policy import Action
from streams.compliance.transform import Finding, resolve

SEPARATORS = frozenset("/\\?&=#")
_HUMANISE_CHARS = frozenset("/\\?&=#_")
_EXTENSION = re.compile(r"\.(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$")  # not ".2026"
_EDGE = " .-_~+:;,"
IGNORED_IN_IDS = frozenset({"URL"})
"""Entity types never acted on in ids and URIs: the value is a path or URI itself."""
_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Characters left as they are when a rewritten URI is quoted again.
_URI_SAFE = "/:?&=#@!$'()*+,;~[]<>"


@dataclass(frozen=True, slots=True)
class DocumentIdentity:
    """A document's identity after compliance: what keys, links and audit records carry."""

    document_id: str
    uri: str | None
    acl: Acl

    def applied_to(self, event: ChangeEvent) -> ChangeEvent:
        """``event`` carrying this identity (for versioned deletes of it)."""
        return event.model_copy(
            update={"document_id": self.document_id, "uri": self.uri, "acl": self.acl}
        )


def detection_texts(value: str, start: int = 0) -> list[str]:
    """The texts to analyse for ``value``: itself, and a humanised form (same length, so
    offsets agree): separators and file-extension dots read as spaces, and what lies
    before ``start`` (a URI's scheme and host) blanked."""
    chars = [" " if i < start or c in _HUMANISE_CHARS else c for i, c in enumerate(value)]
    for seg_start, seg_end in _segments(value):
        ext = _EXTENSION.search(value, seg_start, seg_end)
        if ext is not None:
            chars[ext.start()] = " "
    human = "".join(chars)
    return [value] if human == value else [value, human]


def uri_text(uri: str) -> str:
    """The form of a URI that is analysed and rewritten (percent-escapes decoded)."""
    return unquote(uri) if "%" in uri else uri


def uri_prefix(uri: str, document_id: str) -> str | None:
    """The part of ``uri`` before ``document_id`` when the URI ends with it after a
    separator (``file:///srv/corpus/`` + ``clinic/note.md``), else None."""
    cut = len(uri) - len(document_id)
    if cut > 0 and uri.endswith(document_id) and uri[cut - 1] in SEPARATORS:
        return uri[:cut]
    return None


def joined(
    prefix: Sequence[Sequence[Detection]], suffix: Sequence[Sequence[Detection]], offset: int
) -> list[list[Detection]]:
    """Detections of a URI from those of its prefix and of the document id that ends it
    (each given per :func:`detection_texts` form; a missing humanised form is the raw one)."""
    out = []
    for form in range(2):
        pre = prefix[min(form, len(prefix) - 1)]
        suf = suffix[min(form, len(suffix) - 1)]
        out.append(
            [
                *pre,
                *(Detection(d.entity_type, d.start + offset, d.end + offset, d.score) for d in suf),
            ]
        )
    return out


def _segments(value: str) -> list[tuple[int, int]]:
    """Start and end of each run between separators."""
    out, start = [], 0
    for i, c in enumerate(value):
        if c in SEPARATORS:
            out.append((start, i))
            start = i + 1
    out.append((start, len(value)))
    return [(s, e) for s, e in out if e > s]


def analysed_from(value: str) -> int:
    """Where analysis of a URI starts: after its scheme and host (``https://host``), which
    name the system, not the document; 0 for a plain path."""
    m = _AUTHORITY.match(value)
    return m.end() if m else 0


def _plausible(value: str, det: Detection) -> bool:
    """NER reads single path words (``srv``, ``corpus``) as names: a PERSON in an id needs
    two words of letters."""
    if det.entity_type != "PERSON":
        return True
    return len(_WORD.findall(value[det.start : det.end])) >= 2


def _crosses(value: str, start: int, end: int) -> bool:
    return any(c in SEPARATORS for c in value[start:end])


def _clip(value: str, det: Detection) -> list[Detection]:
    """``det`` cut at separators, without a trailing file extension or edge punctuation."""
    parts = []
    for seg_start, seg_end in _segments(value):
        start, end = max(det.start, seg_start), min(det.end, seg_end)
        if start >= end:
            continue
        ext = _EXTENSION.search(value, seg_start, seg_end)
        if ext is not None and end > ext.start():
            if start >= ext.start():
                continue  # the extension itself ("md" read as Maryland)
            end = ext.start()
        while start < end and value[start] in _EDGE:
            start += 1
        while end > start and value[end - 1] in _EDGE:
            end -= 1
        if end > start:
            parts.append(Detection(det.entity_type, start, end, det.score))
    return parts


def id_findings(
    value: str,
    detections: Sequence[Sequence[Detection]],
    action_for: Callable[[str], Action],
    keep: Callable[[str, Detection], bool],
    start: int = 0,
) -> list[Finding]:
    """Findings of ``value`` to act on, from its :func:`detection_texts` (in that order),
    ignoring what lies before ``start`` (see :func:`analysed_from`).

    ``keep`` filters detections as the text's are (minimum score, words never a person).
    """
    usable: list[Detection] = []
    for n, dets in enumerate(detections):
        for det in dets:
            if det.entity_type in IGNORED_IN_IDS or not keep(value, det):
                continue
            if n == 0 and _crosses(value, det.start, det.end):
                continue  # the humanised form has it cut at the separators
            if det.end <= start:
                continue
            if det.start < start:
                det = Detection(det.entity_type, start, det.end, det.score)
            usable.extend(p for p in _clip(value, det) if _plausible(value, p))
    return [f for f in resolve(usable, action_for) if f.action is not Action.KEEP]


def rewrite_with(value: str, findings: Sequence[Finding], replace: Callable[[Finding], str]) -> str:
    """``value`` with each finding's span replaced by ``replace(finding)``."""
    parts, cursor = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        parts.append(value[cursor : f.start])
        parts.append(replace(f))
        cursor = f.end
    parts.append(value[cursor:])
    return "".join(parts)


def rebuild_uri(original: str, rewritten: str) -> str:
    """The URI after rewriting its analysed form (escaped again where it had escapes)."""
    if rewritten == uri_text(original):
        return original
    return quote(rewritten, safe=_URI_SAFE) if "%" in original else rewritten
