"""The loopback checks: an operator's host (resolved) and a request's Host name (never resolved)."""

from __future__ import annotations

import pytest

from rag.netaddr import is_loopback, is_loopback_name


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "8.8.8.8", "no-such-host.invalid"])
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback(host)


def test_loopback_names_are_literals() -> None:
    assert all(is_loopback_name(n) for n in ("localhost", "127.0.0.1", "127.8.9.10", "::1"))
    # No DNS: a name that resolves to loopback is exactly what a rebinding attacker controls.
    assert not any(is_loopback_name(n) for n in ("evil.example", "0.0.0.0", "10.0.0.1", "localhost.example"))
