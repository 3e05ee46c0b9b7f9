"""Bad input gets the right 4xx, an OpenAI-shaped error body, and leaves the index as it was."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.service.conftest import KEYS, Server

CHAT = "/v1/chat/completions"
OK_MESSAGES = [{"role": "user", "content": "昌都搬迁了多少人?"}]
MEGABYTE = 1_000_000


def _raw(path: str, content: bytes, ctype: str = "application/json") -> Callable[[httpx.Client], httpx.Response]:
    return lambda c: c.post(path, content=content, headers={"Content-Type": ctype})


def _json(path: str, body: object) -> Callable[[httpx.Client], httpx.Response]:
    return lambda c: c.post(path, json=body)


def _upload(name: str, data: bytes) -> Callable[[httpx.Client], httpx.Response]:
    return lambda c: c.post("/v1/documents", files={"file": (name, data, "application/octet-stream")})


CASES: dict[str, tuple[Callable[[httpx.Client], httpx.Response], int]] = {
    "malformed json": (_raw(CHAT, b'{"messages": [{"role": "user", "content": "x"'), 400),
    "not json at all": (_raw(CHAT, b"messages=hello", "application/x-www-form-urlencoded"), 400),
    "body is a list": (_json(CHAT, [OK_MESSAGES]), 400),
    "messages is a string": (_json(CHAT, {"messages": "昌都搬迁了多少人?"}), 400),
    "content is a number": (_json(CHAT, {"messages": [{"role": "user", "content": 5}]}), 400),
    "unknown role": (_json(CHAT, {"messages": [{"role": "wizard", "content": "hi"}]}), 400),
    "stream is not a bool": (_json(CHAT, {"messages": OK_MESSAGES, "stream": "maybe"}), 400),
    "top_k is a string": (_json(CHAT, {"messages": OK_MESSAGES, "top_k": "many"}), 400),
    "top_k is zero": (_json("/v1/ask", {"question": "昌都搬迁了多少人?", "top_k": 0}), 400),
    "missing messages": (_json(CHAT, {"model": "rag-zh"}), 400),
    "empty messages": (_json(CHAT, {"messages": []}), 400),
    "empty content": (_json(CHAT, {"messages": [{"role": "user", "content": ""}]}), 400),
    "blank question streamed": (_json(CHAT, {"messages": [{"role": "user", "content": " \n"}], "stream": True}), 400),
    "last message not from user": (
        _json(CHAT, {"messages": [*OK_MESSAGES, {"role": "assistant", "content": "x"}]}),
        400,
    ),
    "too many messages": (_json(CHAT, {"messages": OK_MESSAGES * 9}), 400),
    "question over the char limit": (_json(CHAT, {"messages": [{"role": "user", "content": "昌都" * 1500}]}), 400),
    "1 MB question": (_json(CHAT, {"messages": [{"role": "user", "content": "问" * MEGABYTE}]}), 413),
    "1 MB question to ask": (_json("/v1/ask", {"question": "a" * MEGABYTE}), 413),
    "question in another script": (_json("/v1/ask", {"question": "Сколько людей переселили?"}), 400),
    "ask question is a number": (_json("/v1/ask", {"question": 123}), 400),
    "exe upload": (_upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 512), 415),
    "binary bytes named .txt": (_upload("notes.txt", bytes(range(256)) * 8), 400),
    "path traversal name": (_upload("../../etc/passwd.txt", "西藏自治区的报告。".encode()), 400),
    "windows traversal name": (_upload("..\\..\\boot.txt", "西藏自治区的报告。".encode()), 400),
    "hidden file name": (_upload(".bashrc.txt", "西藏自治区的报告。".encode()), 400),
    "upload over the size limit": (_upload("big.txt", "西藏自治区。".encode() * 20_000), 413),
    "upload without a file": (lambda c: c.post("/v1/documents", data={"name": "x.txt"}), 400),
    "empty upload": (_upload("empty.txt", b""), 400),
    "delete unknown document": (lambda c: c.delete("/v1/documents/nope.txt"), 404),
    "unknown endpoint": (lambda c: c.get("/v1/nothing"), 404),
    "wrong method": (lambda c: c.get(CHAT), 405),
    "bad excerpt span": (lambda c: c.get("/v1/documents/changdu.txt", params={"start": 5, "end": 10**6}), 400),
}


def assert_openai_error(r: httpx.Response, status: int) -> dict:
    """The status, and an error body in OpenAI's shape without internals."""
    assert r.status_code == status, r.text[:500]
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) >= {"message", "type", "code"}
    assert isinstance(err["message"], str) and err["message"]
    assert err["type"] == ("invalid_request_error" if status in (400, 405, 413, 415) else err["type"])
    assert "Traceback" not in r.text and 'File "' not in r.text
    return err


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_and_changes_nothing(case: str, client: httpx.Client, server: Server) -> None:
    call, status = CASES[case]
    before = server.counts()
    assert_openai_error(call(client), status)
    assert server.counts() == before
    assert server.pipeline.index.check() == []


def test_nothing_on_disk_from_traversal_names(client: httpx.Client, server: Server, tmp_path_factory) -> None:
    root = server.pipeline.settings.home_dir.parent
    files_before = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix == ".txt")
    client.post("/v1/documents", files={"file": ("../../../escape.txt", "西藏自治区的报告。".encode())})
    files_after = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix == ".txt")
    assert files_after == files_before


# -- keys and rates ---------------------------------------------------------------------------------


def test_missing_and_wrong_keys_get_401(keyed_server: Server) -> None:
    before = keyed_server.counts()
    with httpx.Client(base_url=keyed_server.url, timeout=60) as c:
        cases = [
            c.post(CHAT, json={"messages": OK_MESSAGES}),
            c.post(CHAT, json={"messages": OK_MESSAGES}, headers={"Authorization": "Bearer nope"}),
            c.post(CHAT, json={"messages": OK_MESSAGES}, headers={"Authorization": f"Basic {KEYS[0]}"}),
            c.post(CHAT, json={"messages": OK_MESSAGES}, headers={"Authorization": f"Bearer {KEYS[0]}x"}),
            c.post(CHAT, content=b"{broken", headers={"Content-Type": "application/json"}),  # 401 before parsing
            c.post("/v1/documents", files={"file": ("x.txt", "西藏自治区的报告。".encode())}),
            c.delete("/v1/documents/changdu.txt", headers={"Authorization": "Bearer"}),
            c.get("/v1/documents"),
        ]
        for r in cases:
            err = assert_openai_error(r, 401)
            assert err["code"] == "invalid_api_key"
            assert r.headers["WWW-Authenticate"] == "Bearer"
        # Health, readiness and the page stay open: probes and the browser need them.
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        assert c.get("/").status_code == 200
    assert keyed_server.counts() == before


def test_too_many_requests_get_429_with_retry_after(keyed_server: Server) -> None:
    before = keyed_server.counts()
    auth = {"Authorization": f"Bearer {KEYS[1]}"}
    with httpx.Client(base_url=keyed_server.url, timeout=60, headers=auth) as c:
        # The limit is 5 a minute per key: a burst of 5 passes, the 6th is refused.
        statuses = [c.get("/v1/models").status_code for _ in range(5)]
        assert statuses == [200] * 5
        r = c.post("/v1/documents", files={"file": ("late.txt", "西藏自治区的报告。".encode())})
        err = assert_openai_error(r, 429)
        assert err["code"] == "rate_limit_exceeded"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert keyed_server.counts() == before
