"""The one bounded write queue: writes in order on one thread, a full queue refused with 429 and
Retry-After, and questions answered while a write holds the index's write lock."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from service.writes import WriteQueue, WriteQueueFull
from tests.service.conftest import Server


def test_writes_run_in_order_on_one_thread() -> None:
    queue = WriteQueue(4)
    seen: list[tuple[int, str]] = []
    futures = [queue.submit(lambda i=i: seen.append((i, threading.current_thread().name)) or i) for i in range(4)]
    assert [f.result(10) for f in futures] == [0, 1, 2, 3]
    assert [i for i, _ in seen] == [0, 1, 2, 3]
    assert {name for _, name in seen} == {"rag-writer"}
    failing = queue.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(10)
    queue.close()
    with pytest.raises(RuntimeError):
        queue.submit(lambda: None)


def test_a_full_queue_refuses_at_once() -> None:
    queue = WriteQueue(1)
    started, release = threading.Event(), threading.Event()

    def held() -> str:
        started.set()
        release.wait(30)
        return "done"

    running = queue.submit(held)
    assert started.wait(30)
    waiting = queue.submit(lambda: "next")  # the one place in the queue
    with pytest.raises(WriteQueueFull) as full:
        queue.submit(lambda: "refused")
    assert 1 <= full.value.retry_after <= 60
    release.set()
    assert running.result(30) == "done" and waiting.result(30) == "next"
    queue.close()


def _post(server: Server, name: str, out: dict) -> None:
    data = f"那曲{name}新建学校12所。".encode()
    out[name] = httpx.post(f"{server.url}/v1/documents", files={"file": (name, data)}, timeout=120)


def test_a_busy_index_answers_429_and_questions_do_not_wait(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    queue = WriteQueue(1)
    monkeypatch.setattr(server.state, "writes", queue)
    index = server.pipeline.index
    real_embed = index.embedder.embed_passages
    started, release = threading.Event(), threading.Event()
    released: list[bool] = []  # how the hold ended: True = released, False = timed out

    def held_embed(texts):
        # The first upload's ingest embeds inside the index's write lock: hold it there. Only that call: the
        # answerer embeds its sentences through the same embedder, and a question must not wait for a write.
        if not started.is_set():
            started.set()
            released.append(release.wait(60))
        return real_embed(texts)

    monkeypatch.setattr(index.embedder, "embed_passages", held_embed)
    results: dict[str, httpx.Response] = {}
    first = threading.Thread(target=_post, args=(server, "w1.txt", results))
    second = threading.Thread(target=_post, args=(server, "w2.txt", results))
    try:
        first.start()
        assert started.wait(60), "the first upload never reached the writer"
        second.start()
        deadline = time.monotonic() + 60
        while queue.pending() < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queue.pending() == 1
        refused = httpx.post(f"{server.url}/v1/documents", files={"file": ("w3.txt", "那曲新建学校。".encode())})
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "index_busy"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert httpx.delete(f"{server.url}/v1/documents/changdu.txt").status_code == 429  # deletes queue too
        # A question meanwhile, while the first upload holds the write lock: it reads the current snapshot.
        asked = httpx.post(f"{server.url}/v1/ask", json={"question": "拉萨累计投入产业项目资金多少?"}, timeout=60)
        assert asked.status_code == 200 and "10亿元" in asked.json()["answer"], asked.text
    finally:
        release.set()
        first.join(60)
        second.join(60)
    assert released == [True], "the question waited for the write to time out"
    assert results["w1.txt"].status_code == 201 and results["w2.txt"].status_code == 201
    for name in ("w1.txt", "w2.txt"):
        assert httpx.delete(f"{server.url}/v1/documents/{name}").status_code == 200
    queue.close()
    assert server.pipeline.index.check() == []
