"""The reliability suite reuses the integration fixtures and prints its figures at the end."""

from __future__ import annotations

import pytest

from tests.integration.conftest import ns, stack

__all__ = ["ns", "stack"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.reliability.test_crashes import LINES

    if LINES:
        terminalreporter.section("reliability figures")
        for line in LINES:
            terminalreporter.write_line(line)
