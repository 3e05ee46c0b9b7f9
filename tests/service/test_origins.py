"""Cross-site requests and DNS rebinding: the Host and Origin checks (service/origins.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from rag.config import load_settings
from rag.pipeline import Pipeline
from service.app import create_app
from service.origins import split_host
from tests.service.conftest import KEYS, Server

DOC = "那曲市易地扶贫搬迁\n\n那曲市完成易地扶贫搬迁1.2万人。\n".encode()


def _upload(server: Server, name: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/documents", files={"file": (name, DOC)}, headers=headers, timeout=60)


def test_the_issues_cross_site_upload_is_refused(server: Server) -> None:
    # curl -X POST /v1/documents -H 'Origin: http://evil.example' -H 'Host: evil.example' -F file=@x.txt
    before = server.counts()
    rebound = _upload(server, "x.txt", {"Origin": "http://evil.example", "Host": "evil.example"})
    assert rebound.status_code == 421, rebound.text
    assert rebound.json()["error"]["code"] == "host_not_allowed"
    port = urlsplit(server.url).port
    # Another site's page posting to the real address (no preflight for a multipart form).
    cross = _upload(server, "x.txt", {"Origin": "http://evil.example", "Host": f"127.0.0.1:{port}"})
    assert cross.status_code == 403, cross.text
    assert cross.json()["error"]["code"] == "origin_not_allowed"
    assert _upload(server, "x.txt", {"Origin": "null"}).status_code == 403  # a sandboxed frame or file://
    assert server.counts() == before


def test_the_page_origin_is_accepted(server: Server) -> None:
    port = urlsplit(server.url).port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        page = {"Origin": f"http://{host}", "Host": host}
        r = _upload(server, "own-origin.txt", page)
        assert r.status_code == 201, r.text
        assert httpx.delete(f"{server.url}/v1/documents/own-origin.txt", headers=page).status_code == 200
    # Clients that are not browsers send no Origin at all.
    assert httpx.get(f"{server.url}/v1/models").status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1", "127.0.0.1:1", "localhost.evil.example", "[::1"])
def test_other_hosts_are_misdirected(server: Server, host: str) -> None:
    r = httpx.get(f"{server.url}/v1/models", headers={"Host": host})
    assert r.status_code == 421, (host, r.text)
    assert set(r.json()["error"]) == {"message", "type", "param", "code"}


def test_host_parsing() -> None:
    assert split_host("LocalHost:8000") == ("localhost", 8000)
    assert split_host("[::1]:8000") == ("::1", 8000)
    assert split_host("127.0.0.1") == ("127.0.0.1", 80)
    assert split_host("127.0.0.1", "https") == ("127.0.0.1", 443)
    for bad in ("", ":80", "a:b:c", "[::1", "[::1]x", "host:port"):
        assert split_host(bad) is None, bad


def _app(**service) -> TestClient:
    """An app whose index is never loaded: the checks run before any route that needs it."""
    settings = load_settings(None, {"home": "/nonexistent/rag-origins", "service": service})
    return TestClient(create_app(Pipeline(settings)), base_url="http://localhost")


def test_with_keys_hosts_are_checked_only_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_API_KEYS", raising=False)
    auth = {"Authorization": f"Bearer {KEYS[0]}"}
    client = _app(api_keys=KEYS)
    assert client.get("/v1/models", headers={**auth, "Host": "rag.example.org"}).status_code == 200
    assert client.get("/v1/models", headers={**auth, "Origin": "http://evil.example"}).status_code == 403
    client = _app(api_keys=KEYS, allowed_hosts=["rag.example.org"], cors_origins=["https://app.example.org"])
    assert client.get("/v1/models", headers={**auth, "Host": "rag.example.org:8443"}).status_code == 200
    assert client.get("/v1/models", headers={**auth, "Host": "evil.example"}).status_code == 421
    r = client.get("/v1/models", headers={**auth, "Host": "rag.example.org", "Origin": "https://app.example.org"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://app.example.org"


def test_allowed_hosts_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_API_KEYS", raising=False)
    client = _app(allowed_hosts=["rag.local:80"])
    assert client.get("/v1/models", headers={"Host": "rag.local"}).status_code == 200
    assert client.get("/v1/models", headers={"Host": "rag.local:81"}).status_code == 421
    assert _app(allowed_hosts=["*"]).get("/v1/models", headers={"Host": "anything.example"}).status_code == 200
