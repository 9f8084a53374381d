"""Shared test configuration: every test is marked unit or integration by its folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests run with the public development HMAC key (the worker and CLI refuse it otherwise).
os.environ.setdefault("RAGSTREAM_COMPLIANCE__ALLOW_DEV_KEY", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        elif "reliability" in parts:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.reliability)
        elif "unit" in parts or "contract" in parts:
            item.add_marker(pytest.mark.unit)
