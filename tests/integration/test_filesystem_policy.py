"""Tags are part of the checkpoint: a path tag added before a restart re-publishes the
unchanged files under that path, and the index applies the new tags and frameworks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.conftest import Namespace, wait_for

TIMEOUT = 180


def _docs(ns: Namespace) -> dict[str, dict[str, Any]]:
    return {d["document_id"]: d for d in ns.documents()}


def test_adding_a_path_tag_applies_the_new_tags_to_unchanged_files(
    ns: Namespace, tmp_path: Path
) -> None:
    root = tmp_path / "share"
    (root / "clinic").mkdir(parents=True)
    (root / "clinic" / "visit.md").write_text(
        "# Visit summary\n\nThe follow-up appointment is booked for next week.\n"
    )
    (root / "cafeteria.md").write_text("# Cafeteria\n\nSoup of the day is lentil.\n")
    ns.env["RAGSTREAM_EMBEDDING__BACKEND"] = "hashing"
    ns.start_worker()

    first = ns.run(["connect", "filesystem", str(root), "--once", "--source-id", "share"])
    assert first.returncode == 0, first.stderr

    def both_indexed() -> dict[str, dict[str, Any]] | None:
        docs = _docs(ns)
        return docs if set(docs) == {"clinic/visit.md", "cafeteria.md"} else None

    before = wait_for(both_indexed, TIMEOUT, "the first scan to be indexed")
    assert before["clinic/visit.md"]["tags"] == []
    assert "hipaa" not in before["clinic/visit.md"]["frameworks"]

    # Restart with a new path tag: nothing on disk changed.
    second = ns.run(
        [
            "connect",
            "filesystem",
            str(root),
            "--once",
            "--source-id",
            "share",
            "--path-tag",
            "clinic/=phi",
        ]
    )
    assert second.returncode == 0, second.stderr
    assert '"upserts": 1' in second.stdout  # only the file under clinic/

    def retagged() -> dict[str, dict[str, Any]] | None:
        docs = _docs(ns)
        visit = docs.get("clinic/visit.md")
        return docs if visit is not None and visit["tags"] == ["phi"] else None

    after = wait_for(retagged, TIMEOUT, "the clinic file to be indexed with the phi tag")
    visit = after["clinic/visit.md"]
    assert "hipaa" in visit["frameworks"]
    assert visit["version"] == before["clinic/visit.md"]["version"] + 1
    assert "follow-up appointment" in visit["text"]
    cafeteria = after["cafeteria.md"]
    assert cafeteria["tags"] == []
    assert cafeteria["version"] == before["cafeteria.md"]["version"]
