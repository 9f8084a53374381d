"""Benchmark: what survives ``ragstream redact --policy gdpr`` against plain Presidio.

    python -m bench.compliance.run --n 2400 --out bench/results

The corpus (``corpus.py``) is split by a fixed seed into a tune half and a report half;
rules are tuned on ``--split tune`` only, and the committed results are ``--split report``.
Both systems run in this process on the same texts, with the same spaCy model:

* ragstream: ``ComplianceEngine.redact_text`` with the policy (GDPR by default), batched;
  a change is a finding whose action is not ``keep``;
* plain Presidio: ``AnalyzerEngine`` with its default configuration and recognisers (only
  the spaCy model swapped for ours, and its e-mail recogniser for the offline one, which
  behaves the same without downloading the suffix list), per text, everything it finds
  replaced by ``AnonymizerEngine``. A second row keeps only findings scored >= 0.4.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_anonymizer import AnonymizerEngine

from bench.compliance.corpus import DIRECT, LOCALES, SHAPES, Sample, generate, split
from bench.compliance.scoring import Change, Report, score
from infra.settings import ComplianceSettings
from streams.compliance import ComplianceEngine, PresidioDetector, load_policy
from streams.compliance.detector import LANGUAGE
from streams.compliance.policy import Action
from streams.compliance.recognizers import OfflineEmailRecognizer

PRESIDIO_CONF = Path(__import__("presidio_analyzer").__file__).parent / "conf" / "default.yaml"
TARGET_SURVIVAL = 0.03
TARGET_PRECISION = 0.85
MIN_SCORE = 0.4


def plain_presidio(spacy_model: str) -> AnalyzerEngine:
    """Presidio's defaults with our spaCy model (and the offline e-mail validator)."""
    conf = yaml.safe_load(PRESIDIO_CONF.read_text(encoding="utf-8"))
    conf = copy.deepcopy(conf)
    conf["models"] = [{"lang_code": LANGUAGE, "model_name": spacy_model}]
    nlp = NlpEngineProvider(nlp_configuration=conf).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=[LANGUAGE])
    analyzer.registry.remove_recognizer("EmailRecognizer")
    analyzer.registry.add_recognizer(OfflineEmailRecognizer())
    return analyzer


def run_ragstream(
    engine: ComplianceEngine, texts: Sequence[str], batch: int
) -> tuple[list[list[Change]], float]:
    out: list[list[Change]] = []
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        for text, result in zip(
            texts[i : i + batch], engine.redact_text(texts[i : i + batch]), strict=True
        ):
            if result.text is None:  # a blocked document leaks nothing
                out.append([Change("BLOCKED", 0, len(text))])
                continue
            out.append(
                [
                    Change(f.entity_type, f.start, f.end)
                    for f in result.findings
                    if f.action is not Action.KEEP
                ]
            )
    return out, time.perf_counter() - start


def run_presidio(
    analyzer: AnalyzerEngine, texts: Sequence[str]
) -> tuple[list[list[Change]], list[list[Change]], float]:
    anonymizer = AnonymizerEngine()
    everything: list[list[Change]] = []
    confident: list[list[Change]] = []
    start = time.perf_counter()
    for text in texts:
        results = analyzer.analyze(text=text, language=LANGUAGE)
        anonymizer.anonymize(text=text, analyzer_results=results)  # type: ignore[arg-type]
        everything.append([Change(r.entity_type, r.start, r.end) for r in results])
        confident.append(
            [Change(r.entity_type, r.start, r.end) for r in results if r.score >= MIN_SCORE]
        )
    return everything, confident, time.perf_counter() - start


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "load_avg_1m_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "memory_gib": mem_gib,
        "packages": {
            p: version(p)
            for p in ("presidio-analyzer", "presidio-anonymizer", "spacy", "phonenumbers", "faker")
        },
    }


