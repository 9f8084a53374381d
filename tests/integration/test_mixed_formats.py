"""A folder of PDF, DOCX, PPTX, XLSX, HTML and e-mail files (generated here with the same
libraries) flows through the real file-system connector, Kafka, a worker and OpenSearch:
each file, and the mail's attachment, is found by a phrase from its content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.conftest import Namespace, wait_for
from tests.unit.connectors import documents

TIMEOUT = 240

FILES: dict[str, tuple[bytes, str]] = {
    "reports/turbines.pdf": (
        documents.pdf("The turbine inspection passed without findings.", title="Turbines"),
        "turbine inspection passed",
    ),
    "handbook/badges.docx": (
        documents.docx("Visitor badges are collected at the front desk.", title="Badges"),
        "badges are collected at the front desk",
    ),
    "slides/roadmap.pptx": (
        documents.pptx("Roadmap", "Ship the hybrid retrieval engine"),
        "hybrid retrieval engine",
    ),
    "finance/budget.xlsx": (
        documents.xlsx("Budget", ("Ergonomic chairs", 8000), ("Standing desks", 5000)),
        "ergonomic chairs",
    ),
    "web/release.html": (
        documents.html("Release notes", "Search results now load twice as fast."),
        "load twice as fast",
    ),
    "mail/offsite.eml": (
        documents.mail(
            "Spring offsite",
            "The spring offsite moves to the lakeside venue.",
            attachments=(
                (
                    "agenda.pdf",
                    documents.pdf("Kayaking session after the strategy workshop."),
                    "application/pdf",
                ),
            ),
        ),
        "lakeside venue",
    ),
}
ATTACHMENT = ("mail/offsite.eml#attachment/1-agenda.pdf", "kayaking session")


def _find(ns: Namespace, phrase: str) -> list[dict[str, Any]]:
    return ns.search_all(
        ns.settings.opensearch.documents_alias,
        {
            "bool": {
                "must": [{"match_phrase": {"text": phrase}}],
                "must_not": [{"term": {"deleted": True}}],
            }
        },
    )


def test_mixed_formats_are_findable_by_their_content(ns: Namespace, tmp_path: Path) -> None:
    root = tmp_path / "share"
    for relative, (data, _) in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    ns.env["RAGSTREAM_EMBEDDING__BACKEND"] = "hashing"
    ns.start_worker()

    result = ns.run(["connect", "filesystem", str(root), "--once", "--source-id", "mixed"])
    assert result.returncode == 0, result.stderr
    assert '"upserts": 7' in result.stdout, result.stdout  # six files and one attachment

    wanted = {relative: phrase for relative, (_, phrase) in FILES.items()}
    wanted[ATTACHMENT[0]] = ATTACHMENT[1]

    def all_indexed() -> bool:
        return len(ns.documents()) == len(wanted)

    wait_for(all_indexed, TIMEOUT, "every file and the attachment to be indexed")
    for relative, phrase in wanted.items():
        hits = _find(ns, phrase)
        assert [hit["document_id"] for hit in hits] == [relative], phrase
    mail = next(d for d in ns.documents() if d["document_id"] == "mail/offsite.eml")
    assert mail["title"] == "Spring offsite"
    assert "Subject:" not in mail["text"]
    assert {d["content_type"] for d in ns.documents()} >= {
        "application/pdf",
        "text/html",
        "message/rfc822",
    }
