"""Operations commands: ``ragstream status`` (one screen) and ``ragstream dlq list|show|replay``.

``status`` samples twice, ``--interval`` seconds apart: consumer lag per stage (committed
offsets of the worker group against the high watermarks), throughput and retries from the
workers' ``/metrics/`` (when reachable), dead letters not yet replayed by reason, index sizes
and the subject registry; then a verdict (OK, WARN, CRITICAL; exit code 0, 1, 2) with
recommendations.

``dlq`` reads the dead-letter topics; ids are positions (``dlq:0:17``, ``dlq.raw:1:4``).
``replay`` re-drives the original bytes to the topic they came from, exactly once per id, and
writes an audit record of kind ``dlq_replay``. Raw dead letters (before compliance) may hold
personal data: every command needs ``--raw`` to touch them and warns when it does.
"""

from __future__ import annotations

import base64
import getpass
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

import typer

from infra.access import ROLE_ADMIN, require_or_exit
from infra.logs import configure_logging
from infra.settings import Settings, get_settings

Level = Literal["OK", "WARN", "CRITICAL"]
_LEVELS: dict[Level, int] = {"OK": 0, "WARN": 1, "CRITICAL": 2}
RAW_WARNING = (
    "WARNING: raw dead letters are pre-compliance records and may hold personal data; "
    "handle the output accordingly (do not paste it into tickets or chats)."
)

dlq_app = typer.Typer(
    help=(
        "Dead letters: list, show and replay. Ids are positions on the dead-letter topic "
        "(dlq:PARTITION:OFFSET, dlq.raw:PARTITION:OFFSET). --raw is required for the raw "
        "(pre-compliance) topic, whose records may hold personal data."
    ),
    no_args_is_help=True,
)


def _settings() -> Settings:
    s = get_settings()
    configure_logging(s.log.level, s.log.json_logs)
    return s


def register(app: typer.Typer) -> None:
    """Add ``status`` and the ``dlq`` group to the main command line."""
    app.command("status")(status)
    app.add_typer(dlq_app, name="dlq")


# ------------------------------------------------------------------------ worker metrics


@dataclass
class WorkerMetrics:
    """What ``status`` reads from the workers' Prometheus endpoints (summed over workers)."""

    events_in: dict[str, float] = field(default_factory=dict)
    events_out: dict[str, float] = field(default_factory=dict)
    retries: dict[str, float] = field(default_factory=dict)
    dead_letters: dict[str, float] = field(default_factory=dict)
    stage_ready: dict[str, bool] = field(default_factory=dict)
    workers_up: int = 0


def parse_metrics(texts: list[str]) -> WorkerMetrics:
    """Sum the ragstream counters of several workers' ``/metrics/`` outputs."""
    from prometheus_client.parser import text_string_to_metric_families

    out = WorkerMetrics()
    sums = {
        "ragstream_events_in_total": out.events_in,
        "ragstream_events_out_total": out.events_out,
        "ragstream_retries_total": out.retries,
        "ragstream_dead_letters_total": out.dead_letters,
    }
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                stage = sample.labels.get("stage", "")
                if sample.name in sums:
                    target = sums[sample.name]
                    target[stage] = target.get(stage, 0.0) + sample.value
                elif sample.name == "ragstream_stage_ready":
                    # ready only when every worker says so
                    out.stage_ready[stage] = out.stage_ready.get(stage, True) and (
                        sample.value >= 1
                    )
                elif sample.name == "ragstream_worker_up" and sample.value >= 1:
                    out.workers_up += 1
    return out


