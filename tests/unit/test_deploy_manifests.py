"""deploy/k8s: the manifests load, agree with each other and with the settings they carry.

kubeconform (schema validation against the Kubernetes OpenAPI) is not installable offline, so
these checks parse the YAML and check what ragstream depends on: probes on /health/ at the
worker's web port, KEDA bounded by the partitions, the consumer group and topics KEDA watches
being the worker's, settings and SQL config that ragstream itself accepts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.sql_config import load_sql_config
from infra.settings import ComplianceSettings, InsecureKeyError, Settings

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"


def _docs() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                out.append((path.name, doc))
    return out


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [d for _, d in _docs() if d.get("kind") == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _settings_from_configmap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """Settings exactly as a pod gets them: only the ConfigMap's file, no RAGSTREAM_* env."""
    cm = _one("ConfigMap", "ragstream-settings")
    path = tmp_path / "ragstream.yaml"
    path.write_text(cm["data"]["ragstream.yaml"], encoding="utf-8")
    for key in list(os.environ):
        if key.startswith("RAGSTREAM_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RAGSTREAM_SETTINGS_FILE", str(path))
    return Settings()


def _pod(deployment: dict[str, Any]) -> dict[str, Any]:
    pod: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return pod


def test_every_manifest_loads_and_names_itself() -> None:
    docs = _docs()
    assert {f for f, _ in docs} >= {
        "kustomization.yaml",
        "worker-configmap.yaml",
        "worker-secret.yaml",
        "worker-deployment.yaml",
        "keda-scaledobject.yaml",
        "connector-filesystem.yaml",
        "connector-sql.yaml",
    }
    for fname, doc in docs:
        assert doc.get("apiVersion") and doc.get("kind"), fname
        if doc["kind"] != "Kustomization":
            assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"]), fname


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kust = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = set(kust["resources"])
    assert all((K8S / r).is_file() for r in listed)
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    # never applied by `apply -k`: it would overwrite the real Secret with empty values
    assert files - listed == {"worker-secret.yaml"}


def test_worker_probes_point_at_health_on_the_web_port(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _settings_from_configmap(monkeypatch, tmp_path)
    pod = _pod(_one("Deployment", "ragstream-worker"))
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == "/health/", probe
        assert ports[get["port"]] == settings.worker.web_port, probe
    # the probes reach the worker only when it listens beyond loopback
    assert settings.worker.web_host == "0.0.0.0"
    # liveness gives a retrying stage (503) far longer than readiness before a restart
    live, ready = container["livenessProbe"], container["readinessProbe"]
    assert (
        live["periodSeconds"] * live["failureThreshold"]
        > 10 * ready["periodSeconds"] * ready["failureThreshold"]
    )


def test_worker_settings_secret_and_volumes_fit_together(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _settings_from_configmap(monkeypatch, tmp_path)
    assert settings.worker.app_id == "ragstream"
    assert settings.kafka.replication_factor >= 3 and settings.opensearch.replicas >= 1
    deployment = _one("Deployment", "ragstream-worker")
    pod = _pod(deployment)
    (container,) = pod["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    settings_file = Path(env["RAGSTREAM_SETTINGS_FILE"])
    assert mounts["settings"] == str(settings_file.parent)
    assert volumes["settings"]["configMap"]["name"] == "ragstream-settings"
    assert mounts["data"] == str(settings.worker.data_dir)
    assert container["args"] == ["worker"]
    secret = _one("Secret", "ragstream-secrets")
    assert [s["secretRef"]["name"] for s in container["envFrom"]] == ["ragstream-secrets"]
    # The shipped Secret carries no usable key: the worker refuses it until a real one is set.
    key = secret["stringData"]["RAGSTREAM_COMPLIANCE__HMAC_KEY"]
    assert key == ""
    with pytest.raises(InsecureKeyError):
        ComplianceSettings(hmac_key=key).require_secret_key()
    res = container["resources"]
    assert res["requests"]["memory"] and res["limits"]["memory"] and res["requests"]["cpu"]
    assert settings.embedding.threads == int(res["limits"]["cpu"])


def test_keda_scales_the_worker_group_up_to_the_partitions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _settings_from_configmap(monkeypatch, tmp_path)
    so = _one("ScaledObject", "ragstream-worker")
    spec = so["spec"]
    assert spec["scaleTargetRef"]["name"] == "ragstream-worker"
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= settings.kafka.partitions
    k = settings.kafka
    topics = set()
    for trigger in spec["triggers"]:
        assert trigger["type"] == "kafka"
        meta = trigger["metadata"]
        assert meta["consumerGroup"] == settings.worker.app_id
        assert meta["bootstrapServers"] == k.bootstrap_servers
        assert int(meta["lagThreshold"]) > 0
        assert meta["allowIdleConsumers"] == "false"
        topics.add(meta["topic"])
    assert topics == {k.changes_topic, k.clean_topic, k.chunks_topic}


def test_pods_run_unprivileged_and_connectors_once_per_source() -> None:
    deployments = [d for _, d in _docs() if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {
        "ragstream-worker",
        "ragstream-connector-filesystem",
        "ragstream-connector-sql",
    }
    for d in deployments:
        pod = _pod(d)
        assert pod["securityContext"]["runAsNonRoot"] is True
        for c in pod["containers"]:
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
        if "connector" in d["metadata"]["name"]:
            assert d["spec"]["replicas"] == 1
            assert d["spec"]["strategy"]["type"] == "Recreate"


def test_sql_connector_config_is_accepted_and_its_password_comes_from_the_secret(
    tmp_path: Path,
) -> None:
    cm = _one("ConfigMap", "ragstream-connector-sql")
    (name,) = cm["data"]
    path = tmp_path / name
    path.write_text(cm["data"][name], encoding="utf-8")
    config = load_sql_config(path)
    assert "${CRM_DB_PASSWORD}" in config.url
    pod = _pod(_one("Deployment", "ragstream-connector-sql"))
    (container,) = pod["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    config_arg = Path(container["args"][container["args"].index("--config") + 1])
    assert str(config_arg.parent) == mounts["sql-config"] and config_arg.name == name
    env = {e["name"]: e for e in container["env"]}
    ref = env["CRM_DB_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == "ragstream-secrets"
    assert ref["key"] in _one("Secret", "ragstream-secrets")["stringData"]


def test_filesystem_connector_watches_its_read_only_mount() -> None:
    pod = _pod(_one("Deployment", "ragstream-connector-filesystem"))
    (container,) = pod["containers"]
    args = container["args"]
    assert args[:2] == ["connect", "filesystem"] and "--source-id" in args
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts[args[2]].get("readOnly") is True
