"""``ragstream quarantine list|release|drop``: review documents the policy quarantined.

A document with an entity whose policy action is ``quarantine`` is never indexed: compliance
hands on a versioned delete, an audit record (outcome ``quarantined``) and the raw event, as
received, on the restricted topic ``<prefix>quarantine`` (kept as long as the raw changes).

* ``list`` shows key, version, state, reason, audit id and time; never content.
* ``release KEY`` records a release of that document version in the subject registry
  (``<key>@<version>``), then, in one Kafka transaction, publishes the raw event to
  ``changes`` again, a ``released`` marker on the quarantine topic and an audit record of
  kind ``quarantine_release``. Compliance then applies the policy's redact action instead of
  quarantine to exactly that version (a later version is judged afresh).
* ``drop KEY`` marks the record dropped (marker and ``quarantine_drop`` audit record, in one
  transaction); the record itself stays until retention removes it.

``list`` needs the role ragstream_auditor, ``release`` and ``drop`` ragstream_admin (when
access control is configured, see infra/access.py).

KEY is the document key as listed (after compliance: pseudonymous where the policy says so)
or the audit id of the quarantine. All reviews share one transactional id per topic prefix,
so two reviewers cannot decide the same record twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import typer
from pydantic import ValidationError

from infra.access import ROLE_ADMIN, ROLE_AUDITOR, require_or_exit
from infra.identity import worker_name
from infra.logs import configure_logging, get_logger
from infra.settings import Settings, get_settings
from schemas import AuditRecord, QuarantineDecision, QuarantineRecord, parse_quarantine_entry

log = get_logger(__name__)
State = Literal["pending", "released", "dropped"]
_RECORD_OVERHEAD_BYTES = 64 * 1024

quarantine_app = typer.Typer(
    help=(
        "Documents the compliance policy quarantined: list them (never their content), "
        "release a version to be indexed with the quarantined entities redacted, or drop it. "
        "Every decision is audited."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def register(app: typer.Typer) -> None:
    """Add the ``quarantine`` group to the main command line."""
    app.add_typer(quarantine_app, name="quarantine")


def _settings() -> Settings:
    s = get_settings()
    configure_logging(s.log.level, s.log.json_logs)
    return s


@dataclass
class Held:
    """A quarantined record and the reviewer's decision on it, if any."""

    record: QuarantineRecord
    partition: int
    offset: int
    decision: QuarantineDecision | None = None

    @property
    def state(self) -> State:
        return "pending" if self.decision is None else self.decision.type

    def summary(self) -> dict[str, Any]:
        """What ``list`` shows: never the content, title, URI or metadata of the event."""
        r = self.record
        out: dict[str, Any] = {
            "key": r.doc_key,
            "version": r.version,
            "state": self.state,
            "reason": r.reason,
            "audit_id": r.audit_id,
            "at": r.at.isoformat(),
            "policy": f"{r.policy_id}@{r.policy_version}",
        }
        if self.decision is not None:
            out["reviewer"] = self.decision.reviewer
            out["decided_at"] = self.decision.at.isoformat()
        return out


def fold(
    entries: Iterable[tuple[int, int, QuarantineRecord | QuarantineDecision]],
) -> list[Held]:
    """Records with the first decision on each, in topic order (partition, offset)."""
    held: dict[str, Held] = {}
    decisions: list[QuarantineDecision] = []
    for partition, offset, entry in sorted(entries, key=lambda e: (e[0], e[1])):
        if isinstance(entry, QuarantineRecord):
            held.setdefault(entry.audit_id, Held(entry, partition, offset))
        else:
            decisions.append(entry)
    for decision in decisions:
        target = held.get(decision.quarantine_audit_id)
        if target is not None and target.decision is None:
            target.decision = decision
    return list(held.values())


class ChoiceError(LookupError):
    """No single pending record matches what the reviewer named."""


def choose(held: Iterable[Held], key: str, version: int | None = None) -> Held:
    """The pending record named by ``key`` (document key or audit id) and ``version``
    (default: the newest pending version of the key)."""
    named = [
        h
        for h in held
        if (h.record.doc_key == key or h.record.audit_id == key)
        and (version is None or h.record.version == version)
    ]
    pending = [h for h in named if h.state == "pending"]
    if not pending:
        if named:
            states = ", ".join(sorted({f"v{h.record.version} {h.state}" for h in named}))
            raise ChoiceError(f"nothing pending for {key} ({states})")
        raise ChoiceError(f"no quarantined record {key}" + (f" v{version}" if version else ""))
    return max(pending, key=lambda h: (h.record.version, h.offset))


