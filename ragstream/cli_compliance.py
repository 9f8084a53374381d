"""Compliance commands: redact, policies, data-subject requests, audit export, purge."""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from infra.access import ROLE_ADMIN, ROLE_AUDITOR, require_or_exit
from infra.kafka_config import confluent_config
from infra.logs import configure_logging
from infra.settings import InsecureKeyError, Settings, get_settings

dsr_app = typer.Typer(
    help=(
        "Data-subject requests (GDPR/CCPA). Identifiers are turned into keyed hashes here; "
        "only the hashes travel on ragstream.dsr and into audit records."
    ),
    no_args_is_help=True,
)
audit_app = typer.Typer(help="Read the audit trail on ragstream.audit.", no_args_is_help=True)
policy_app = typer.Typer(help="List and check compliance policies.", no_args_is_help=True)


def _settings() -> Settings:
    s = get_settings()
    configure_logging(s.log.level, s.log.json_logs)
    return s


def _keyed_settings() -> Settings:
    """Settings for commands that make pseudonyms: the default key is refused (exit 2)."""
    s = _settings()
    try:
        s.compliance.require_secret_key()
    except InsecureKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return s


def redact(
    policy: Annotated[
        str, typer.Option(help="shipped policy name or path to a YAML policy")
    ] = "default",
    jsonl: Annotated[
        bool,
        typer.Option("--jsonl", help='read {"id", "text"} per line, write one result per line'),
    ] = False,
    source_id: Annotated[
        str, typer.Option(help="treat the text as coming from this source")
    ] = "adhoc",
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="source tags, e.g. phi, financial, california")
    ] = None,
    batch: Annotated[int, typer.Option(help="texts analysed per batch with --jsonl")] = 64,
) -> None:
    """Apply a policy to text on stdin and print JSON: redacted text and findings.

    Findings carry entity_type, start, end (offsets into the ORIGINAL text), score and the
    action taken. The same code path as the stream's compliance stage.
    """
    from streams.compliance import ComplianceEngine, PolicyError, load_policy

    s = _keyed_settings()
    try:
        pol = load_policy(policy, s.compliance.policy_dir)
    except (PolicyError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    engine = ComplianceEngine(s.compliance, pol)
    engine.warm_up()
    tags = tuple(tag or ())

    def render(result: Any) -> dict[str, Any]:
        return {
            "text": result.text,
            "decision": result.decision.value,
            "reason": result.reason,
            "classification": result.classification.value,
            "findings": [
                {
                    "entity_type": f.entity_type,
                    "start": f.start,
                    "end": f.end,
                    "score": round(f.score, 3),
                    "action": f.action.value,
                }
                for f in result.findings
            ],
        }

    if not jsonl:
        text = sys.stdin.read()
        result = engine.redact_text([text], source_id=source_id, tags=tags)[0]
        typer.echo(json.dumps(render(result), ensure_ascii=False))
        return

    def flush(items: list[tuple[Any, str]]) -> None:
        results = engine.redact_text([t for _, t in items], source_id=source_id, tags=tags)
        for (item_id, _), result in zip(items, results, strict=True):
            typer.echo(json.dumps({"id": item_id, **render(result)}, ensure_ascii=False))

    pending: list[tuple[Any, str]] = []
    for lineno, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            item = (obj.get("id"), str(obj["text"]))
        except (json.JSONDecodeError, KeyError, AttributeError) as exc:
            typer.echo(
                f'error: line {lineno}: expected {{"id": ..., "text": ...}} ({exc})', err=True
            )
            raise typer.Exit(2) from exc
        pending.append(item)
        if len(pending) >= batch:
            flush(pending)
            pending = []
    if pending:
        flush(pending)


@policy_app.command("list")
def policy_list() -> None:
    """Names of the shipped policies with their id, version and frameworks."""
    from streams.compliance import load_policy, shipped_policies

    for name in shipped_policies():
        p = load_policy(name)
        frameworks = sorted({r.framework for r in p.rules})
        typer.echo(f"{name:<10} id={p.id} version={p.version} frameworks={','.join(frameworks)}")


@policy_app.command("check")
def policy_check(path: Annotated[str, typer.Argument(help="YAML policy file")]) -> None:
    """Validate a policy file; errors name the line and the problem."""
    from streams.compliance import PolicyError, load_policy

    try:
        p = load_policy(path)
    except (PolicyError, FileNotFoundError) as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"ok: id={p.id} version={p.version}")


def _subject_ids(
    s: Settings, emails: list[str], names: list[str], phones: list[str]
) -> tuple[str, ...]:
    from streams.compliance import subject_ids_for

    ids = subject_ids_for(s.compliance.hmac_key, emails=emails, names=names, phones=phones)
    if not ids:
        typer.echo("error: give at least one --email, --name or --phone", err=True)
        raise typer.Exit(2)
    return ids


