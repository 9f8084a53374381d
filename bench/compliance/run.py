"""Benchmark: ragstream's batch detector against per-text Presidio on one labelled corpus.

    python -m bench.compliance.run --n 800 --out bench/results

Both run in this process on the same machine, with the same spaCy model and score
threshold. The baseline is Presidio's default registry with one change: its e-mail
recogniser is swapped for the offline one (the stock one downloads the suffix list).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from presidio_analyzer import AnalyzerEngine

from bench.compliance.corpus import Sample, generate
from bench.compliance.scoring import LabelScore, Predicted, score
from infra.settings import ComplianceSettings
from streams.compliance.detector import LANGUAGE, PresidioDetector, build_nlp_engine
from streams.compliance.recognizers import OfflineEmailRecognizer

STRUCTURED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS")
MIN_SCORE = 0.4


def baseline_analyzer(spacy_model: str) -> AnalyzerEngine:
    analyzer = AnalyzerEngine(
        nlp_engine=build_nlp_engine(spacy_model), supported_languages=[LANGUAGE]
    )
    analyzer.registry.remove_recognizer("EmailRecognizer")
    analyzer.registry.add_recognizer(OfflineEmailRecognizer())
    return analyzer


def _timed(fn: Callable[[], list[list[Predicted]]]) -> tuple[list[list[Predicted]], float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def run_ragstream(
    detector: PresidioDetector, texts: Sequence[str], batch: int
) -> list[list[Predicted]]:
    out: list[list[Predicted]] = []
    for i in range(0, len(texts), batch):
        for dets in detector.detect(texts[i : i + batch]):
            out.append(
                [Predicted(d.entity_type, d.start, d.end) for d in dets if d.score >= MIN_SCORE]
            )
    return out


def run_baseline(analyzer: AnalyzerEngine, texts: Sequence[str]) -> list[list[Predicted]]:
    return [
        [
            Predicted(r.entity_type, r.start, r.end)
            for r in analyzer.analyze(text=t, language=LANGUAGE, score_threshold=MIN_SCORE)
        ]
        for t in texts
    ]


def _table(name: str, scores: list[LabelScore], tps: float) -> str:
    rows = [
        f"### {name}: {tps:.1f} texts/s",
        "",
        "| entity | gold | predicted | recall | precision |",
    ]
    rows.append("|---|---:|---:|---:|---:|")
    rows += [
        f"| {s.label} | {s.gold} | {s.predicted} | {s.recall:.3f} | {s.precision:.3f} |"
        for s in scores
    ]
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)

    settings = ComplianceSettings()
    samples: list[Sample] = generate(args.n, args.seed)
    texts = [s.text for s in samples]

    detector = PresidioDetector(settings.spacy_model, args.batch)
    detector.warm_up()
    baseline = baseline_analyzer(settings.spacy_model)
    detector.detect(texts[:8])  # warm caches for both before timing
    run_baseline(baseline, texts[:8])

    ours, ours_s = _timed(lambda: run_ragstream(detector, texts, args.batch))
    base, base_s = _timed(lambda: run_baseline(baseline, texts))
    ours_scores, base_scores = score(samples, ours), score(samples, base)
    ours_tps, base_tps = len(texts) / ours_s, len(texts) / base_s

    result = {
        "at": datetime.now(UTC).isoformat(),
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
        },
        "n": args.n,
        "seed": args.seed,
        "batch": args.batch,
        "min_score": MIN_SCORE,
        "spacy_model": settings.spacy_model,
        "ragstream": {
            "texts_per_s": ours_tps,
            "seconds": ours_s,
            "scores": [asdict(s) for s in ours_scores],
        },
        "presidio_per_text": {
            "texts_per_s": base_tps,
            "seconds": base_s,
            "scores": [asdict(s) for s in base_scores],
        },
        "throughput_ratio": ours_tps / base_tps,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compliance.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    by_label = {s.label: s for s in ours_scores}
    structured_ok = all(by_label[label].recall >= 0.95 for label in STRUCTURED)
    person_ok = by_label["PERSON"].recall >= 0.90
    summary = "\n\n".join(
        [
            f"# Compliance detection benchmark ({result['at'][:19]} UTC)",
            f"{args.n} Faker texts (seed {args.seed}), spaCy `{settings.spacy_model}`, score >= "
            f"{MIN_SCORE}, span-overlap matching. Throughput ratio ragstream / Presidio per-text: "
            f"**{result['throughput_ratio']:.2f}x**.",
            f"Targets: structured recall >= 0.95: {'met' if structured_ok else 'MISSED'}; "
            f"person recall >= 0.90: {'met' if person_ok else 'MISSED'}.",
            _table("ragstream batch detector", ours_scores, ours_tps),
            _table("Presidio AnalyzerEngine.analyze per text", base_scores, base_tps),
        ]
    )
    (args.out / "compliance.md").write_text(summary + "\n", encoding="utf-8")
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