def decision_audit(
    held: Held, kind: Literal["quarantine_release", "quarantine_drop"], reviewer: str, reason: str
) -> AuditRecord:
    """The audit evidence of a reviewer's decision: who, why, which record; never content."""
    r = held.record
    detail: dict[str, int | str] = {
        "reviewer": reviewer,
        "quarantine_audit_id": r.audit_id,
        "quarantine_reason": r.reason,
    }
    if reason:
        detail["review_reason"] = reason[:500]
    if kind == "quarantine_release":
        detail["override"] = "redact"
    return AuditRecord(
        kind=kind,
        event_id=r.event.event_id,
        doc_key=r.doc_key,
        version=r.version,
        policy_id=r.policy_id,
        policy_version=r.policy_version,
        frameworks=r.frameworks,
        outcome="released" if kind == "quarantine_release" else "dropped",
        detail=detail,
        worker=worker_name(),
    )


def read_held(s: Settings, timeout: float) -> list[Held]:
    """Every record now on the quarantine topic, with its decision."""
    from infra.kafka_reader import read_records

    entries: list[tuple[int, int, QuarantineRecord | QuarantineDecision]] = []
    topic = s.kafka.quarantine_topic
    for rec in read_records(s.kafka, topic, idle_timeout=timeout):
        if rec.value is None:
            continue
        try:
            entries.append((rec.partition, rec.offset, parse_quarantine_entry(rec.value)))
        except ValidationError:
            log.warning("quarantine_unreadable_record", topic=topic, partition=rec.partition)
    return fold(entries)


class _Reviewer:
    """Carries out one decision in a Kafka transaction (see the module docstring)."""

    def __init__(self, s: Settings, timeout: float) -> None:
        from confluent_kafka import Producer

        from infra.kafka_admin import ensure_topics
        from infra.kafka_config import confluent_config

        k = s.kafka
        ensure_topics(k)
        self._s, self._timeout = s, timeout
        self._producer = Producer(
            confluent_config(
                k,
                {
                    "transactional.id": f"ragstream-quarantine-review-{k.topic_prefix}",
                    "enable.idempotence": True,
                    "acks": "all",
                    "message.max.bytes": k.max_event_bytes + _RECORD_OVERHEAD_BYTES,
                    "transaction.timeout.ms": int(max(timeout, 60) * 1000),
                },
            )
        )
        # Settles (or fences) an earlier review of this prefix before the topic is read.
        self._producer.init_transactions(timeout)

    def held(self) -> list[Held]:
        return read_held(self._s, self._timeout)

    def commit(
        self, held: Held, decision: QuarantineDecision, audit: AuditRecord, republish: bool
    ) -> None:
        k = self._s.kafka
        key = held.record.doc_key.encode()
        p = self._producer
        p.begin_transaction()
        try:
            if republish:
                event = held.record.event
                p.produce(
                    k.changes_topic,
                    key=event.key.encode(),
                    value=event.to_bytes(),
                    headers=[("ragstream-quarantine-release", audit.audit_id.encode())],
                )
            p.produce(k.quarantine_topic, key=key, value=decision.to_bytes())
            p.produce(k.audit_topic, key=key, value=audit.to_bytes())
            p.commit_transaction(self._timeout)
        except Exception:
            try:
                p.abort_transaction(self._timeout)
            except Exception:  # the original error is the one to report
                log.warning("quarantine_abort_failed")
            raise


Timeout = Annotated[float, typer.Option(help="give up after this many idle seconds")]
Key = Annotated[
    str, typer.Argument(metavar="KEY", help="document key as listed, or the quarantine audit id")
]
Version = Annotated[
    int | None, typer.Option("--version", help="which version (default: the newest pending)")
]
Reviewer = Annotated[str, typer.Option("--reviewer", help="who decides (audited)")]


