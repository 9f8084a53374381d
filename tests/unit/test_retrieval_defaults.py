"""The product's ranking default is the hybrid the judged sets choose together."""

from __future__ import annotations

import pytest

from bench.retrieval.defaults import best_hybrid, product_default_name, result_files, rows

pytestmark = pytest.mark.unit


def test_default_hybrid_is_the_best_mean_over_every_judged_set() -> None:
    """Changing DEFAULT_FUSION/DEFAULT_TEXT_MATCH, or a new set's results that prefer another
    hybrid, fails here until the choice is made again (python -m bench.retrieval.defaults)."""
    paths = result_files()
    assert len(paths) >= 2 and all(p.is_file() for p in paths)
    table = rows(paths)
    assert best_hybrid(table).mode == product_default_name()


def test_default_hybrid_beats_knn_alone_on_the_tune_halves() -> None:
    table = {r.mode: r for r in rows(result_files())}
    default = table[product_default_name()]
    assert default.tune_mean > table["knn"].tune_mean
