"""API keys, per-key request rates and failed-key limits (the loopback rule: ``rag.netaddr``).

Keys come from ``service.api_keys`` in the config plus ``RAG_API_KEYS`` (comma-separated); admin keys
from ``service.admin_keys`` plus ``RAG_ADMIN_KEYS``. They are compared as SHA-256 digests with
``hmac.compare_digest`` against every configured key, so neither the position of the first wrong
character nor the key's length shows in the response time. A caller is known by its key's digest prefix
(never the key), or as ``local`` without keys: that is who owns the documents it uploads.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import threading
import time
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.errors import InputError
from service.errors import error_response

ENV_KEYS = "RAG_API_KEYS"
ENV_ADMIN_KEYS = "RAG_ADMIN_KEYS"
LOCAL_OWNER = "local"  # who uploads when no keys are configured (anyone on this machine)


def resolve_keys(configured: list[str], environ: dict[str, str] | None = None, variable: str = ENV_KEYS) -> list[str]:
    """The API keys in force: the configured ones plus those in the environment variable.

    Args:
        configured: ``service.api_keys`` (or ``admin_keys``) from the config.
        environ: The environment (``os.environ`` when None).
        variable: The variable holding more keys, comma-separated.

    Returns:
        Distinct non-empty keys, configured first.
    """
    env = os.environ if environ is None else environ
    extra = [k.strip() for k in env.get(variable, "").split(",")]
    return list(dict.fromkeys(k for k in [*configured, *extra] if k and k.strip()))


def check_key_lengths(keys: list[str], min_chars: int) -> None:
    """Refuse keys short enough to guess (the message never shows the key).

    Args:
        keys: The keys in force.
        min_chars: ``service.min_key_chars``.

    Raises:
        InputError: A key is shorter than ``min_chars``.
    """
    short = [k for k in keys if len(k.strip()) < min_chars]
    if short:
        raise InputError(
            f"{len(short)} API key(s) shorter than {min_chars} characters (service.min_key_chars): use long random "
            "keys, e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))'"
        )


@dataclass(frozen=True)
class Principal:
    """Who makes a request: the owner recorded on what it uploads, and whether it is an admin."""

    owner: str
    admin: bool = False


class KeyRing:
    """Checks ``Authorization: Bearer`` headers against the configured keys.

    Args:
        keys: The accepted keys; empty (with no admin keys) means authentication is off (loopback only).
        admin_keys: Keys that are also accepted, as admins.
    """

    def __init__(self, keys: list[str], admin_keys: list[str] | None = None) -> None:
        admins = list(admin_keys or [])
        self._digests = [hashlib.sha256(k.encode("utf-8")).digest() for k in [*keys, *admins]]
        self._admins = {hashlib.sha256(k.encode("utf-8")).hexdigest()[:12] for k in admins}

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def is_admin(self, identity: str) -> bool:
        """Whether the key of this identity (from :meth:`identify`) is an admin key."""
        return identity in self._admins

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

    def blocked(self, identity: str) -> float | None:
        """The seconds until ``identity`` has a request again (None: it has one now); takes nothing."""
        if self.per_minute <= 0:
            return None
        rate = self.per_minute / 60.0
        with self._lock:
            bucket = self._buckets.get(identity)
            if bucket is None:
                return None
            tokens = min(float(self.per_minute), bucket.tokens + (self._clock() - bucket.stamp) * rate)
        return None if tokens >= 1.0 else (1.0 - tokens) / rate

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


def client_address(scope: Scope) -> str:
    """The peer's address (a proxy's X-Forwarded-For counts only when ``forwarded_allow_ips`` trusts it)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def _too_many(message: str, code: str, wait: float) -> JSONResponse:
    seconds = max(1, math.ceil(wait))
    return error_response(429, f"{message}; retry in {seconds} s", code=code, headers={"Retry-After": str(seconds)})


class AuthMiddleware:
    """Checks the key, then the caller's request rate, on every ``/v1`` request.

    A middleware rather than a FastAPI dependency so that it runs before the body is read or
    validated: an unauthenticated caller learns nothing about its request, not even that the JSON
    was malformed, and a caller over its rate costs no parsing. Wrong keys are counted per client
    address: past ``failures.per_minute`` a minute that address gets 429, even with a right key,
    so keys cannot be guessed at speed. The caller (:class:`Principal`) is left in ``scope["state"]``.

    Args:
        app: The wrapped ASGI app.
        keys: The accepted keys (off when empty).
        limiter: The per-identity rate limiter.
        failures: The per-address limiter of wrong keys (default: off).
        prefix: The protected path prefix.
    """

    def __init__(
        self,
        app: ASGIApp,
        keys: KeyRing,
        limiter: RateLimiter,
        failures: RateLimiter | None = None,
        prefix: str = "/v1/",
    ) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.failures = failures or RateLimiter(0)
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
            scope: The request's ASGI scope (its ``state`` gets the ``principal``).

        Returns:
            401 without a valid key, 429 (with ``Retry-After``) over the rate or after too many
            wrong keys, else None.
        """
        address = client_address(scope)
        if self.keys.enabled:
            wait = self.failures.blocked(address)
            if wait is not None:
                return _too_many(
                    f"too many requests with a wrong API key from {address}", "too_many_failed_attempts", wait
                )
            headers = Headers(scope=scope)
            identity = self.keys.identify(headers.get("authorization"))
            if identity is None:
                self.failures.acquire(address)
                return error_response(
                    401,
                    "missing or invalid API key: send 'Authorization: Bearer <key>'",
                    code="invalid_api_key",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            principal = Principal(f"key:{identity}", self.keys.is_admin(identity))
        else:
            identity = f"addr:{address}"
            principal = Principal(LOCAL_OWNER)
        wait = self.limiter.acquire(identity)
        if wait is not None:
            return _too_many(
                f"too many requests: the limit is {self.limiter.per_minute} a minute", "rate_limit_exceeded", wait
            )
        scope.setdefault("state", {})["principal"] = principal
        return None
