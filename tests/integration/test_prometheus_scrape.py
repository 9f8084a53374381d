"""A real Prometheus server (Debian's prometheus package, installed by `make test` with
promtool) scrapes a real worker with the shipped alert rules loaded: the worker's metrics
arrive with real values, and the rules evaluate without errors."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from schemas import ChangeEvent, Op
from tests.integration.conftest import REPO, Namespace, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(port: int, path: str, **params: str) -> Any:
    url = f"http://127.0.0.1:{port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.loads(resp.read())["data"]
    except OSError:
        return None


def test_prometheus_scrapes_a_worker_and_evaluates_the_rules(ns: Namespace, tmp_path: Path) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed (apt-get install prometheus; make test does)")
    worker_port, prom_port = _free_port(), _free_port()
    config = tmp_path / "prometheus.yml"
    shutil.copy(REPO / "compose" / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "rule_files: [alerts.yml]\n"
        "scrape_configs:\n"
        "  - job_name: ragstream-worker\n"
        "    metrics_path: /metrics/\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{worker_port}']}}]\n"
    )
    assert ns.run(["topics"]).returncode == 0
    ns.spawn(
        ["worker"],
        "worker",
        {"RAGSTREAM_WORKER__WEB_PORT": str(worker_port), "RAGSTREAM_EMBEDDING__BACKEND": "hashing"},
    )
    prom = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=(tmp_path / "prometheus.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        ns.publish(
            [
                ChangeEvent(
                    source_id="ops",
                    document_id=f"note-{i}.md",
                    op=Op.UPSERT,
                    version=1,
                    content=f"rotation schedule for pump station {i}",
                )
                for i in range(3)
            ]
        )
        wait_for(lambda: len(ns.documents()) == 3, 180, "three documents to be indexed")

        def indexed_seen() -> float | None:
            data = _api(prom_port, "query", query='ragstream_events_out_total{stage="sink"}')
            if not data:
                return None
            total = sum(float(r["value"][1]) for r in data["result"])
            return total if total >= 3 else None

        assert wait_for(indexed_seen, 60, "Prometheus to scrape the sink's counts") >= 3
        up = _api(prom_port, "query", query="up{job='ragstream-worker'}")
        assert up and up["result"][0]["value"][1] == "1"
        ready = _api(prom_port, "query", query="min(ragstream_stage_ready)")
        assert ready and ready["result"][0]["value"][1] == "1", "every stage reports ready"

        def rules_evaluated() -> list[Any] | None:
            data = _api(prom_port, "rules")
            groups = data["groups"] if data else []
            rules = [r for g in groups for r in g["rules"]]
            done = rules and all(r.get("lastEvaluation", "").startswith("20") for r in rules)
            return rules if done else None

        rules = wait_for(rules_evaluated, 30, "the alert rules to be evaluated")
        assert all(r.get("health") == "ok" for r in rules), [
            (r["name"], r.get("lastError")) for r in rules if r.get("health") != "ok"
        ]
    finally:
        prom.terminate()
        try:
            prom.wait(10)
        except subprocess.TimeoutExpired:
            prom.kill()
        time.sleep(0.1)
