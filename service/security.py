"""API keys, per-key request rates and the loopback rule.

Keys come from ``service.api_keys`` in the config plus ``RAG_API_KEYS`` (comma-separated). They are
compared as SHA-256 digests with ``hmac.compare_digest`` against every configured key, so neither the
position of the first wrong character nor the key's length shows in the response time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import os
import socket
import threading
import time
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.errors import error_response

ENV_KEYS = "RAG_API_KEYS"


def resolve_keys(configured: list[str], environ: dict[str, str] | None = None) -> list[str]:
    """The API keys in force: the configured ones plus those in ``RAG_API_KEYS``.

    Args:
        configured: ``service.api_keys`` from the config.
        environ: The environment (``os.environ`` when None).

    Returns:
        Distinct non-empty keys, configured first.
    """
    env = os.environ if environ is None else environ
    extra = [k.strip() for k in env.get(ENV_KEYS, "").split(",")]
    return list(dict.fromkeys(k for k in [*configured, *extra] if k and k.strip()))


def is_loopback(host: str) -> bool:
    """True when ``host`` names only loopback addresses (``127.0.0.1``, ``::1``, ``localhost``).

    Args:
        host: A host name or address as given to ``--host``.

    Returns:
        False for wildcard or routable addresses and for names that do not resolve.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


class KeyRing:
    """Checks ``Authorization: Bearer`` headers against the configured keys.

    Args:
        keys: The accepted keys; empty means authentication is off (loopback only, see ``server``).
    """

    def __init__(self, keys: list[str]) -> None:
        self._digests = [hashlib.sha256(k.encode("utf-8")).digest() for k in keys]

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def identify(self, authorization: str | None) -> str | None:
        """The identity (a digest prefix, never the key) of a valid header, else None.

        Args:
            authorization: The ``Authorization`` header value.

        Returns:
            A short stable id of the matching key, or None.
        """
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        digest = hashlib.sha256(token.strip().encode("utf-8")).digest()
        match = None
        # No early exit: every key is compared so timing does not tell which one matched.
        for known in self._digests:
            if hmac.compare_digest(digest, known):
                match = known
        return match.hex()[:12] if match else None


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per identity: ``per_minute`` requests a minute, bursts up to ``per_minute``.

    Args:
        per_minute: Allowed requests per minute; 0 disables the limit.
        clock: Monotonic clock (tests pass a fake one).
    """

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, identity: str) -> float | None:
        """Take one request from ``identity``'s bucket.

        Args:
            identity: The key id (or client address).

        Returns:
            None when allowed, else the seconds to wait before the next request is allowed.
        """
        if self.per_minute <= 0:
            return None
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(identity)
            if bucket is None:
                bucket = self._buckets[identity] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / rate


class AuthMiddleware:
    """Checks the key, then the caller's request rate, on every ``/v1`` request.

    A middleware rather than a FastAPI dependency so that it runs before the body is read or
    validated: an unauthenticated caller learns nothing about its request, not even that the JSON
    was malformed, and a caller over its rate costs no parsing.

    Args:
        app: The wrapped ASGI app.
        keys: The accepted keys (off when empty).
        limiter: The per-identity rate limiter.
        prefix: The protected path prefix.
    """

    def __init__(self, app: ASGIApp, keys: KeyRing, limiter: RateLimiter, prefix: str = "/v1/") -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix) or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        response = self.check(scope)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> JSONResponse | None:
        """The error response for a refused request, or None when it may proceed.

        Args:
            scope: The request's ASGI scope.

        Returns:
            401 without a valid key, 429 (with ``Retry-After``) over the rate, else None.
        """
        if self.keys.enabled:
            headers = Headers(scope=scope)
            identity = self.keys.identify(headers.get("authorization"))
            if identity is None:
                return error_response(
                    401,
                    "missing or invalid API key: send 'Authorization: Bearer <key>'",
                    code="invalid_api_key",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        else:
            client = scope.get("client")
            identity = f"addr:{client[0] if client else 'unknown'}"
        wait = self.limiter.acquire(identity)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            return error_response(
                429,
                f"too many requests: the limit is {self.limiter.per_minute} a minute; retry in {seconds} s",
                code="rate_limit_exceeded",
                headers={"Retry-After": str(seconds)},
            )
        return None