Emails = Annotated[list[str] | None, typer.Option("--email", help="the subject's e-mail address")]
Names = Annotated[list[str] | None, typer.Option("--name", help="the subject's full name")]
Phones = Annotated[list[str] | None, typer.Option("--phone", help="the subject's phone number")]
Requester = Annotated[str, typer.Option(help="who asks (recorded in the audit trail)")]
Wait = Annotated[float, typer.Option(help="seconds to wait for a worker (0: just submit)")]


@dsr_app.command("access")
def dsr_access(
    email: Emails = None,
    name: Names = None,
    phone: Phones = None,
    requester: Requester = "cli",
) -> None:
    """Print (JSON) every indexed document and chunk linked to the subject; audited."""
    require_or_exit(ROLE_ADMIN, "export a data subject's documents")
    from infra.opensearch import make_client
    from schemas import SubjectRequest
    from streams.dsr import DataSubjectService, audit_for

    s = _keyed_settings()
    request = SubjectRequest(
        kind="access",
        subject_ids=_subject_ids(s, email or [], name or [], phone or []),
        requester=requester,
    )
    report = DataSubjectService(s, make_client(s.opensearch)).access(request)
    _publish(
        s, s.kafka.audit_topic, request.request_id, audit_for(request, report, "cli").to_bytes()
    )
    typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))


def _submit(
    s: Settings,
    kind: str,
    ids: tuple[str, ...],
    requester: str,
    legal_basis: str | None,
    wait: float,
) -> None:
    """Publish a request on ragstream.dsr and wait for the worker's audit record of it."""
    from schemas import AuditRecord, SubjectRequest

    request = SubjectRequest.model_validate(
        {"kind": kind, "subject_ids": ids, "requester": requester, "legal_basis": legal_basis}
    )
    watcher = _AuditWatcher(s) if wait > 0 else None
    _publish(s, s.kafka.dsr_topic, request.request_id, request.to_bytes())
    if watcher is None:
        typer.echo(json.dumps({"request_id": request.request_id, "status": "submitted"}))
        return
    record = watcher.wait_for(request.request_id, wait)
    if record is None:
        typer.echo(
            f"error: no worker completed request {request.request_id} within {wait:.0f}s "
            "(is `ragstream worker` running?)",
            err=True,
        )
        raise typer.Exit(1)
    assert isinstance(record, AuditRecord)
    typer.echo(
        json.dumps(
            {
                "request_id": request.request_id,
                "kind": record.kind,
                "outcome": record.outcome,
                **record.detail,
            },
            indent=2,
        )
    )


@dsr_app.command("erase")
def dsr_erase(
    email: Emails = None,
    name: Names = None,
    phone: Phones = None,
    requester: Requester = "cli",
    wait: Wait = 120.0,
) -> None:
    """Erase the subject: remove their documents from both indices, tombstone them in the
    compacted topics, and block re-ingestion until a new legal basis is recorded."""
    require_or_exit(ROLE_ADMIN, "erase a data subject")
    s = _keyed_settings()
    _submit(
        s, "erasure", _subject_ids(s, email or [], name or [], phone or []), requester, None, wait
    )


@dsr_app.command("opt-out")
def dsr_opt_out(
    email: Emails = None,
    name: Names = None,
    phone: Phones = None,
    requester: Requester = "cli",
    wait: Wait = 120.0,
) -> None:
    """CCPA opt-out: documents of the subject from CCPA sources are no longer processed."""
    require_or_exit(ROLE_ADMIN, "record an opt-out")
    s = _keyed_settings()
    _submit(
        s, "opt_out", _subject_ids(s, email or [], name or [], phone or []), requester, None, wait
    )


@dsr_app.command("allow")
def dsr_allow(
    legal_basis: Annotated[str, typer.Option(help="the new legal basis, e.g. 'contract 2026-118'")],
    email: Emails = None,
    name: Names = None,
    phone: Phones = None,
    requester: Requester = "cli",
    wait: Wait = 120.0,
) -> None:
    """Lift an erasure block with a new legal basis, so the subject's documents may return."""
    require_or_exit(ROLE_ADMIN, "lift an erasure")
    s = _keyed_settings()
    _submit(
        s,
        "lift_erasure",
        _subject_ids(s, email or [], name or [], phone or []),
        requester,
        legal_basis,
        wait,
    )


