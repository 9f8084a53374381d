"""Detection never reaches for the network."""

from __future__ import annotations

import socket

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
