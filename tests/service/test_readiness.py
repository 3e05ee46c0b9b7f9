"""Before the index is loaded, and after loading failed: alive, not ready, questions get 503."""

from __future__ import annotations

from starlette.testclient import TestClient

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
