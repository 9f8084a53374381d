"""Document ids, URIs and titles go through the same detection as the text (issue #7, 4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.settings import ComplianceSettings
from schemas import ChangeEvent, Op
from schemas.keys import document_key
from streams.compliance import ComplianceEngine, PolicyError, PresidioDetector, parse_policy
from streams.compliance.doc_ids import detection_texts, id_findings, uri_text
from streams.compliance.policy import Action
from streams.compliance.stage import PolicyComplianceStage

EngineFactory = Callable[..., ComplianceEngine]

pytestmark = pytest.mark.unit

PATH = "clinic/visit-note-2026-02-11.md"
URI = "file:///srv/corpus/clinic/visit-note-2026-02-11.md"
TOKEN = re.compile(r"DATE_TIME_[0-9a-f]{16}")
NOTE = "Wound check after the sutures; healing well, no sign of infection."


def _upsert(document_id: str = PATH, tags: tuple[str, ...] = ("phi",), **kw: object) -> ChangeEvent:
    fields: dict[str, object] = {
        "source_id": "corpus",
        "document_id": document_id,
        "op": Op.UPSERT,
        "version": 7,
        "content": NOTE,
        "uri": URI,
        "title": "Visit note 2026-02-11",
        "tags": tags,
        **kw,
    }
    return ChangeEvent.model_validate(fields)


def _delete(document_id: str = PATH, tags: tuple[str, ...] = ("phi",)) -> ChangeEvent:
    return ChangeEvent(
        source_id="corpus", document_id=document_id, op=Op.DELETE, version=8, uri=URI, tags=tags
    )


def test_hipaa_key_has_no_date(engine_for: EngineFactory) -> None:
    """A HIPAA-tagged clinic/visit-note-2026-02-11.md becomes a key without the date:
    document id, key, URI, title, audit record: nothing after compliance holds it."""
    [outcome] = engine_for("default").process([_upsert()])
    doc = outcome.document
    assert doc is not None
    assert "2026-02-11" not in doc.key and "2026" not in doc.document_id
    # the NER span may or may not take the word glued to the date ("note-2026-02-11")
    assert re.fullmatch(r"clinic/visit-(note-)?DATE_TIME_[0-9a-f]{16}\.md", doc.document_id)
    assert doc.uri is not None and TOKEN.search(doc.uri) and "2026-02-11" not in doc.uri
    assert doc.title == "Visit note <DATE_TIME>"
    assert outcome.doc_key == doc.key == outcome.audit.doc_key
    assert outcome.audit.detail["id_segments_pseudonymised"] == 2  # id and URI
    for blob in (doc.model_dump_json(), outcome.audit.model_dump_json()):
        assert "2026-02-11" not in blob


def test_delete_of_the_same_path_meets_the_same_key(engine_for: EngineFactory) -> None:
    """Upsert and later delete of one path get one pseudonymous key, in any process."""
    upsert, delete = engine_for("default").process([_upsert(), _delete()])
    [again] = engine_for("default").process([_delete()])  # another engine: same key
    assert upsert.document is not None and delete.document is not None
    assert delete.document.op is Op.DELETE
    assert delete.document.key == upsert.document.key == again.doc_key
    assert delete.document.uri == upsert.document.uri
    assert delete.audit.doc_key == upsert.document.key
    assert "2026-02-11" not in delete.document.model_dump_json()


def test_stage_blocks_and_deletes_under_the_pseudonymous_key(
    settings: ComplianceSettings, detector: PresidioDetector
) -> None:
    """A blocked (here: erased-subject) version becomes a delete of the pseudonymous key."""
    from streams.registry import RegistrySnapshot

    stage = PolicyComplianceStage(settings, detector=detector)
    [clean] = stage.process([_upsert(content="Patient Mary Jones was seen.")])
    subjects = frozenset(clean.document.subject_ids)
    assert subjects
    erased = PolicyComplianceStage(
        settings, registry=lambda: RegistrySnapshot(subjects, frozenset()), detector=detector
    )
    [blocked] = erased.process([_upsert(content="Patient Mary Jones was seen.")])
    assert blocked.document.op is Op.DELETE
    assert blocked.document.key == clean.document.key
    assert "2026-02-11" not in blocked.document.key


def test_other_dates_other_keys_and_another_hmac_key(engine_for: EngineFactory) -> None:
    """Different ids never share a key; the pseudonym depends on the secret key."""
    a, b = engine_for("default").process([_upsert(), _upsert("clinic/visit-note-2026-02-12.md")])
    [c] = engine_for("default", key="another-unit-test-key").process([_upsert()])
    keys = {a.doc_key, b.doc_key, c.doc_key}
    assert len(keys) == 3


def test_without_pseudonymize_ids_the_key_stays_and_the_uri_is_redacted(
    engine_for: EngineFactory,
) -> None:
    """GDPR (no pseudonymize_ids): the id is the key and stays; the URI is rewritten like the
    text (a name is hashed)."""
    uri = "file:///srv/hr/Anna%20Kovacs%20CV.pdf"
    [outcome] = engine_for("gdpr").process(
        [_upsert("hr/Anna Kovacs CV.pdf", tags=(), uri=uri, title="CV of Anna Kovacs")]
    )
    doc = outcome.document
    assert doc is not None
    assert doc.document_id == "hr/Anna Kovacs CV.pdf"
    assert doc.uri is not None and "Kovacs" not in doc.uri and "PERSON_" in doc.uri
    assert doc.uri.startswith("file:///srv/hr/") and doc.uri.endswith(".pdf")
    assert doc.title is not None and "Kovacs" not in doc.title
    assert doc.subject_ids, "a name in the URI or title is a subject, for erasure"


def test_untagged_documents_keep_their_ids_under_default(engine_for: EngineFactory) -> None:
    [outcome] = engine_for("default").process([_upsert(tags=())])
    assert outcome.document is not None
    assert outcome.document.document_id == PATH
    assert "id_segments_pseudonymised" not in outcome.audit.detail


def test_segments_stay_within_separators_and_keep_extensions(
    engine_for: EngineFactory,
) -> None:
    """Folders and file extensions survive; only the identifying segment is replaced."""
    [outcome] = engine_for("default").process(
        [_upsert("clinic/2026-02-11/Mary Jones.md", uri=None, title=None)]
    )
    doc = outcome.document
    assert doc is not None
    assert re.fullmatch(r"clinic/DATE_TIME_[0-9a-f]{16}/PERSON_[0-9a-f]{16}\.md", doc.document_id)


def test_id_findings_ignore_url_and_kept_entities(detector: PresidioDetector) -> None:
    """The URL recogniser reads file names as URLs: never acted on in an id."""
    value = "it/vpn-password-reset.md"
    texts = detection_texts(value)
    found = id_findings(
        value, detector.detect(texts), lambda _e: Action.REDACT, lambda _v, d: d.score >= 0.35
    )
    assert found == []


def test_uri_text_decodes_escapes() -> None:
    assert uri_text("file:///a/Mary%20Jones.md") == "file:///a/Mary Jones.md"
    assert detection_texts("a/b_c") == ["a/b_c", "a b c"]
    assert detection_texts("plain") == ["plain"]


def test_pseudonymize_ids_is_a_checked_rule_field(tmp_path: Path) -> None:
    """pseudonymize_ids: a boolean of a framework rule; a wrong value names its line."""
    text = (
        'id: p\nversion: "1"\nrules:\n  - framework: hipaa\n    applies_to: {tags: [phi]}\n'
        "    pseudonymize_ids: sometimes\n"
    )
    with pytest.raises(PolicyError) as err:
        parse_policy(text)
    assert err.value.problems[0].line == 6
    assert "pseudonymize_ids" in err.value.problems[0].location
    ok = parse_policy(text.replace("sometimes", "true"))
    assert ok.resolve("s", ("phi",), ok.classification.default).pseudonymize_ids
    assert not ok.resolve("s", (), ok.classification.default).pseudonymize_ids


def test_key_uses_the_source_id(engine_for: EngineFactory) -> None:
    [outcome] = engine_for("default").process([_upsert()])
    assert outcome.doc_key.startswith("corpus/clinic/")
    assert outcome.document is not None
    assert outcome.doc_key == document_key("corpus", outcome.document.document_id)


def test_the_key_depends_on_the_document_id_alone(engine_for: EngineFactory) -> None:
    """A delete without a URI, or with a URI elsewhere, still meets the upsert's key."""
    [upsert] = engine_for("default").process([_upsert()])
    no_uri = ChangeEvent(
        source_id="corpus", document_id=PATH, op=Op.DELETE, version=9, tags=("phi",)
    )
    moved = no_uri.model_copy(update={"uri": "https://dms.example/x?doc=" + PATH})
    a, b = engine_for("default").process([no_uri, moved])
    assert a.doc_key == b.doc_key == upsert.doc_key
    assert b.document is not None and b.document.uri is not None
    assert "2026-02-11" not in b.document.uri and b.document.uri.startswith("https://dms.example/")


def test_uri_ending_with_the_id_is_redacted_like_a_whole_uri(engine_for: EngineFactory) -> None:
    """The URI is analysed as its (cached) root plus the document id: the same result."""
    engine = engine_for("gdpr")
    events = [
        _upsert("hr/Anna Kovacs CV.pdf", tags=(), uri=f"file:///srv/{root}/hr/Anna Kovacs CV.pdf")
        for root in ("a", "a", "b")
    ]
    uris = [o.document.uri or "" for o in engine.process(events) if o.document is not None]
    assert uris[0] == uris[1]
    assert re.fullmatch(r"file:///srv/a/hr/<PERSON_[0-9a-f]{8}>( CV)?\.pdf", uris[0])
    assert uris[2] == uris[0].replace("/srv/a/", "/srv/b/")  # same name, same pseudonym
