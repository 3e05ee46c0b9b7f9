"""The rest of the API over httpx: /v1/ask, documents, health, readiness, metrics, docs and the page."""

from __future__ import annotations

import re
import threading

import httpx
import pytest

from tests.conftest import SMALL_DOCS
from tests.service.conftest import Server

NEW_DOC = "林芝市产业扶贫\n\n林芝市累计实施产业扶贫项目321个，带动贫困群众增收，人均增收2750元。\n"


def test_health_ready_and_docs(client: httpx.Client, server: Server) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    docs, chunks, _ = server.counts()
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "documents": docs, "chunks": chunks, "answerer": "ready"}
    assert docs == len(SMALL_DOCS)
    # /docs is off by default (FastAPI's Swagger page loads its scripts from a CDN); the schema is served.
    assert client.get("/docs").status_code == 404
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/chat/completions", "/v1/models", "/v1/ask", "/v1/documents", "/v1/documents/{doc_id}"):
        assert path in paths


def test_ask_returns_answer_with_exact_citations(client: httpx.Client) -> None:
    r = client.post("/v1/ask", json={"question": "拉萨建档立卡人口2020年人均纯收入有多少?", "top_k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"answer", "abstained", "citations", "related", "timings", "question"}
    assert body["abstained"] is False
    assert "13741.44" in body["answer"]
    for c in body["citations"]:
        assert SMALL_DOCS[c["source"]][c["start"] : c["end"]] == c["quote"]
    assert body["timings"]["answer"] >= 0 and body["timings"]["bm25"] >= 0


def test_ask_traditional_and_english(client: httpx.Client) -> None:
    for question in ("西藏累計實現多少貧困人口脫貧?", "How many poor people in Tibet were lifted out of poverty?"):
        r = client.post("/v1/ask", json={"question": question})
        assert r.status_code == 200, r.text
        assert all(SMALL_DOCS[c["source"]][c["start"] : c["end"]] == c["quote"] for c in r.json()["citations"])


def test_unanswerable_question_abstains(client: httpx.Client) -> None:
    r = client.post("/v1/ask", json={"question": "火星上有多少座城市?"})
    assert r.status_code == 200, r.text
    assert r.json()["abstained"] is True
    assert r.json()["citations"] == []


def test_document_lifecycle(client: httpx.Client, server: Server) -> None:
    listed = client.get("/v1/documents").json()
    assert sorted(d["doc_id"] for d in listed["data"]) == sorted(SMALL_DOCS)
    docs0, chunks0, _ = server.counts()

    up = client.post("/v1/documents", files={"file": ("linzhi.txt", NEW_DOC.encode("utf-8"), "text/plain")})
    assert up.status_code == 201, up.text
    assert up.json()["doc_id"] == "linzhi.txt"
    assert up.json()["status"] == "added"
    assert up.json()["chunks_added"] >= 1
    docs1, chunks1, ids1 = server.counts()
    assert docs1 == docs0 + 1 and chunks1 == chunks0 + up.json()["chunks_added"]
    assert "linzhi.txt" in ids1

    # The same id again is refused unless the upload asks to replace; unchanged content then changes nothing.
    again = client.post("/v1/documents", files={"file": ("linzhi.txt", NEW_DOC.encode("utf-8"))})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    again = client.post(
        "/v1/documents", params={"replace": "true"}, files={"file": ("linzhi.txt", NEW_DOC.encode("utf-8"))}
    )
    assert again.status_code == 201 and again.json()["status"] == "unchanged"
    assert server.counts()[:2] == (docs1, chunks1)

    # The new document answers questions, and its citation excerpt points into its text.
    r = client.post("/v1/ask", json={"question": "林芝市实施了多少个产业扶贫项目?"})
    assert r.status_code == 200, r.text
    cite = next(c for c in r.json()["citations"] if c["source"] == "linzhi.txt")
    assert NEW_DOC[cite["start"] : cite["end"]] == cite["quote"]
    shown = client.get("/v1/documents/linzhi.txt", params={"start": cite["start"], "end": cite["end"], "context": 5})
    assert shown.status_code == 200
    ex = shown.json()["excerpt"]
    assert NEW_DOC[ex["start"] : ex["end"]] == ex["text"]
    assert ex["start"] == max(0, cite["start"] - 5) and ex["end"] == min(len(NEW_DOC), cite["end"] + 5)

    gone = client.delete("/v1/documents/linzhi.txt")
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    assert server.counts()[:2] == (docs0, chunks0)
    assert server.pipeline.index.check() == []
    assert client.delete("/v1/documents/linzhi.txt").status_code == 404


def test_document_with_non_ascii_name(client: httpx.Client, server: Server) -> None:
    before = server.counts()
    name = "那曲 报告.md"
    up = client.post("/v1/documents", files={"file": (name, "# 那曲\n\n那曲市完成搬迁1.2万人。\n".encode())})
    assert up.status_code == 201, up.text
    assert up.json()["doc_id"] == name
    assert client.get(f"/v1/documents/{name}").json()["title"] == "那曲"
    assert client.delete(f"/v1/documents/{name}").status_code == 200
    assert server.counts() == before


def test_metrics_expose_requests_stages_and_index_size(client: httpx.Client, server: Server) -> None:
    client.post("/v1/ask", json={"question": "昌都搬迁了多少人?"})
    text = client.get("/metrics").text
    docs, chunks, _ = server.counts()
    assert re.search(r'^rag_http_requests_total\{method="POST",route="/v1/ask",status="200"\} [1-9]', text, re.M)
    assert re.search(r'^rag_stage_seconds_count\{stage="answer"\} [1-9]', text, re.M)
    assert re.search(r'^rag_stage_seconds_bucket\{le="\+Inf",stage="bm25"\} [1-9]', text, re.M)
    assert f"rag_index_documents {float(docs)}" in text
    assert f"rag_index_chunks {float(chunks)}" in text


def test_page_is_served(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "v1/chat/completions" in r.text and 'id="question"' in r.text


def test_answers_run_off_the_event_loop(client: httpx.Client, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    real_ask = server.pipeline.ask
    entered, gate = threading.Event(), threading.Event()

    def held_ask(*args, **kwargs):
        entered.set()
        gate.wait(60)  # a model call that lasts until the test lets it go
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(server.pipeline, "ask", held_ask)
    result: dict = {}
    pending = threading.Thread(
        target=lambda: result.update(
            r=httpx.post(f"{server.url}/v1/ask", json={"question": "昌都搬迁了多少人?"}, timeout=90)
        )
    )
    pending.start()
    try:
        assert entered.wait(60), "the question never reached the answerer"
        # Were the answer computed on the event loop, these would wait for the gate, which opens only
        # after them: their 10 s timeout would fire first. No clock is read: only the order matters.
        assert client.get("/healthz", timeout=10).status_code == 200
        assert client.get("/v1/models", timeout=10).status_code == 200
        assert not gate.is_set() and pending.is_alive()
    finally:
        gate.set()
        pending.join(60)
    assert result["r"].status_code == 200


def test_error_mid_stream_is_sent_in_band(
    client: httpx.Client, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.errors import ModelError

    def failing_stream(question, history=None, top_k=None):
        yield "部分答案"
        raise ModelError("the answerer model crashed")

    monkeypatch.setattr(server.pipeline, "ask_stream", failing_stream)
    body = {"messages": [{"role": "user", "content": "昌都搬迁了多少人?"}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200  # the status line was sent with the first piece
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert '"部分答案"' in events[1]
    assert '"the answerer model crashed"' in events[-2] and '"error"' in events[-2]