@quarantine_app.command("list")
def quarantine_list(
    state: Annotated[str, typer.Option(help="pending, released, dropped or all")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines")] = False,
    timeout: Timeout = 10.0,
) -> None:
    """Quarantined documents: key, version, state, reason, audit id, when; never content."""
    if state not in ("pending", "released", "dropped", "all"):
        raise typer.BadParameter("pending, released, dropped or all", param_hint="--state")
    require_or_exit(ROLE_AUDITOR, "list quarantined documents")
    s = _settings()
    rows = [h for h in read_held(s, timeout) if state in ("all", h.state)]
    for h in rows:
        row = h.summary()
        if as_json:
            typer.echo(json.dumps(row))
        else:
            typer.echo(
                f"{row['key']}  v{row['version']}  {row['state']:<8}  {row['at'][:19]}  "
                f"audit {row['audit_id']}  {row['reason']}"
            )
    if not as_json:
        typer.echo(f"{len(rows)} quarantined record(s) on {s.kafka.quarantine_topic}", err=True)


def _decide(
    key: str,
    version: int | None,
    kind: Literal["quarantine_release", "quarantine_drop"],
    reviewer: str,
    reason: str,
    timeout: float,
) -> None:
    from confluent_kafka import KafkaException

    from infra.kafka_admin import TopicSetupError

    require_or_exit(ROLE_ADMIN, "release or drop a quarantined document")
    s = _settings()
    if not reviewer.strip():
        raise typer.BadParameter("name the reviewer", param_hint="--reviewer")
    try:
        reviewing = _Reviewer(s, timeout)
        held = choose(reviewing.held(), key, version)
    except ChoiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    except (KafkaException, TopicSetupError, TimeoutError) as exc:
        typer.echo(f"error: Kafka at {s.kafka.bootstrap_servers}: {exc}", err=True)
        raise typer.Exit(1) from exc
    audit = decision_audit(held, kind, reviewer, reason)
    release = kind == "quarantine_release"
    decision = QuarantineDecision(
        type="released" if release else "dropped",
        quarantine_audit_id=held.record.audit_id,
        doc_key=held.record.doc_key,
        version=held.record.version,
        reviewer=reviewer,
        reason=reason or None,
        audit_id=audit.audit_id,
    )
    if release:
        from infra.opensearch import make_client
        from streams.registry import SubjectRegistry

        # Before the event is published again: compliance must see the release when it comes.
        SubjectRegistry(s.opensearch, make_client(s.opensearch)).record_release(
            held.record.doc_key, held.record.version, audit.audit_id
        )
    try:
        reviewing.commit(held, decision, audit, republish=release)
    except KafkaException as exc:
        typer.echo(f"error: nothing was published ({exc})", err=True)
        raise typer.Exit(1) from exc
    log.info("quarantine_decided", kind=kind, audit_id=audit.audit_id, reviewer=reviewer)
    typer.echo(
        json.dumps(
            {
                "key": held.record.doc_key,
                "version": held.record.version,
                "state": decision.type,
                "audit_id": audit.audit_id,
                "quarantine_audit_id": held.record.audit_id,
            }
        )
    )


@quarantine_app.command("release")
def quarantine_release(
    key: Key,
    reviewer: Reviewer,
    reason: Annotated[str, typer.Option("--reason", help="why it may be indexed (audited)")],
    version: Version = None,
    timeout: Timeout = 30.0,
) -> None:
    """Index one quarantined version with the quarantined entities redacted.

    The release is recorded in the subject registry, the raw event is published to the
    changes topic again, and compliance applies the policy's redact action instead of
    quarantine to exactly that version. Audited as quarantine_release.
    """
    if not reason.strip():
        raise typer.BadParameter("say why the document may be indexed", param_hint="--reason")
    _decide(key, version, "quarantine_release", reviewer, reason, timeout)


@quarantine_app.command("drop")
def quarantine_drop(
    key: Key,
    reviewer: Reviewer,
    reason: Annotated[str, typer.Option("--reason", help="why (audited)")] = "",
    version: Version = None,
    timeout: Timeout = 30.0,
) -> None:
    """Mark one quarantined version dropped: it is never indexed and leaves the topic with
    its retention. Audited as quarantine_drop."""
    _decide(key, version, "quarantine_drop", reviewer, reason, timeout)


def main() -> None:
    """Run these commands on their own: ``python -m ragstream.cli_quarantine list``."""
    quarantine_app()


if __name__ == "__main__":  # pragma: no cover
    main()
