"""Crash and outage harness: a stream of file changes, a fault in the middle, an exact check.

A :class:`ChangeDriver` creates, lengthens, shortens and deletes files in a watched folder
from a seeded random stream and remembers what each file should finally hold. After the
fault and the end of the stream, :func:`compare` holds the indices against that expected
state: every file present with exactly its final text and only its current chunks, every
deleted file gone, nothing in the dead-letter topics.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from infra.kafka_reader import read_topic
from tests.integration.conftest import Namespace
from tests.integration.helpers import consistency_problems, index_state

# Lower-case ordinary words: text the default policy leaves alone, so indexed text must equal
# the file's text exactly (no digits, no capitals that a name recogniser could take).
WORDS = [
    "river",
    "stone",
    "garden",
    "window",
    "paper",
    "yellow",
    "morning",
    "quiet",
    "engine",
    "bridge",
    "coffee",
    "market",
    "silver",
    "forest",
    "ladder",
    "pocket",
    "summer",
    "winter",
    "orange",
    "basket",
    "candle",
    "mirror",
    "button",
    "pillow",
    "carpet",
    "kettle",
    "blanket",
    "hammer",
    "saddle",
    "tunnel",
    "meadow",
    "harbor",
    "valley",
    "island",
    "castle",
    "tower",
    "rocket",
    "planet",
    "comet",
    "glacier",
    "desert",
    "canyon",
    "prairie",
    "lantern",
    "compass",
    "anchor",
    "rudder",
    "sail",
    "copper",
    "marble",
    "velvet",
    "cotton",
    "linen",
    "timber",
    "brick",
    "cement",
    "gravel",
    "pebble",
    "shell",
    "coral",
    "reef",
    "thunder",
    "breeze",
    "shadow",
    "sunrise",
    "sunset",
    "evening",
    "midnight",
    "ribbon",
    "needle",
    "thread",
    "fabric",
    "pattern",
    "puzzle",
    "riddle",
    "melody",
    "rhythm",
    "chorus",
    "verse",
    "sketch",
    "canvas",
    "easel",
    "brush",
    "palette",
]


def text_of(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return body + "\n"


@dataclass
class DriverStats:
    creates: int = 0
    longer: int = 0
    shorter: int = 0
    deletes: int = 0

    @property
    def total(self) -> int:
        return self.creates + self.longer + self.shorter + self.deletes


@dataclass
class ChangeDriver:
    """Applies ``changes`` random changes to ``root`` over ``duration_s`` seconds."""

    root: Path
    changes: int
    duration_s: float
    files: int = 250
    seed: int = 7
    expected: dict[str, str] = field(default_factory=dict)
    stats: DriverStats = field(default_factory=DriverStats)
    _thread: threading.Thread | None = None
    error: BaseException | None = None

    def _write(self, rel: str, text: str) -> None:
        path = self.root / rel
        tmp = path.parent / f".{path.name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # atomic: the connector never reads half a file
        self.expected[rel] = text

    def step(self, rng: random.Random) -> None:
        names = [f"doc-{i:04d}.md" for i in range(self.files)]
        rel = rng.choice(names)
        if rel not in self.expected:
            self._write(rel, text_of(rng, rng.randint(20, 300)))
            self.stats.creates += 1
            return
        roll = rng.random()
        if roll < 0.15:
            (self.root / rel).unlink()
            del self.expected[rel]
            self.stats.deletes += 1
        elif roll < 0.55:
            self._write(rel, self.expected[rel] + text_of(rng, rng.randint(50, 300)))
            self.stats.longer += 1
        else:
            self._write(rel, text_of(rng, rng.randint(5, 60)))
            self.stats.shorter += 1

    def run(self) -> None:
        rng = random.Random(self.seed)
        pause = self.duration_s / max(self.changes, 1)
        start = time.monotonic()
        try:
            for i in range(self.changes):
                self.step(rng)
                lag = start + (i + 1) * pause - time.monotonic()
                if lag > 0:
                    time.sleep(lag)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self.run, name="change-driver", daemon=True)
        self._thread.start()

    def join(self) -> None:
        assert self._thread is not None
        self._thread.join()
        if self.error is not None:
            raise self.error


@dataclass
class Verdict:
    lost: list[str]
    duplicate: list[str]
    stale: list[str]
    undeleted: list[str]
    dlq: int
    details: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicate or self.stale or self.undeleted or self.dlq)

    def line(self) -> str:
        return (
            f"lost={len(self.lost)} duplicate={len(self.duplicate)} stale={len(self.stale)} "
            f"undeleted={len(self.undeleted)} dlq={self.dlq}"
        )

    def examples(self) -> str:
        parts = []
        for name in ("lost", "duplicate", "stale", "undeleted"):
            items = getattr(self, name)
            if items:
                parts.append(f"{name}: {items[:5]}")
        return "; ".join(parts + self.details)


PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*(?:_[0-9a-f]{8})?>")


def same_text(indexed: str, expected: str) -> bool:
    """The indexed text is the expected one, where the policy may have replaced words.

    The random texts are plain words, yet the small spaCy model tags some as names; each
    placeholder (``<PERSON_1b7ce0ba>``) may stand for one or more words. Any other difference
    (an older version: different words, length) is a mismatch.
    """
    if indexed == expected:
        return True
    parts = PLACEHOLDER.split(indexed)
    if len(parts) == 1:
        return False
    pattern = r"\S.*?".join(re.escape(part) for part in parts)
    return re.fullmatch(pattern, expected, flags=re.DOTALL) is not None


def dead_letters(ns: Namespace) -> int:
    k = ns.settings.kafka
    return sum(
        1
        for topic in (k.dlq_topic, k.dlq_raw_topic)
        for _, value in read_topic(k.bootstrap_servers, topic)
        if value is not None
    )


def compare(ns: Namespace, expected: dict[str, str]) -> Verdict:
    state = index_state(ns)
    live = {key.split("/", 1)[1]: st for key, st in state.items() if st["version"] is not None}
    lost = sorted(rel for rel in expected if rel not in live)
    undeleted = sorted(rel for rel in live if rel not in expected)
    stale = sorted(
        rel
        for rel, text in expected.items()
        if rel in live and not same_text(str(live[rel]["text"]), text)
    )
    duplicate = consistency_problems(ns)
    verdict = Verdict(lost, duplicate, stale, undeleted, dead_letters(ns))
    for rel in stale[:3]:
        got = str(live[rel]["text"])
        want = expected[rel]
        verdict.details.append(
            f"{rel}: indexed v{live[rel]['version']} {len(got)} chars {got[:80]!r}... "
            f"expected {len(want)} chars {want[:80]!r}..."
        )
    return verdict


def first_write_after(ns: Namespace, moment: float) -> float | None:
    """Seconds from ``moment`` (epoch) to the first document written after it, if any."""
    client = ns.os
    alias = ns.settings.opensearch.documents_alias
    try:
        client.indices.refresh(index=alias)
        resp = client.search(
            index=alias,
            body={
                "size": 1,
                "sort": [{"indexed_at": "asc"}],
                "_source": ["indexed_at"],
                "query": {
                    "range": {"indexed_at": {"gt": datetime.fromtimestamp(moment, UTC).isoformat()}}
                },
            },
        )
    except Exception:  # OpenSearch may still be starting: not yet
        return None
    hits = resp["hits"]["hits"]
    if not hits:
        return None
    at = datetime.fromisoformat(hits[0]["_source"]["indexed_at"]).timestamp()
    return max(at - moment, 0.001)