def _report_json(rep: Report, seconds: float, n: int) -> dict[str, Any]:
    return {
        "texts_per_s": n / seconds,
        "seconds": seconds,
        "direct_survival": rep.direct_survival,
        "precision": rep.precision,
        "changed": rep.changed,
        "labels": [
            {**asdict(x), "survival": x.survival, "precision": x.precision} for x in rep.labels
        ],
        "other_changes": [
            {"entity_type": t, "changed": c, "correct": k} for t, c, k in rep.other_changes
        ],
        "by_shape": {k: {"gold": g, "survived": s} for k, (g, s) in rep.by_shape.items()},
        "by_locale": {k: {"gold": g, "survived": s} for k, (g, s) in rep.by_locale.items()},
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _markdown(result: dict[str, Any], ours: Report, base: Report, base04: Report) -> str:
    r, p = result["ragstream"], result["presidio"]
    direct_ok = ours.direct_survival <= TARGET_SURVIVAL
    per_type_ok = all(x.survival <= TARGET_SURVIVAL for x in ours.labels if x.label in DIRECT)
    precision_ok = ours.precision >= TARGET_PRECISION
    speed_ok = r["texts_per_s"] >= p["texts_per_s"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**MISSED**"

    lines = [
        f"# Compliance benchmark: what survives `--policy {result['policy']}` "
        f"({result['at'][:19]} UTC)",
        "",
        f"Commit `{result['commit']}`{' (dirty tree)' if result['dirty'] else ''}. "
        f"{result['n_total']} generated texts ({len(SHAPES)} shapes, {len(LOCALES)} Faker "
        f"locales, seed {result['seed']}), split by seed into a tune half and a report half; "
        f"**this table is the {result['split']} half: {result['n']} texts**. "
        f"Machine: {result['machine']['cpu']}, {result['machine']['cpu_count']} cores "
        f"(shared; load {result['machine']['load_avg_1m_at_start']:.1f} at start). "
        f"spaCy `{result['spacy_model']}` for both.",
        "",
        "A value survives when any of its words (2+ letters for names, 3+ characters "
        "otherwise) is left unchanged. A change is correct when it overlaps a labelled value "
        "(direct identifier, or the city/postcode/country/date of birth of a person); changes "
        "to companies, products, amounts, dates, genes, software are false positives. Plain "
        "Presidio replaces everything its default recognisers find.",
        "",
        "## Targets (report half)",
        "",
        f"- direct identifiers surviving <= 3%: {_pct(ours.direct_survival)} overall — "
        f"{verdict(direct_ok)}; every type <= 3%: {verdict(per_type_ok)}",
        f"- precision of changed >= 0.85: {ours.precision:.3f} — {verdict(precision_ok)}",
        f"- throughput not below plain Presidio: {r['texts_per_s']:.1f} vs "
        f"{p['texts_per_s']:.1f} texts/s — {verdict(speed_ok)}",
        "",
        "## Per entity type",
        "",
        "| label | values | ragstream survived | ragstream changed | precision | "
        "Presidio survived | Presidio changed | precision |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a, b in zip(ours.labels, base.labels, strict=True):
        kind = "" if a.label in DIRECT else " (quasi)"
        lines.append(
            f"| {a.label}{kind} | {a.gold} | {_pct(a.survival)} | {a.changed} | "
            f"{a.precision:.3f} | {_pct(b.survival)} | {b.changed} | {b.precision:.3f} |"
        )
    lines.append(
        f"| **direct identifiers** | {ours.direct_gold} | **{_pct(ours.direct_survival)}** | "
        f"| | **{_pct(base.direct_survival)}** | | |"
    )
    lines.append(
        f"| **all changes** | | | {ours.changed} | **{ours.precision:.3f}** | | {base.changed} "
        f"| **{base.precision:.3f}** |"
    )
    lines += [
        "",
        f"Throughput: ragstream {r['texts_per_s']:.1f} texts/s (batches of {result['batch']}, "
        f"detection + policy + rewrite); plain Presidio {p['texts_per_s']:.1f} texts/s "
        "(analyze + anonymize per text). Presidio keeping only findings scored >= 0.4: "
        f"{_pct(base04.direct_survival)} of direct identifiers survive, precision "
        f"{base04.precision:.3f}.",
        "",
        "Changes of other types (ragstream): "
        + (", ".join(f"{t} {c} ({k} correct)" for t, c, k in ours.other_changes) or "none"),
        "",
        "Changes of other types (Presidio): "
        + (", ".join(f"{t} {c} ({k} correct)" for t, c, k in base.other_changes) or "none"),
        "",
        "## Direct identifiers surviving, by text shape and by locale (ragstream / Presidio)",
        "",
        "| shape | values | ragstream | Presidio |",
        "|---|---:|---:|---:|",
    ]
    for shape, (g, s) in ours.by_shape.items():
        bs = base.by_shape[shape][1]
        lines.append(f"| {shape} | {g} | {_pct(s / g if g else 0)} | {_pct(bs / g if g else 0)} |")
    lines += ["", "| locale | values | ragstream | Presidio |", "|---|---:|---:|---:|"]
    for loc, (g, s) in ours.by_locale.items():
        bs = base.by_locale[loc][1]
        lines.append(f"| {loc} | {g} | {_pct(s / g if g else 0)} | {_pct(bs / g if g else 0)} |")
    return "\n".join(lines) + "\n"


def _dump_misses(path: Path, samples: Sequence[Sample], changes: Sequence[list[Change]]) -> None:
    """Write surviving values and false-positive changes (for tuning on the tune half)."""
    from bench.compliance.scoring import survives

    with path.open("w", encoding="utf-8") as fh:
        for i, (sample, found) in enumerate(zip(samples, changes, strict=True)):
            spans = sorted((c.start, c.end) for c in found)
            gold = [(s.start, s.end) for s in sample.spans]
            for s in sample.spans:
                if s.label in DIRECT and survives(sample.text, s.label, s.start, s.end, spans):
                    fh.write(
                        json.dumps(
                            {
                                "i": i,
                                "kind": "leak",
                                "label": s.label,
                                "shape": sample.shape,
                                "locale": s.locale,
                                "value": sample.text[s.start : s.end],
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
            for c in found:
                if not any(c.start < e and s < c.end for s, e in gold):
                    fh.write(
                        json.dumps(
                            {
                                "i": i,
                                "kind": "fp",
                                "type": c.entity_type,
                                "shape": sample.shape,
                                "value": sample.text[c.start : c.end],
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2400, help="texts generated (both halves)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--split", choices=("report", "tune"), default="report")
    parser.add_argument("--policy", default="gdpr")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain Presidio")
    parser.add_argument("--dump", type=Path, help="write leaks and false positives (JSONL)")
    args = parser.parse_args(argv)

    settings = ComplianceSettings()
    tune, report = split(generate(args.n, args.seed), args.seed)
    samples = report if args.split == "report" else tune
    texts = [s.text for s in samples]

    detector = PresidioDetector(settings.spacy_model, args.batch)
    engine = ComplianceEngine(settings, load_policy(args.policy), detector=detector)
    engine.warm_up()
    engine.redact_text(texts[:8])  # warm caches before timing
    machine = _machine()
    ours_changes, ours_s = run_ragstream(engine, texts, args.batch)
    ours = score(samples, ours_changes)
    if args.dump:
        _dump_misses(args.dump, samples, ours_changes)

    if args.no_baseline:
        base_all, base_conf, base_s = ours_changes, ours_changes, ours_s
    else:
        analyzer = plain_presidio(settings.spacy_model)
        run_presidio(analyzer, texts[:8])
        base_all, base_conf, base_s = run_presidio(analyzer, texts)
    base, base04 = score(samples, base_all), score(samples, base_conf)

    result: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(),
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(
            _git("status", "--porcelain", "--", "streams/compliance", "bench/compliance")
        ),
        "machine": machine,
        "n_total": args.n,
        "n": len(samples),
        "split": args.split,
        "seed": args.seed,
        "batch": args.batch,
        "policy": args.policy,
        "spacy_model": settings.spacy_model,
        "ragstream": _report_json(ours, ours_s, len(samples)),
        "presidio": _report_json(base, base_s, len(samples)),
        "presidio_min_score_0.4": _report_json(base04, base_s, len(samples)),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compliance.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    summary = _markdown(result, ours, base, base04)
    (args.out / "compliance.md").write_text(summary, encoding="utf-8")
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
