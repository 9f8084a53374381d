"""Build ``streams/compliance/data/names.tsv.gz``, the name lexicon of the PERSON rules.

Sources (registry packages, checked by hash; nothing is downloaded at run time):

* ``names-dataset==3.3.1`` (PyPI, Apache-2.0): first and last names with their popularity
  rank in each of 106 countries. Kept: names of one word whose best rank in some country is
  at most ``MAX_RANK``.
* ``pyspellchecker==0.9.1`` (PyPI, MIT): English word counts from subtitles, lower-case
  words only. Kept: the frequency rank of the English words that are also names ("mark",
  "will", "data"), so the rules can tell a common word from a name, and the 60,000 most
  frequent English words (name or not), so they can tell an unknown surname from a word.

Run (needs about 4 GB of memory for a minute)::

    pip download --no-deps names-dataset==3.3.1 pyspellchecker==0.9.1 -d /tmp/lex
    python scripts/build_name_lexicon.py /tmp/lex

One line per folded (lower-case, no diacritics) name: ``name  given_rank  given_countries
surname_rank  surname_countries  english_rank`` (0 where the name is not of that kind;
``*_countries`` counts the countries where the rank is at most ``MAX_RANK``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import pickle
import re
import sys
import zipfile
from pathlib import Path

# The lookups fold words the same way: one function, so the table and its readers agree.
from streams.compliance.lexicon import fold_word

MAX_RANK = 5000
# English words kept even when they are no name: the rules ask "is this an English word?"
ENGLISH_WORDS = 60_000
WHEELS = {
    "names_dataset-3.3.1-py3-none-any.whl": (
        "9fb1b60a82de8bea004e7755b6133df0b4a029f93b9ee18bfa37f356f2b8c75e"
    ),
    "pyspellchecker-0.9.1-py3-none-any.whl": (
        "c79b144b4bad20024bf489ad3ffd96b76f3f53439e9fa59ac607896352852f3d"
    ),
}
OUT = Path(__file__).resolve().parents[1] / "streams/compliance/data/names.tsv.gz"
_SHAPE = re.compile(r"[a-z][a-z'-]*[a-z]")


def _wheel(folder: Path, name: str) -> zipfile.ZipFile:
    data = (folder / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != WHEELS[name]:
        raise SystemExit(f"{name}: sha256 {digest} is not the expected {WHEELS[name]}")
    return zipfile.ZipFile(io.BytesIO(data))


def _ranks(wheel: zipfile.ZipFile, member: str) -> dict[str, tuple[int, int]]:
    raw = pickle.loads(gzip.decompress(wheel.read(member)))
    out: dict[str, tuple[int, int]] = {}
    for name, info in raw.items():
        ranks = [r for r in (info.get("rank") or {}).values() if r is not None]
        key = fold_word(name.strip())
        if " " in key or not _SHAPE.fullmatch(key) or not ranks or min(ranks) > MAX_RANK:
            continue
        best, countries = min(ranks), sum(1 for r in ranks if r <= MAX_RANK)
        old = out.get(key)
        if old is None or best < old[0]:
            out[key] = (best, max(countries, old[1] if old else 0))
    return out


def main(folder: Path) -> int:
    names = _wheel(folder, "names_dataset-3.3.1-py3-none-any.whl")
    given = _ranks(names, "names_dataset/v3/first_names.pkl.gz")
    surnames = _ranks(names, "names_dataset/v3/last_names.pkl.gz")
    speller = _wheel(folder, "pyspellchecker-0.9.1-py3-none-any.whl")
    counts = json.loads(gzip.decompress(speller.read("spellchecker/resources/en.json.gz")))
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    english = {w: i + 1 for i, (w, _) in enumerate(ordered)}
    common = {w for w, rank in english.items() if rank <= ENGLISH_WORDS and _SHAPE.fullmatch(w)}
    lines = []
    for key in sorted(set(given) | set(surnames) | common):
        g, gn = given.get(key, (0, 0))
        s, sn = surnames.get(key, (0, 0))
        lines.append(f"{key}\t{g}\t{gn}\t{s}\t{sn}\t{english.get(key, 0)}\n")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT, "wb", mtime=0) as fh:
        fh.write("".join(lines).encode())
    print(f"{OUT}: {len(lines)} entries ({len(given)} given names, {len(surnames)} surnames)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
