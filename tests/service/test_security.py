"""Keys, rates, the bind rule, and the config section (no server needed)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from rag.cli import app as cli_app
from rag.config import REPO_ROOT, ServiceConfig, Settings, load_settings
from rag.errors import InputError
from service.routes.documents import check_upload_name
from service.security import KeyRing, RateLimiter, check_key_lengths, resolve_keys
from service.server import check_bind, serve


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_keys_come_from_config_and_environment() -> None:
    assert resolve_keys(["a", "b"], {}) == ["a", "b"]
    assert resolve_keys(["a"], {"RAG_API_KEYS": " b, ,a,c "}) == ["a", "b", "c"]
    assert resolve_keys([], {"RAG_API_KEYS": ""}) == []


def test_key_ring_accepts_only_bearer_with_a_known_key() -> None:
    ring = KeyRing(["secret-1", "secret-2"])
    assert ring.enabled
    ids = {ring.identify("Bearer secret-1"), ring.identify("bearer   secret-2")}
    assert None not in ids and len(ids) == 2
    assert all("secret" not in i for i in ids)  # the identity never holds the key itself
    for header in (None, "", "Bearer", "Bearer ", "Basic secret-1", "secret-1", "Bearer secret-11", "Bearer SECRET-1"):
        assert ring.identify(header) is None, header
    assert not KeyRing([]).enabled


def test_rate_limiter_allows_a_burst_then_refills() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock)
    assert limiter.acquire("k") is None
    assert limiter.acquire("k") is None
    wait = limiter.acquire("k")
    assert wait == pytest.approx(30.0)  # 2 a minute: one token every 30 s
    assert limiter.acquire("other") is None  # per identity
    clock.now += 30.0
    assert limiter.acquire("k") is None
    assert limiter.acquire("k") == pytest.approx(30.0)
    assert RateLimiter(0, clock=clock).acquire("k") is None  # 0 = off


def test_non_loopback_bind_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_API_KEYS", raising=False)
    with pytest.raises(InputError, match="RAG_API_KEYS"):
        check_bind("0.0.0.0", Settings())
    check_bind("127.0.0.1", Settings())
    check_bind("0.0.0.0", load_settings(None, {"service": {"api_keys": ["k"]}}))
    monkeypatch.setenv("RAG_API_KEYS", "from-env")
    check_bind("0.0.0.0", Settings())


def test_serve_refuses_before_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_API_KEYS", raising=False)
    with pytest.raises(InputError):
        serve(host="0.0.0.0", port=1)


def test_cli_serve_refusal_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_API_KEYS", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code != 0
    assert "without an API key" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["../a.txt", "a/b.txt", "..\\a.txt", "C:\\x\\a.txt", ".a.txt", "", "  ", "a\x00.txt"])
def test_upload_names_that_look_like_paths_are_refused(name: str) -> None:
    from service.errors import APIError

    with pytest.raises(APIError) as exc:
        check_upload_name(name)
    assert exc.value.status_code == 400


def test_upload_suffixes() -> None:
    from service.errors import APIError

    assert check_upload_name("报告 2020.PDF") == "报告 2020.PDF"
    for name in ("x.exe", "x", "x.txt.sh"):
        with pytest.raises(APIError) as exc:
            check_upload_name(name)
        assert exc.value.status_code == 415


def test_default_yaml_spells_out_the_service_defaults() -> None:
    data = yaml.safe_load((REPO_ROOT / "configs" / "default.yaml").read_text(encoding="utf-8"))
    assert data["service"] == ServiceConfig().model_dump()


def test_admin_keys_are_keys_and_admins() -> None:
    ring = KeyRing(["user-key-0123456789"], ["admin-key-0123456789"])
    user, admin = ring.identify("Bearer user-key-0123456789"), ring.identify("Bearer admin-key-0123456789")
    assert user and admin and user != admin
    assert ring.is_admin(admin) and not ring.is_admin(user)
    assert KeyRing([], ["admin-key-0123456789"]).enabled  # admin keys alone turn authentication on
    assert resolve_keys([], {"RAG_ADMIN_KEYS": "a1,a2"}, variable="RAG_ADMIN_KEYS") == ["a1", "a2"]


def test_blocked_peeks_without_taking() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock)
    assert limiter.blocked("addr") is None  # never seen
    limiter.acquire("addr")
    assert limiter.blocked("addr") is None  # one left, and peeking takes nothing
    limiter.acquire("addr")
    assert limiter.blocked("addr") == pytest.approx(30.0)
    clock.now += 30.0
    assert limiter.blocked("addr") is None


def test_key_length_check_names_no_key() -> None:
    check_key_lengths(["a" * 16], 16)
    with pytest.raises(InputError) as exc:
        check_key_lengths(["a" * 16, "tiny"], 16)
    assert "tiny" not in str(exc.value) and "1 API key(s)" in str(exc.value)
