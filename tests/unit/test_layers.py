"""The import graph points one way: schemas < infra < connectors | streams < ragstream.

A module may import from its own package and from packages on lower layers only. ``connectors``
and ``streams`` share a layer and import neither each other nor the shell (``ragstream``), which
nothing imports. Parsed from the source, so lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
LAYER = {"schemas": 0, "infra": 1, "connectors": 2, "streams": 2, "ragstream": 3}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """Our top-level packages imported by a file, with the line of each import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".", 1)[0]
            if top in LAYER:
                found.add((top, node.lineno))
    return found


def violations() -> list[str]:
    out = []
    for package, level in LAYER.items():
        for path in sorted((REPO / package).rglob("*.py")):
            for target, line in sorted(imported_packages(path)):
                if target == package:
                    continue
                if LAYER[target] >= level:
                    rel = path.relative_to(REPO)
                    out.append(f"{rel}:{line} imports {target} (layer {LAYER[target]} >= {level})")
    return out


def test_imports_point_down_only() -> None:
    assert violations() == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from ragstream.cli import main\n    import streams.query\n")
    assert imported_packages(bad) == {("ragstream", 2), ("streams", 3)}


def test_every_package_is_on_a_layer() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages == set(LAYER)
