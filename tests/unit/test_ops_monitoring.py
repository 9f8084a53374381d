"""Alert rules and the Grafana dashboard: valid, tested with promtool, and about metrics that
exist. promtool comes with the Debian package ``prometheus``; without it the promtool checks
are skipped (CI installs it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PROM = REPO / "compose" / "prometheus"
DASHBOARD = REPO / "compose" / "grafana" / "ragstream.json"
# `make test` installs promtool (scripts/test.sh); elsewhere these checks need it on PATH.
needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None and not os.environ.get("CI"),
    reason="promtool not on PATH (apt-get install prometheus); never skipped in CI",
)


def exported_metrics() -> set[str]:
    """Metric names the code registers (counters also as ``_total``, histograms as series)."""
    from prometheus_client import REGISTRY

    import connectors.metrics
    import infra.metrics

    assert infra.metrics and connectors.metrics  # imported for their registrations
    names: set[str] = set()
    for collector in list(REGISTRY._collector_to_names):
        for family in collector.describe() if hasattr(collector, "describe") else []:
            names.add(family.name)
            if family.type == "counter":
                names.add(f"{family.name}_total")
            if family.type == "histogram":
                names.update(f"{family.name}{s}" for s in ("_bucket", "_sum", "_count"))
    return names


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b(ragstream_[a-z_]+)\b", expr))


def rules() -> list[dict[str, str]]:
    loaded = yaml.safe_load((PROM / "alerts.yml").read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]


def test_alerts_and_dashboard_use_metrics_that_exist() -> None:
    known = exported_metrics()
    used = set().union(*(metric_names(r["expr"]) for r in rules()))
    used |= set().union(*(metric_names(e) for e in dashboard_exprs()))
    assert used, "no ragstream metric referenced"
    assert used <= known, f"unknown metrics: {sorted(used - known)}"


def test_the_required_alerts_exist() -> None:
    alerts = {r["alert"] for r in rules() if "alert" in r}
    assert {
        "RagstreamLagGrowing",
        "RagstreamDeadLetters",
        "RagstreamRetrying",
        "RagstreamFreshnessP99High",
        "RagstreamStageNotReady",
    } <= alerts
    for rule in rules():
        if "alert" in rule:
            assert rule["labels"]["severity"] in {"warning", "critical"}
            assert rule["annotations"]["summary"]


def test_dashboard_is_importable_grafana_json() -> None:
    board = json.loads(DASHBOARD.read_text())
    assert board["uid"] and board["title"] == "ragstream"
    assert board["__inputs"][0]["pluginId"] == "prometheus"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        if panel["type"] != "row":
            assert panel["targets"] and panel["datasource"]["uid"] == "${DS_PROMETHEUS}"
    # no two panels overlap on the grid
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        g = panel["gridPos"]
        mine = {
            (x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])
        }
        assert not cells & mine, panel["title"]
        cells |= mine


@needs_promtool
def test_promtool_checks_and_tests_the_rules() -> None:
    for args in (
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],
        ["check", "config", "prometheus.yml"],
    ):
        done = subprocess.run(
            ["promtool", *args], cwd=PROM, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


@needs_promtool
def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    """promtool parses every dashboard query (as recording rules)."""
    records = [
        {"record": f"ragstream:dashboard_query_{i}", "expr": expr}
        for i, expr in enumerate(dashboard_exprs())
    ]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}))
    done = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
