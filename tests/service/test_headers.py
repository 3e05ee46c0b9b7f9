"""Security headers: the page's CSP allows its own inline script and style only, API responses allow
nothing, nothing may frame either, and /docs is off unless configured."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from starlette.testclient import TestClient

from rag.config import load_settings
from rag.pipeline import Pipeline
from service.app import create_app
from service.headers import page_csp


def _client(**service) -> TestClient:
    settings = load_settings(None, {"home": "/nonexistent/rag-headers", "service": service})
    return TestClient(create_app(Pipeline(settings)), base_url="http://localhost")


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.delenv("RAG_API_KEYS", raising=False)
    return _client()


def test_the_page_allows_only_its_own_script_and_style(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    script = r.text.split("<script>", 1)[1].split("</script>", 1)[0]
    style = r.text.split("<style>", 1)[1].split("</style>", 1)[0]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == _sha(script)
    assert directives["style-src"] == _sha(style)
    assert directives["default-src"] == "'none'" and directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"\sstyle=|\son[a-z]+=", r.text)  # inline attributes would need 'unsafe-inline'


@pytest.mark.parametrize("path", ["/v1/models", "/healthz", "/v1/nothing", "/openapi.json"])
def test_api_responses_allow_nothing_and_cannot_be_framed(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_refusals_carry_the_headers_too(client: TestClient) -> None:
    r = client.get("/v1/models", headers={"Host": "evil.example"})
    assert r.status_code == 421 and r.headers["x-frame-options"] == "DENY"


def test_docs_are_off_by_default_and_pinned_to_their_cdn_when_on(client: TestClient, monkeypatch) -> None:
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    on = _client(docs=True).get("/docs")
    assert on.status_code == 200
    csp = on.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in csp and "'unsafe-inline'" not in csp


def test_page_csp_without_inline_parts() -> None:
    csp = page_csp("<html><script src='x.js'></script></html>")
    assert "script-src 'none'" in csp and "style-src 'none'" in csp
