"""PII detection: Presidio's AnalyzerEngine over a spaCy model, one ``nlp.pipe`` per batch.

The constructor only records configuration; ``warm_up()`` loads spaCy and builds the
registry. Nothing here touches the network: the spaCy model must be an installed package
(Presidio would otherwise try to download it) and e-mail validation uses the bundled
public suffix list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
    PhoneRecognizer,
    SpacyRecognizer,
    UrlRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
    UuidRecognizer,
)

from streams.compliance.persons import PERSON, context_names, is_not_person, normalise_list
from streams.compliance.recognizers import MASTERCARD_2_SERIES, ragstream_recognizers

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


def build_nlp_engine(spacy_model: str) -> NlpEngine:
    """A loaded spaCy NLP engine; refuses to run when the model is not installed."""
    if not spacy.util.is_package(spacy_model):
        raise ModelNotInstalledError(
            f"spaCy model package {spacy_model!r} is not installed; install it with pip "
            "(ragstream never downloads models at run time)"
        )
    engine = NlpEngineProvider(nlp_configuration=nlp_configuration(spacy_model)).create_engine()
    return engine


def drop_parser(engine: NlpEngine) -> None:
    """Disable spaCy's dependency parser: Presidio reads tokens, lemmas and entities only,
    and the parser is the costliest component of the small English pipeline."""
    nlp = getattr(engine, "nlp", None) or {}
    for pipeline in nlp.values():
        if "parser" in pipeline.pipe_names:
            pipeline.disable_pipe("parser")


def build_registry() -> RecognizerRegistry:
    """Presidio's general and US recognisers plus ragstream's (no other countries)."""
    recognizers: list[EntityRecognizer] = [
        SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "NRP", "DATE_TIME"]),
        CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, MASTERCARD_2_SERIES]),
        CryptoRecognizer(),
        DateRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        MacAddressRecognizer(),
        # One region: numbers written with "+" are found whatever their country; every
        # extra region is another full pass of libphonenumber's matcher (the slowest step).
        PhoneRecognizer(supported_regions=("US",)),
        UrlRecognizer(),
        UuidRecognizer(),
        UsBankRecognizer(),
        UsItinRecognizer(),
        UsLicenseRecognizer(),
        UsPassportRecognizer(),
        UsSsnRecognizer(),
        MedicalLicenseRecognizer(),
        *ragstream_recognizers(),
    ]
    return RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])


def refine_persons(
    text: str, detections: Sequence[Detection], not_person: frozenset[str] = frozenset()
) -> list[Detection]:
    """PERSON findings of the NER pass minus technology/product words (``NOT_PERSON`` and
    ``not_person``), plus names found from context in the same text (``persons.py``)."""
    kept = [
        d
        for d in detections
        if d.entity_type != PERSON or not is_not_person(text[d.start : d.end], not_person)
    ]
    known = [(d.start, d.end) for d in kept if d.entity_type == PERSON]
    extra = [
        Detection(PERSON, n.start, n.end, n.score)
        for n in context_names(text, known)
        if not is_not_person(text[n.start : n.end], not_person)
    ]
    return kept + extra


class PresidioDetector:
    """Batch PII detection: spaCy runs once over the batch (``nlp.pipe``), then every
    recogniser runs on each text with the precomputed NLP artifacts, then the context-based
    person rules (``refine_persons``).

    ``not_person`` adds a deployment's product names to ``persons.NOT_PERSON``.
    """

    def __init__(
        self, spacy_model: str, batch_size: int = 16, not_person: Iterable[str] = ()
    ) -> None:
        self._spacy_model = spacy_model
        self._batch_size = batch_size
        self._not_person = normalise_list(not_person)
        self._analyzer: AnalyzerEngine | None = None

    def warm_up(self) -> None:
        """Load the spaCy model and build the analyzer (slow: call once per process)."""
        if self._analyzer is not None:
            return
        nlp_engine = build_nlp_engine(self._spacy_model)
        drop_parser(nlp_engine)
        self._analyzer = AnalyzerEngine(
            registry=build_registry(),
            nlp_engine=nlp_engine,
            supported_languages=[LANGUAGE],
        )

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
            dets = self._analyze_one(analyzer, str(text), artifacts)
            out.append(refine_persons(str(text), dets, self._not_person))
        return out

    @staticmethod
    def _analyze_one(
        analyzer: AnalyzerEngine, text: str, artifacts: NlpArtifacts
    ) -> list[Detection]:
        results = analyzer.analyze(text=text, language=LANGUAGE, nlp_artifacts=artifacts)
        return [Detection(r.entity_type, int(r.start), int(r.end), float(r.score)) for r in results]
