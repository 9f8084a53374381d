"""The pipeline benchmark's summary: bound, percentiles, targets, markdown and chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.pipeline import report


def test_bound_is_harmonic_combination_of_stage_rates() -> None:
    # 100 chunks: compliance 1 s, chunk + embed 4 s -> 100 chunks in 5 s
    assert report.bound({"compliance": 100.0, "chunk_embed": 25.0}) == pytest.approx(20.0)
    assert report.bound({}) is None
    assert report.bound({"compliance": 0.0, "chunk_embed": 10.0}) is None


def test_percentile_interpolates_between_ranks() -> None:
    assert report.percentile([], 50) is None
    assert report.percentile([3.0], 99) == 3.0
    assert report.percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert report.percentile([float(x) for x in range(101)], 99) == pytest.approx(99.0)


def test_ratios_against_targets() -> None:
    r = report.ratios(
        {
            "e2e_chunks_per_s": 20.0,
            "bound_chunks_per_s": 22.0,
            "naive_chunks_per_s": 10.0,
            "e2e_compliance_off_chunks_per_s": 30.0,
            "langchain_chunks_per_s": None,
        }
    )
    assert r["e2e/bound"]["status"] == "met"
    assert r["e2e/bound"]["value"] == pytest.approx(0.909, abs=1e-3)
    assert r["e2e/naive"]["status"] == "MISSED"
    assert r["e2e/naive"]["target"] == 3.0
    assert r["e2e/langchain"]["status"] == "not measured"


def test_other_targets() -> None:
    t = report.other_targets(
        {"freshness_p99_s": 2.5, "worker_rss_mb": 500.0, "resync_embed_fraction": None}
    )
    assert t["freshness_p99_s"]["status"] == "MISSED"
    assert t["worker_rss_mb"]["status"] == "met"
    assert t["resync_embed_fraction"]["status"] == "not measured"


def test_ndcg_from_retrieval(tmp_path: Path) -> None:
    missing = report.ndcg_from_retrieval(tmp_path / "nope.json")
    assert "error" in missing
    path = tmp_path / "retrieval.json"
    path.write_text(
        json.dumps(
            {
                "generated": "g",
                "commit": "c",
                "chosen": {"index": "section+context", "hybrid": "h"},
                "variants": {
                    "section+context": {
                        "search": {
                            "bm25": {"report": {"ndcg@10": 0.5}},
                            "knn": {"report": {"ndcg@10": 0.7}},
                        }
                    }
                },
                "reembed": {
                    "section": {"documents": 10, "chunks": 40, "fraction_all_resent_cache": 0.01}
                },
            }
        )
    )
    got = report.ndcg_from_retrieval(path)
    assert got["modes"] == {"bm25": 0.5, "knn": 0.7}
    resync = report.resync_from_retrieval(path)
    assert resync is not None
    assert resync["section"]["fraction"] == 0.01
    path.write_text("{}")
    assert "error" in report.ndcg_from_retrieval(path)


def _latest() -> dict[str, Any]:
    latest: dict[str, Any] = {
        "at": "2026-11-27T10:00:00+00:00",
        "command": "python -m bench.pipeline.run",
        "git": {"commit": "0123456789abcdef", "clean": True, "changed": []},
        "machine": {"cores": 2, "cpu": "cpu", "ram_gib": 24.0, "python": "3.11.7"},
        "corpus": {"description": "test", "documents": 10, "chunks": 50, "bytes": 1000},
        "e2e_chunks_per_s": 10.0,
        "bound_chunks_per_s": 20.0,
        "bound_stage_chunks_per_s": {"compliance": 60.0, "chunk_embed": 30.0},
        "naive_chunks_per_s": 8.0,
        "e2e_compliance_off_chunks_per_s": 15.0,
        "langchain_chunks_per_s": 12.0,
        "freshness_p50_s": 1.0,
        "freshness_p99_s": 1.5,
        "worker_rss_mb": 600.0,
        "resync_embed_fraction": 0.01,
        "ndcg10": {"error": "not found"},
        "runtime_s": 100.0,
    }
    latest["ratios"] = report.ratios(latest)
    latest["other_targets"] = report.other_targets(latest)
    latest["ceilings"] = report.ceilings(latest)
    return latest


def test_markdown_states_missed_targets() -> None:
    latest = _latest()
    assert latest["ceilings"] == {"bound/naive": 2.5, "chunk_embed_alone/langchain": 2.5}
    text = report.render_markdown(latest, {})
    assert "Missed targets: e2e/bound, e2e/naive, e2e/langchain." in text
    assert "| e2e/bound | 0.50 | >= 0.8 | **MISSED** |" in text
    assert "clean tree" in text


def test_chart_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "latest.png"
    report.chart(_latest(), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
