"""How ``rag serve`` runs uvicorn: no trusted proxy headers, a header timeout, wrong keys limited per
address, short keys refused, and ``--host "[::1]"``. Servers here never load an index (none is needed)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from rag.cli import app as cli_app
from rag.config import REPO_ROOT, load_settings
from rag.errors import InputError
from rag.pipeline import Pipeline
from service.app import create_app
from service.server import bind_host, uvicorn_options
from tests.service.conftest import KEYS, Server, bare_server


@pytest.fixture(scope="module")
def open_bare(tmp_path_factory: pytest.TempPathFactory, tiny_onnx_dir: Path) -> Iterator[Server]:
    service = {"requests_per_minute": 5, "header_timeout": 1.0}
    yield from bare_server(tmp_path_factory.mktemp("open-bare"), tiny_onnx_dir, service)


@pytest.fixture(scope="module")
def keyed_bare(tmp_path_factory: pytest.TempPathFactory, tiny_onnx_dir: Path) -> Iterator[Server]:
    service = {"api_keys": KEYS, "failed_auth_per_minute": 3}
    yield from bare_server(tmp_path_factory.mktemp("keyed-bare"), tiny_onnx_dir, service)


def test_forged_forwarded_for_does_not_get_past_the_limit(open_bare: Server) -> None:
    statuses = []
    for i in range(6):
        forged = {"X-Forwarded-For": f"10.0.0.{i}", "X-Real-IP": f"10.0.1.{i}", "Forwarded": f"for=10.0.2.{i}"}
        statuses.append(httpx.get(f"{open_bare.url}/v1/models", headers=forged).status_code)
    # 5 a minute per client address: the real peer (127.0.0.1) is one client whatever it claims.
    assert statuses == [200] * 5 + [429]


def test_proxy_headers_only_from_configured_proxies() -> None:
    default = uvicorn_options(load_settings().service)
    assert default["proxy_headers"] is False and default["forwarded_allow_ips"] == []
    behind = uvicorn_options(load_settings(None, {"service": {"forwarded_allow_ips": ["10.1.2.3"]}}).service)
    assert behind["proxy_headers"] is True and behind["forwarded_allow_ips"] == ["10.1.2.3"]


def _connect(server: Server) -> socket.socket:
    parts = urlsplit(server.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


def test_slow_headers_are_cut_off(open_bare: Server) -> None:
    port = urlsplit(open_bare.url).port
    with _connect(open_bare) as fast:  # a whole request at once is served
        fast.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        assert fast.recv(4096).startswith(b"HTTP/1.1 200")
    with _connect(open_bare) as slow:
        slow.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
        slow.settimeout(0.25)
        received = b""
        # One more header line every 0.25 s for up to 15 s: far beyond the server's 1 s header timeout.
        for i in range(60):
            try:
                slow.sendall(f"X-Slow-{i}: x\r\n".encode())
                received = slow.recv(4096)
                break  # an answer (or the close) before the headers ended
            except TimeoutError:
                continue
            except OSError:  # reset after the close
                break
        else:
            pytest.fail("the server waited 15 s for headers")
    assert received == b"" or received.startswith(b"HTTP/1.1 408"), received[:200]


def test_wrong_keys_are_limited_per_address(keyed_bare: Server) -> None:
    url = f"{keyed_bare.url}/v1/models"
    wrong = [httpx.get(url, headers={"Authorization": f"Bearer wrong-{i}"}).status_code for i in range(3)]
    assert wrong == [401, 401, 401]
    blocked = httpx.get(url, headers={"Authorization": "Bearer wrong-3"})
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "too_many_failed_attempts"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    # Past the limit even a right key waits: guessing cannot go on at speed from this address.
    assert httpx.get(url, headers={"Authorization": f"Bearer {KEYS[0]}"}).status_code == 429


def test_short_keys_are_refused_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_API_KEYS", raising=False)
    monkeypatch.delenv("RAG_ADMIN_KEYS", raising=False)
    home = {"home": "/nonexistent/rag-short-keys"}
    with pytest.raises(InputError, match="shorter than 16") as exc:
        create_app(Pipeline(load_settings(None, {**home, "service": {"api_keys": ["k1"]}})))
    assert "k1" not in str(exc.value)
    with pytest.raises(InputError):
        create_app(Pipeline(load_settings(None, {**home, "service": {"admin_keys": ["short-admin"]}})))
    monkeypatch.setenv("RAG_API_KEYS", "k1")
    result = CliRunner().invoke(cli_app, ["serve", "--host", "127.0.0.1", "--port", "1"])
    assert result.exit_code != 0
    assert "shorter than 16 characters" in result.output and "Traceback" not in result.output


def test_bracketed_ipv6_hosts_are_bound_without_brackets() -> None:
    assert bind_host("[::1]") == "::1"
    assert bind_host(" 127.0.0.1 ") == "127.0.0.1"
    assert bind_host("::1") == "::1"


def _ipv6_loopback_port() -> int | None:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
            return s.getsockname()[1]
    except OSError:
        return None


@pytest.mark.slow
def test_serve_binds_ipv6_loopback(tmp_path: Path, tiny_onnx_dir: Path) -> None:
    port = _ipv6_loopback_port()
    if port is None:
        pytest.skip("this machine has no IPv6 loopback")
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "home": str(tmp_path / "home"),
                "corpus": str(tmp_path / "no-corpus"),
                "index": {"dir": str(tmp_path / "home" / "index")},
                "embedder": {"model": str(tiny_onnx_dir), "query_prompt": "", "passage_prompt": ""},
            }
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEYS", "RAG_ADMIN_KEYS")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    command = [sys.executable, "-m", "rag.cli", "serve", "--host", "[::1]", "--port", str(port)]
    command += ["--config", str(config)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                r = httpx.get(f"http://[::1]:{port}/healthz", timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start: {proc.stderr.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.2)
        assert r.status_code == 200, r.text  # the Host [::1]:port is a loopback name
        assert httpx.get(f"http://[::1]:{port}/v1/models", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)
