"""Questions answered while documents are uploaded and deleted; the load-test script on a small run."""

from __future__ import annotations

import threading

import httpx
import pytest

from eval.load import loadtest
from tests.conftest import SMALL_DOCS
from tests.service.conftest import Server

pytestmark = pytest.mark.slow

DOC = "林芝市产业扶贫\n\n林芝市累计实施产业扶贫项目321个，带动贫困群众增收，人均增收2750元。\n" * 3


def test_questions_during_uploads_and_deletes(server: Server) -> None:
    before = server.counts()
    texts = SMALL_DOCS | {"linzhi_c.txt": DOC}
    failures: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                for _ in range(4):
                    if c.post("/v1/documents", files={"file": ("linzhi_c.txt", DOC.encode())}).status_code != 201:
                        failures.append("upload failed")
                    if c.delete("/v1/documents/linzhi_c.txt").status_code != 200:
                        failures.append("delete failed")
        except httpx.HTTPError as exc:
            failures.append(f"writer: {exc!r}")
        finally:
            stop.set()  # readers stop even when the writer failed (they would loop on otherwise)

    def reader() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            while not stop.is_set():
                r = c.post("/v1/ask", json={"question": "林芝市实施了多少个产业扶贫项目?"})
                if r.status_code != 200:
                    failures.append(f"{r.status_code}: {r.text[:200]}")
                    continue
                # Whichever index a reader saw, old or new, its citations quote real text exactly.
                for cite in r.json()["citations"]:
                    if texts[cite["source"]][cite["start"] : cite["end"]] != cite["quote"]:
                        failures.append(f"bad citation {cite}")

    threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures[:5]
    assert server.counts() == before
    assert server.pipeline.index.check() == []


def test_load_script_small_run(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    before = server.counts()
    code = loadtest.main(["--url", server.url, "--requests", "24", "--concurrency", "4"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "errors: 0" in out and "RESULT: OK" in out
    assert "p50" in out and "p95" in out
    assert server.counts() == before
    assert server.pipeline.index.check() == []
