"""HttpEmbedder against a local HTTP server (OpenAI-compatible and TEI styles)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr

from infra.settings import EmbeddingSettings
from streams.embedding import (
    EmbeddingServerError,
    HashingEmbedder,
    HttpEmbedder,
    TransientEmbeddingError,
    make_embedder,
)
from streams.runner import is_transient

DIM = 8


def vector(text: str, dim: int = DIM) -> list[float]:
    """A deterministic, text-dependent vector."""
    return [float(len(text) + i + 1) for i in range(dim)]


class FakeServer:
    def __init__(self) -> None:
        self.status = 200
        self.dim = DIM
        self.reverse = False
        self.requests: list[tuple[str, dict[str, Any], str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.path, body, self.headers.get("Authorization")))
                if outer.status != 200:
                    payload: Any = {"error": "nope"}
                elif self.path == "/v1/embeddings":
                    data = [
                        {"object": "embedding", "index": i, "embedding": vector(t, outer.dim)}
                        for i, t in enumerate(body["input"])
                    ]
                    if outer.reverse:
                        data.reverse()
                    payload = {"object": "list", "data": data, "model": body["model"]}
                elif self.path == "/embed":
                    payload = [vector(t, outer.dim) for t in body["inputs"]]
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                raw = json.dumps(payload).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


def settings(url: str, api: str, **extra: Any) -> EmbeddingSettings:
    return EmbeddingSettings.model_validate(
        {"backend": "http", "http_url": url, "http_api": api, "dimension": DIM, **extra}
    )


def unit(v: list[float]) -> np.ndarray[Any, np.dtype[np.float32]]:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


@pytest.mark.parametrize("api", ["openai", "tei"])
def test_both_api_styles_in_input_order(server: FakeServer, api: str) -> None:
    emb = HttpEmbedder(settings(server.url, api, http_model="m1", http_batch_size=2))
    texts = ["a", "bbb", "cc", "dddd", "e"]
    out = emb.embed(texts)
    assert out.shape == (5, DIM) and out.dtype == np.float32
    for row, text in zip(out, texts, strict=True):
        np.testing.assert_allclose(row, unit(vector(text)), rtol=1e-6)
    assert len(server.requests) == 3  # batches of 2
    path, body, _ = server.requests[0]
    if api == "openai":
        assert path == "/v1/embeddings" and body == {"model": "m1", "input": ["a", "bbb"]}
    else:
        assert path == "/embed" and body == {"inputs": ["a", "bbb"]}
    assert emb.dimension == DIM


def test_openai_rows_are_ordered_by_index(server: FakeServer) -> None:
    server.reverse = True
    emb = HttpEmbedder(settings(server.url, "openai"))
    out = emb.embed(["x", "yyyyy"])
    np.testing.assert_allclose(out[0], unit(vector("x")), rtol=1e-6)
    np.testing.assert_allclose(out[1], unit(vector("yyyyy")), rtol=1e-6)


def test_api_key_is_sent_as_bearer(server: FakeServer) -> None:
    emb = HttpEmbedder(settings(server.url, "openai", http_api_key=SecretStr("s3cret")))
    emb.warm_up()
    assert server.requests[0][2] == "Bearer s3cret"


def test_dimension_is_required_and_verified(server: FakeServer) -> None:
    with pytest.raises(ValueError, match="dimension"):
        HttpEmbedder(EmbeddingSettings(backend="http", http_url=server.url))
    server.dim = DIM + 1
    emb = HttpEmbedder(settings(server.url, "tei"))
    with pytest.raises(EmbeddingServerError, match="shape"):
        emb.warm_up()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_server_is_transient(server: FakeServer, status: int) -> None:
    server.status = status
    with pytest.raises(TransientEmbeddingError) as info:
        HttpEmbedder(settings(server.url, "tei")).embed(["a"])
    assert is_transient(info.value)


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_permanent(server: FakeServer, status: int) -> None:
    server.status = status
    with pytest.raises(EmbeddingServerError) as info:
        HttpEmbedder(settings(server.url, "openai")).embed(["a"])
    assert not is_transient(info.value)


def test_unreachable_server_is_transient() -> None:
    srv = FakeServer()  # bound but never served, then closed: connection refused
    url = srv.url
    srv.httpd.server_close()
    with pytest.raises(TransientEmbeddingError) as info:
        HttpEmbedder(settings(url, "tei", http_timeout_s=2)).embed(["a"])
    assert is_transient(info.value)


def test_timeout_is_transient(server: FakeServer) -> None:
    import httpx

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    emb = HttpEmbedder(settings(server.url, "tei"), transport=httpx.MockTransport(slow))
    with pytest.raises(TransientEmbeddingError):
        emb.embed(["a"])


def test_make_embedder_and_hashing_dimension(server: FakeServer) -> None:
    assert isinstance(make_embedder(settings(server.url, "tei")), HttpEmbedder)
    h = make_embedder(EmbeddingSettings(backend="hashing", dimension=128))
    assert isinstance(h, HashingEmbedder) and h.dimension == 128
    assert h.embed(["hello world"]).shape == (1, 128)
    assert HashingEmbedder(EmbeddingSettings(backend="hashing")).dimension == 384