def rates(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Per-second increase of each counter between two samples (restarts count from zero)."""
    if seconds <= 0:
        return {}
    out = {}
    for stage, value in after.items():
        delta = value - before.get(stage, 0.0)
        out[stage] = (delta if delta >= 0 else value) / seconds
    return out


def fetch_metrics(urls: list[str], timeout: float = 5.0) -> tuple[list[str], list[str]]:
    """The texts of the reachable endpoints, and one error line per unreachable one."""
    import httpx

    texts, errors = [], []
    for url in urls:
        try:
            resp = httpx.get(url, timeout=timeout)
            resp.raise_for_status()
            texts.append(resp.text)
        except httpx.HTTPError as exc:
            errors.append(f"{url}: {type(exc).__name__}: {exc}"[:300])
    return texts, errors


# ------------------------------------------------------------------------------ status


@dataclass
class StageLag:
    stage: str
    topic: str
    partitions: int
    lag_before: int
    lag_after: int

    @property
    def growth(self) -> int:
        return self.lag_after - self.lag_before


@dataclass
class DeadLetterCount:
    topic: str
    stage: str
    error_class: str
    count: int
    sample_reason: str | None = None


@dataclass
class StatusReport:
    group: str
    interval_s: float
    kafka_error: str | None = None
    members: int | None = None
    group_state: str | None = None
    lag: list[StageLag] = field(default_factory=list)
    metrics_errors: list[str] = field(default_factory=list)
    metrics_urls: list[str] = field(default_factory=list)
    throughput: dict[str, float] | None = None
    retry_rate: dict[str, float] | None = None
    stage_ready: dict[str, bool] = field(default_factory=dict)
    workers_up: int | None = None
    dead_letters: list[DeadLetterCount] = field(default_factory=list)
    dead_letters_replayed: int = 0
    dlq_error: str | None = None
    indices: dict[str, int | None] = field(default_factory=dict)
    opensearch_error: str | None = None
    level: Level = "OK"
    findings: list[tuple[Level, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Thresholds:
    lag_warn: int = 1000
    """A stage this far behind is worth a line even when it is catching up."""


def assess(report: StatusReport, thresholds: Thresholds = Thresholds()) -> StatusReport:
    """Fill in the verdict and recommendations from the collected facts (no I/O)."""
    found: list[tuple[Level, str]] = []
    if report.kafka_error:
        found.append(("CRITICAL", f"Kafka unreachable: {report.kafka_error}"))
    if report.opensearch_error:
        found.append(("CRITICAL", f"OpenSearch unreachable: {report.opensearch_error}"))
    total_lag = sum(s.lag_after for s in report.lag)
    members = report.members
    if report.kafka_error is None and members == 0 and total_lag > 0:
        found.append(
            (
                "CRITICAL",
                f"no worker is consuming (group {report.group} has no members) and "
                f"{total_lag} records wait: start `ragstream worker`",
            )
        )
    for s in report.lag:
        if s.growth > 0 and s.lag_after > 0 and (members or 0) > 0:
            if members is not None and members < s.partitions:
                advice = (
                    f"add workers up to {s.partitions} (the partitions of {s.topic}); "
                    f"{members} running"
                )
            else:
                advice = (
                    f"every one of the {s.partitions} partitions of {s.topic} has a worker: add "
                    "partitions (kafka-topics --alter --partitions N), then workers, or give "
                    "the stage more resources"
                )
            found.append(
                (
                    "WARN",
                    f"lag growing on {s.stage} ({s.lag_before} -> {s.lag_after} in "
                    f"{report.interval_s:g}s): {advice}",
                )
            )
        elif s.lag_after >= thresholds.lag_warn:
            found.append(("OK", f"{s.stage} is {s.lag_after} records behind and catching up"))
    for stage, ready in sorted(report.stage_ready.items()):
        if not ready:
            found.append(
                (
                    "WARN",
                    f"stage {stage} not ready (starting, or retrying a dependency): see the "
                    "worker's /health/ and log",
                )
            )
    for stage, rate in sorted((report.retry_rate or {}).items()):
        if rate > 0:
            found.append(
                (
                    "WARN",
                    f"{stage} retries transient failures ({rate:.2f}/s): check Kafka and "
                    "OpenSearch health",
                )
            )
    if report.metrics_errors and not report.throughput:
        found.append(
            (
                "WARN" if total_lag else "OK",
                "no worker metrics reachable (" + "; ".join(report.metrics_errors)[:200] + "): "
                "throughput unknown; pass --metrics-url http://HOST:PORT/metrics/ per worker",
            )
        )
    pending = sum(d.count for d in report.dead_letters)
    if pending:
        raw = sum(d.count for d in report.dead_letters if d.topic.endswith("dlq.raw"))
        found.append(
            (
                "WARN",
                f"{pending} dead letters not replayed ({raw} raw): inspect with `ragstream dlq "
                "list` (--raw for raw), fix the cause, then `ragstream dlq replay`",
            )
        )
    if report.dlq_error:
        found.append(("WARN", f"dead letters unreadable: {report.dlq_error}"))
    report.findings = found
    report.level = max((lvl for lvl, _ in found), key=_LEVELS.__getitem__, default="OK")
    if not found:
        report.findings = [("OK", "all stages keep up; no dead letters waiting")]
    return report


def collect_status(
    s: Settings,
    *,
    metrics_urls: list[str],
    interval: float,
    group: str,
    dlq_timeout: float = 10.0,
) -> StatusReport:
    """Gather the facts of one status screen (two samples ``interval`` seconds apart)."""
    from confluent_kafka import KafkaException

    from infra.kafka_lag import consumer_lag

    report = StatusReport(group=group, interval_s=interval, metrics_urls=metrics_urls)

    def lag_sample() -> Any:
        try:
            return consumer_lag(s.kafka, group, with_members=True)
        except (KafkaException, TimeoutError, ValueError) as exc:
            report.kafka_error = f"{s.kafka.bootstrap_servers}: {exc}"[:300]
            return None

    first = lag_sample()
    texts1, _ = fetch_metrics(metrics_urls) if metrics_urls else ([], [])
    started = time.monotonic()
    if interval > 0 and first is not None:
        time.sleep(interval)
    second = lag_sample() if first is not None else None
    texts2, errors = fetch_metrics(metrics_urls) if metrics_urls else ([], [])
    elapsed = time.monotonic() - started
    report.metrics_errors = errors
    if first is not None and second is not None:
        before = {(p.topic, p.partition): p.lag for p in first.partitions}
        stages: dict[str, StageLag] = {}
        for p in second.partitions:
            row = stages.setdefault(p.stage, StageLag(p.stage, p.topic, 0, 0, 0))
            row.partitions += 1
            row.lag_before += before.get((p.topic, p.partition), p.lag)
            row.lag_after += p.lag
        report.lag = list(stages.values())
        report.members, report.group_state = second.members, second.state
    if texts2:
        m1, m2 = parse_metrics(texts1), parse_metrics(texts2)
        report.throughput = rates(m1.events_out, m2.events_out, elapsed)
        report.retry_rate = rates(m1.retries, m2.retries, elapsed)
        report.stage_ready = m2.stage_ready
        report.workers_up = m2.workers_up
    if report.kafka_error is None:
        _count_dead_letters(s, report, dlq_timeout)
    _index_sizes(s, report)
    return report


def _count_dead_letters(s: Settings, report: StatusReport, timeout: float) -> None:
    from infra.deadletters import read_stored, replayed

    try:
        done = replayed(s.kafka, timeout=timeout)
        for topic in (s.kafka.dlq_topic, s.kafka.dlq_raw_topic):
            counts: Counter[tuple[str, str]] = Counter()
            samples: dict[tuple[str, str], str] = {}
            for stored in read_stored(s.kafka, topic, timeout=timeout):
                if stored.id in done:
                    report.dead_letters_replayed += 1
                    continue
                key = (stored.letter.stage.value, stored.letter.error_class)
                counts[key] += 1
                if topic == s.kafka.dlq_topic:  # never a raw message on the status screen
                    samples.setdefault(key, stored.letter.message[:80])
            report.dead_letters += [
                DeadLetterCount(topic, stage, error, n, samples.get((stage, error)))
                for (stage, error), n in counts.most_common()
            ]
    except Exception as exc:  # shown on the screen; status must still print
        report.dlq_error = f"{type(exc).__name__}: {exc}"[:300]


def _index_sizes(s: Settings, report: StatusReport) -> None:
    from infra.opensearch import make_client

    o = s.opensearch
    try:
        client = make_client(o)
        for name in (o.documents_alias, o.chunks_alias, o.subjects_index):
            if client.indices.exists(index=name):
                report.indices[name] = int(client.count(index=name)["count"])
            else:
                report.indices[name] = None
    except Exception as exc:  # shown on the screen; status must still print
        report.opensearch_error = f"{o.url}: {type(exc).__name__}: {exc}"[:300]


def render(report: StatusReport) -> str:
    """The status screen as text."""
    lines = [f"ragstream status: {report.level}    (group {report.group})", ""]
    lines.append("Consumer lag (records behind, change over the sampling interval)")
    if report.kafka_error:
        lines.append(f"  unavailable: {report.kafka_error}")
    elif not report.lag:
        lines.append("  no stage topics yet (run `ragstream topics` or start a worker)")
    else:
        who = f"{report.members} consumer(s), {report.group_state}"
        lines.append(f"  {'stage':<12} {'partitions':>10} {'lag':>10} {'change':>8}   {who}")
        for s in report.lag:
            lines.append(f"  {s.stage:<12} {s.partitions:>10} {s.lag_after:>10} {s.growth:>+8}")
    lines.append("")
    lines.append("Throughput (events/s out of each stage, from worker metrics)")
    if report.throughput is None:
        why = "; ".join(report.metrics_errors) or "no --metrics-url given"
        lines.append(f"  unknown: {why}"[:200])
    else:
        ready = report.stage_ready
        for stage in sorted(set(report.throughput) | set(ready)):
            state = "" if stage not in ready else ("ready" if ready[stage] else "NOT READY")
            retry = (report.retry_rate or {}).get(stage, 0.0)
            extra = f"  retries {retry:.2f}/s" if retry else ""
            lines.append(
                f"  {stage:<12} {report.throughput.get(stage, 0.0):>10.2f}/s  {state}{extra}"
            )
        lines.append(f"  workers reporting: {report.workers_up}")
    lines.append("")
    lines.append("Dead letters not replayed (by stage and reason)")
    if report.dlq_error:
        lines.append(f"  unavailable: {report.dlq_error}")
    elif not report.dead_letters:
        lines.append(f"  none ({report.dead_letters_replayed} replayed)")
    else:
        for d in report.dead_letters:
            kind = "raw" if d.topic.endswith("dlq.raw") else "dlq"
            sample = f"  e.g. {d.sample_reason}" if d.sample_reason else ""
            lines.append(f"  {kind:<4} {d.stage:<12} {d.error_class:<24} {d.count:>6}{sample}")
        lines.append(f"  ({report.dead_letters_replayed} already replayed)")
    lines.append("")
    lines.append("Indices (documents)")
    if report.opensearch_error:
        lines.append(f"  unavailable: {report.opensearch_error}")
    for name, count in report.indices.items():
        lines.append(f"  {name:<40} {'missing' if count is None else count:>10}")
    lines.append("")
    lines.append(f"Verdict: {report.level}")
    for level, text in report.findings:
        lines.append(f"  [{level}] {text}")
    return "\n".join(lines)


def status(
    metrics_url: Annotated[
        list[str] | None,
        typer.Option(
            "--metrics-url",
            help="a worker's Prometheus endpoint (repeat per worker; default "
            "http://127.0.0.1:<worker.web_port>/metrics/)",
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option(min=0, help="seconds between the two samples (trend, rates)")
    ] = 5.0,
    group: Annotated[
        str | None, typer.Option(help="consumer group of the workers (default worker.app_id)")
    ] = None,
    lag_warn: Annotated[
        int, typer.Option(min=1, help="mention a stage this many records behind")
    ] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """One screen: lag per stage, throughput, dead letters by reason, index sizes, verdict.

    Exit code 0 (OK), 1 (WARN) or 2 (CRITICAL), for scripts and cron checks.
    """
    s = _settings()
    urls = metrics_url
    if urls is None:
        port = s.worker.metrics_port or s.worker.web_port
        urls = [f"http://127.0.0.1:{port}/metrics/"] if port else []
    report = collect_status(s, metrics_urls=urls, interval=interval, group=group or s.worker.app_id)
    assess(report, Thresholds(lag_warn=lag_warn))
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2, default=str))
    else:
        typer.echo(render(report))
    raise typer.Exit(_LEVELS[report.level])


# --------------------------------------------------------------------------------- dlq


def _iso(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO time: {value!r}", param_hint="--since") from exc


def _topic(s: Settings, raw: bool) -> str:
    if raw:
        typer.echo(RAW_WARNING, err=True)
        return s.kafka.dlq_raw_topic
    return s.kafka.dlq_topic


SinceOpt = Annotated[
    str | None, typer.Option("--since", help="only dead letters at or after (ISO time)")
]
ReasonOpt = Annotated[
    str | None,
    typer.Option("--reason", help="only those whose error class or message contains TEXT"),
]
StageOpt = Annotated[
    str | None, typer.Option("--stage", help="only this stage (decode, compliance, sink, ...)")
]
RawOpt = Annotated[
    bool,
    typer.Option("--raw", help="the raw (pre-compliance) topic; may hold personal data"),
]
TimeoutOpt = Annotated[float, typer.Option(help="give up after this many idle seconds")]


@dlq_app.command("list")
def dlq_list(
    since: SinceOpt = None,
    reason: ReasonOpt = None,
    stage: StageOpt = None,
    raw: RawOpt = False,
    limit: Annotated[int, typer.Option(min=1, help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, without content")] = False,
    timeout: TimeoutOpt = 10.0,
) -> None:
    """Dead letters with id, time, stage, reason and origin; never their content."""
    from itertools import islice

    from infra.deadletters import LetterFilter, read_stored, replayed, select

    s = _settings()
    where = LetterFilter(since=_iso(since), reason=reason, stage=stage)
    done = replayed(s.kafka, timeout=timeout)
    topic = _topic(s, raw)
    rows = list(islice(select(read_stored(s.kafka, topic, timeout=timeout), where), limit))
    for st in rows:
        letter = st.letter
        marker = done.get(st.id)
        if as_json:
            body = letter.model_dump(mode="json", exclude={"original_b64"})
            body["id"] = st.id
            body["replayed"] = asdict(marker) if marker else None
            typer.echo(json.dumps(body))
            continue
        origin = f"{letter.topic}:{letter.partition}:{letter.offset}" if letter.topic else "-"
        state = "replayed" if marker else "pending"
        typer.echo(
            f"{st.id:<16} {letter.at:%Y-%m-%dT%H:%M:%S} {letter.stage.value:<11} "
            f"{letter.error_class:<22} {state:<8} {letter.original_size:>8}B  {origin}  "
            f"{letter.message[:100]}"
        )
    if not as_json:
        typer.echo(f"{len(rows)} dead letter(s) on {topic}", err=True)


@dlq_app.command("show")
def dlq_show(
    letter_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. dlq:0:17")],
    raw: RawOpt = False,
    timeout: TimeoutOpt = 10.0,
) -> None:
    """One dead letter with its original content (text, pretty JSON, or base64)."""
    from infra.deadletters import parse_id, read_stored, replayed

    s = _settings()
    try:
        topic, _, _ = parse_id(s.kafka, letter_id)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if topic == s.kafka.dlq_raw_topic and not raw:
        typer.echo(f"error: {letter_id} is a raw dead letter: add --raw", err=True)
        raise typer.Exit(2)
    if raw:
        require_or_exit(ROLE_ADMIN, "read raw dead letters")
    _topic(s, raw and topic == s.kafka.dlq_raw_topic)
    found = next(
        (x for x in read_stored(s.kafka, topic, timeout=timeout) if x.id == letter_id), None
    )
    if found is None:
        typer.echo(f"error: no dead letter {letter_id} on {topic}", err=True)
        raise typer.Exit(1)
    body: dict[str, Any] = found.letter.model_dump(mode="json", exclude={"original_b64"})
    body["id"] = found.id
    marker = replayed(s.kafka, timeout=timeout).get(found.id)
    body["replayed"] = asdict(marker) if marker else None
    body["original"] = describe_original(found.letter.original())
    body["replay_problem"] = found.problem(s.kafka)
    typer.echo(json.dumps(body, indent=2, ensure_ascii=False))


def describe_original(data: bytes) -> dict[str, Any]:
    """The original bytes for a human: JSON, text, or base64."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"encoding": "base64", "value": base64.b64encode(data).decode("ascii")}
    try:
        return {"encoding": "json", "value": json.loads(text)}
    except ValueError:
        return {"encoding": "text", "value": text}


@dlq_app.command("replay")
def dlq_replay(
    ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="dead letters to replay")
    ] = None,
    since: SinceOpt = None,
    reason: ReasonOpt = None,
    stage: StageOpt = None,
    replay_all: Annotated[
        bool, typer.Option("--all", help="every pending dead letter of the topic")
    ] = False,
    raw: RawOpt = False,
    actor: Annotated[
        str | None, typer.Option(help="who replays, for the audit record (default: OS user)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only say what would happen")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per dead letter")] = False,
    timeout: TimeoutOpt = 30.0,
) -> None:
    """Send dead letters' original records back to the topic they came from, once per id.

    The stage they failed in processes them again (fix the cause first: a limit, a policy,
    the index mapping). Each replay is audited (kind dlq_replay, who, which id, where to);
    a dead letter already replayed is reported as `already` and not sent again.
    """
    from confluent_kafka import KafkaException

    from infra.deadletters import LetterFilter, Replayer, ReplayError, parse_id, read_stored, select

    ident = require_or_exit(ROLE_ADMIN, "replay dead letters")
    if ident.enforced:
        actor = ident.user  # the verified identity, not what the caller typed
    s = _settings()
    wanted = set(ids or [])
    topics = set()
    try:
        topics = {parse_id(s.kafka, i)[0] for i in wanted}
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    where = LetterFilter(since=_iso(since), reason=reason, stage=stage, ids=frozenset(wanted))
    if where.empty and not replay_all:
        typer.echo(
            "error: name dead letters (ID...), filter them (--since, --reason, --stage) or "
            "pass --all",
            err=True,
        )
        raise typer.Exit(2)
    topic = _topic(s, raw)
    if topics - {topic}:
        hint = "add --raw" if s.kafka.dlq_raw_topic in topics else "drop --raw"
        typer.echo(f"error: the ids name {', '.join(sorted(topics))}: {hint}", err=True)
        raise typer.Exit(2)
    chosen = list(select(read_stored(s.kafka, topic, timeout=timeout), where))
    missing = wanted - {c.id for c in chosen}
    if missing:
        typer.echo(f"error: no dead letter {', '.join(sorted(missing))} on {topic}", err=True)
        raise typer.Exit(1)
    replayer = Replayer(s.kafka, actor=actor or getpass.getuser(), allow_raw=raw, timeout=timeout)
    try:
        outcomes = replayer.run(chosen, dry_run=dry_run)
    except (ReplayError, KafkaException) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    counts: Counter[str] = Counter(o.status for o in outcomes)
    for o in outcomes:
        if as_json:
            typer.echo(json.dumps(asdict(o)))
        else:
            typer.echo(f"{o.id:<16} {o.status:<12} {o.target or '-'}  {o.detail}".rstrip())
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing"
    typer.echo(f"{summary} ({len(chosen)} selected on {topic})", err=True)


def main() -> None:
    """Run these commands on their own: ``python -m ragstream.cli_ops status``."""
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    register(app)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
