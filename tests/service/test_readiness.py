"""Readiness: alive before the index is loaded, 503 until it is, ready before a slow answerer has loaded."""

from __future__ import annotations

import threading

from starlette.testclient import TestClient

from rag.errors import ModelError
from rag.types import Answer
from service.app import create_app


def test_not_ready_until_loaded(pipeline_factory) -> None:
    # No lifespan runs without `with TestClient(...)`: the index is never loaded, as during a slow start.
    # A loopback Host: without keys the service answers no other name (DNS rebinding).
    client = TestClient(create_app(pipeline_factory()), base_url="http://localhost")
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"] == "5"
    assert ready.json()["error"]["code"] == "loading"
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "昌都搬迁了多少人?"}]})
    assert r.status_code == 503 and r.json()["error"]["type"] == "server_error"
    assert client.post("/v1/documents", files={"file": ("a.txt", b"x")}).status_code == 503
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "rag_index_chunks" in metrics.text


def test_failed_load_is_reported(pipeline_factory, tmp_path) -> None:
    # An empty index over a corpus that does not exist cannot be built.
    app = create_app(pipeline_factory(corpus=str(tmp_path / "missing")), load_in_background=False)
    with TestClient(app, base_url="http://localhost") as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["error"]["code"] == "index_unavailable"
        assert "does not exist" in ready.json()["error"]["message"]
        r = client.post("/v1/ask", json={"question": "昌都搬迁了多少人?"})
        assert r.status_code == 503 and "does not exist" in r.json()["error"]["message"]
        assert client.get("/healthz").status_code == 200


def test_loaded_in_the_foreground(pipeline_factory, small_corpus) -> None:
    app = create_app(pipeline_factory(corpus=str(small_corpus)), load_in_background=False)
    with TestClient(app, base_url="http://localhost") as client:
        assert client.get("/readyz").json()["documents"] == 3
        r = client.post("/v1/ask", json={"question": "拉萨累计投入产业项目资金多少?"})
        assert r.status_code == 200 and "10亿元" in r.json()["answer"]


class Recording:
    """An answerer that records the questions it is asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def answer(self, question, hits, history=None) -> Answer:
        self.asked.append(question)
        return Answer("model answer [1]", [], False)

    def stream(self, question, hits, history=None):
        yield self.answer(question, hits, history)


def test_ready_once_retrieval_is_while_a_slow_answerer_loads(pipeline_factory, small_corpus, monkeypatch) -> None:
    entered, release, model = threading.Event(), threading.Event(), Recording()

    def slow_factory(settings, embedder, in_headings=None):
        entered.set()
        assert release.wait(60), "the test never released the answerer"
        return model

    monkeypatch.setattr("rag.answer.factory.make_answerer", slow_factory)
    # A generative backend: warm-up must not go through it (the factory above stands in for the model).
    pipeline = pipeline_factory(corpus=str(small_corpus), answerer={"backend": "llamacpp"})
    app = create_app(pipeline, load_in_background=False)
    with TestClient(app, base_url="http://localhost") as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["answerer"] == "loading"
        assert entered.wait(60), "the answerer was not loaded in the background"
        release.set()
        assert app.state.service.answerer_loaded.wait(60)
        assert client.get("/readyz").json()["answerer"] == "ready"
        assert model.asked == []  # the warm-up questions never reached the model
        r = client.post("/v1/ask", json={"question": "拉萨累计投入产业项目资金多少?"})
        assert r.status_code == 200 and r.json()["answer"] == "model answer [1]"


def test_an_answerer_that_fails_to_load_is_reported(pipeline_factory, small_corpus, monkeypatch) -> None:
    def failing_factory(settings, embedder, in_headings=None):
        raise ModelError("no GGUF model installed")

    monkeypatch.setattr("rag.answer.factory.make_answerer", failing_factory)
    pipeline = pipeline_factory(corpus=str(small_corpus), answerer={"backend": "llamacpp"})
    app = create_app(pipeline, load_in_background=False)
    with TestClient(app, base_url="http://localhost") as client:
        assert app.state.service.answerer_loaded.wait(60)
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["answerer"] == "failed: no GGUF model installed"
        r = client.post("/v1/ask", json={"question": "拉萨累计投入产业项目资金多少?"})
        assert r.status_code == 503 and "no GGUF model installed" in r.json()["error"]["message"]