def _publish(s: Settings, topic: str, key: str, value: bytes) -> None:
    from confluent_kafka import Producer

    from infra.kafka_admin import ensure_topics

    ensure_topics(s.kafka)
    producer = Producer(confluent_config(s.kafka, {"enable.idempotence": True, "acks": "all"}))
    producer.produce(topic, key=key.encode(), value=value)
    if producer.flush(30) != 0:
        typer.echo(f"error: Kafka at {s.kafka.bootstrap_servers} did not acknowledge", err=True)
        raise typer.Exit(1)


class _AuditWatcher:
    """Reads ragstream.audit from its current end, so only records after now are seen."""

    def __init__(self, s: Settings) -> None:
        from confluent_kafka import OFFSET_END, Consumer, TopicPartition

        from infra.kafka_admin import ensure_topics

        ensure_topics(s.kafka)
        self._consumer = Consumer(
            confluent_config(
                s.kafka,
                {"group.id": f"ragstream-cli-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False},
            )
        )
        topic = s.kafka.audit_topic
        parts = self._consumer.list_topics(topic, timeout=10).topics[topic].partitions
        tps = []
        for p in parts:
            _, high = self._consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            tps.append(TopicPartition(topic, p, high if high >= 0 else OFFSET_END))
        self._consumer.assign(tps)

    def wait_for(self, request_id: str, timeout: float) -> object | None:
        from schemas import AuditRecord

        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                msg = self._consumer.poll(0.5)
                value = None if msg is None or msg.error() is not None else msg.value()
                if value is None:
                    continue
                record = AuditRecord.from_bytes(value)
                if record.detail.get("request_id") == request_id:
                    return record
            return None
        finally:
            self._consumer.close()


@audit_app.command("export")
def audit_export(
    document: Annotated[
        str | None,
        typer.Option(help="only this document: its key (source/doc id) or its document id"),
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="only records at or after (ISO time)")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="only records before (ISO time)")] = None,
    kind: Annotated[
        str | None, typer.Option(help="only this kind (ingest, delete, blocked, dsr_erase, ...)")
    ] = None,
    timeout: Annotated[float, typer.Option(help="give up after this many idle seconds")] = 10.0,
) -> None:
    """Write the audit trail as JSON Lines (entity counts and hashes only, never values)."""
    require_or_exit(ROLE_AUDITOR, "export the audit trail")
    from infra.kafka_reader import read_topic
    from schemas import AuditRecord

    s = _settings()
    lo = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    hi = until.replace(tzinfo=until.tzinfo or UTC) if until else None
    for _, value in read_topic(s.kafka, s.kafka.audit_topic, idle_timeout=timeout):
        if value is None:
            continue
        rec = AuditRecord.from_bytes(value)
        if document and not (
            rec.doc_key == document or (rec.doc_key or "").endswith("/" + document)
        ):
            continue
        if kind and rec.kind != kind:
            continue
        if (lo and rec.at < lo) or (hi and rec.at >= hi):
            continue
        typer.echo(rec.model_dump_json())


def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count")] = False,
) -> None:
    """Delete chunks and documents whose retention expired (expires_at in the past)."""
    require_or_exit(ROLE_ADMIN, "purge expired documents")
    from infra.opensearch import make_client
    from streams.sinks.indices import delete_matching

    s = _settings()
    client = make_client(s.opensearch)
    query = {"range": {"expires_at": {"lt": "now"}}}
    out: dict[str, int] = {}
    for alias in (s.opensearch.chunks_alias, s.opensearch.documents_alias):
        if not client.indices.exists(index=alias):
            out[alias] = 0
        elif dry_run:
            out[alias] = int(client.count(index=alias, body={"query": query})["count"])
        else:
            out[alias] = delete_matching(client, alias, query)
    if not dry_run:
        _audit_purge(s, out)
    typer.echo(json.dumps({"dry_run": dry_run, "expired": out}))


def _audit_purge(s: Settings, removed: dict[str, int]) -> None:
    """One ``purge`` audit record (counts and who ran it; never content) on the audit topic."""
    import getpass

    from confluent_kafka import Producer

    from infra.identity import worker_name
    from schemas import AuditRecord

    record = AuditRecord(
        kind="purge",
        outcome="done",
        detail={
            "chunks_removed": removed.get(s.opensearch.chunks_alias, 0),
            "documents_removed": removed.get(s.opensearch.documents_alias, 0),
            "actor": getpass.getuser(),
        },
        worker=worker_name(),
    )
    producer = Producer(confluent_config(s.kafka, {"enable.idempotence": True, "acks": "all"}))
    producer.produce(s.kafka.audit_topic, key=b"purge", value=record.to_bytes())
    if producer.flush(30) != 0:
        typer.echo("error: purged, but the audit record was not acknowledged by Kafka", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(redact)
    app.command()(purge)
    app.add_typer(dsr_app, name="dsr")
    app.add_typer(audit_app, name="audit")
    app.add_typer(policy_app, name="policy")
