"""Shared fixtures: one warmed Presidio detector per test session (loading spaCy is slow)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from infra.settings import ComplianceSettings
from streams.compliance import ComplianceEngine, PresidioDetector, load_policy
from streams.compliance.optout import OptOutRegistry


@pytest.fixture(scope="session")
def settings() -> ComplianceSettings:
    return ComplianceSettings(hmac_key=SecretStr("unit-test-key"))


@pytest.fixture(scope="session")
def detector(settings: ComplianceSettings) -> PresidioDetector:
    det = PresidioDetector(settings.spacy_model, settings.batch_size)
    det.warm_up()
    return det


EngineFactory = Callable[..., ComplianceEngine]


@pytest.fixture(scope="session")
def engine_for(settings: ComplianceSettings, detector: PresidioDetector) -> EngineFactory:
    """Builds an engine for a shipped policy name, sharing the warmed detector."""

    def build(
        policy: str,
        *,
        key: str | None = None,
        opt_outs: OptOutRegistry | None = None,
    ) -> ComplianceEngine:
        s = settings if key is None else settings.model_copy(update={"hmac_key": SecretStr(key)})
        return ComplianceEngine(s, load_policy(policy), detector=detector, opt_outs=opt_outs)

    return build
