"""Which requests the server answers at all: the ``Host`` they are addressed to and the page they come from.

A keyless server on loopback is reachable by any web page the user opens: a page can POST a multipart
form to ``http://127.0.0.1:8000`` without a CORS preflight, and by DNS rebinding (its own name made to
resolve to 127.0.0.1) it can even read the answers. Two checks stop both:

* ``Host`` must name this server: a loopback name or address with the bound port, or one of
  ``service.allowed_hosts``. A rebound page sends its own name (``Host: evil.example``): 421.
* ``Origin``, when a browser sends one, must be the server's own origin (the page at ``/``) or one of
  ``service.cors_origins``: another site's page gets 403. Browsers send ``Origin`` on every cross-origin
  request and on same-origin POSTs, so the page keeps working; clients that are not browsers send none.

With API keys the ``Host`` check applies only when ``allowed_hosts`` is set (a key already stops a
rebound page, which cannot know it), the ``Origin`` check always.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.netaddr import is_loopback_name
from service.errors import error_response

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def split_host(value: str, scheme: str = "http") -> tuple[str, int | None] | None:
    """A ``Host`` header (``name``, ``name:port``, ``[::1]:port``) as (lower-case name, port).

    Args:
        value: The header value.
        scheme: The request's scheme (the port when the header names none).

    Returns:
        ``(name, port)`` (IPv6 without brackets), or None when the value is malformed.
    """
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:]
    else:
        name, _, port_text = value.partition(":")
        if ":" in port_text:
            return None
    name = name.rstrip(".")
    if not name:
        return None
    if not port_text:
        return name, _DEFAULT_PORTS.get(scheme)
    if not port_text.isdigit():
        return None
    return name, int(port_text)


class HostOriginMiddleware:
    """Refuse requests addressed to another host name (421) or sent by another site's page (403).

    Args:
        app: The wrapped ASGI app.
        allowed_hosts: ``service.allowed_hosts``: names (any port), ``name:port``, or ``*`` for any.
        cors_origins: ``service.cors_origins``: other origins whose pages may call the API.
        check_host: Whether the ``Host`` check applies (without keys always; with keys when
            ``allowed_hosts`` is set).
    """

    def __init__(self, app: ASGIApp, allowed_hosts: list[str], cors_origins: list[str], check_host: bool) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.check_host = check_host and not self.any_host
        self.names: set[str] = set()  # any port
        self.name_ports: set[tuple[str, int]] = set()
        for entry in allowed_hosts:
            parsed = split_host(entry, scheme="") if entry.strip() not in ("", "*") else None
            if parsed is not None:
                name, port = parsed
                if port is None:
                    self.names.add(name)
                else:
                    self.name_ports.add((name, port))
        self.any_origin = "*" in cors_origins
        self.origins = {o.strip().rstrip("/").lower() for o in cors_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        scheme = scope.get("scheme", "http")
        host = split_host(headers.get("host", ""), scheme)
        if self.check_host and not self.host_allowed(host, scope):
            shown = headers.get("host", "")[:100] or "(none)"
            response = error_response(
                421,
                f"this server does not answer requests for host {shown!r}: add it to service.allowed_hosts",
                code="host_not_allowed",
            )
            await response(scope, receive, send)
            return
        origin = headers.get("origin")
        if origin is not None and not self.origin_allowed(origin, host, scheme):
            response = error_response(
                403,
                f"requests from pages of {origin[:100]!r} are not allowed: add the origin to service.cors_origins",
                code="origin_not_allowed",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def host_allowed(self, host: tuple[str, int | None] | None, scope: Scope) -> bool:
        """Whether the parsed ``Host`` names this server."""
        if host is None:
            return False
        name, port = host
        if name in self.names or host in self.name_ports:
            return True
        server = scope.get("server")
        bound = server[1] if server and len(server) > 1 else None
        return is_loopback_name(name) and (bound is None or port == bound)

    def origin_allowed(self, origin: str, host: tuple[str, int | None] | None, scheme: str) -> bool:
        """Whether a browser's ``Origin`` is this server's own (scheme, host and port) or a configured one."""
        normalized = origin.strip().rstrip("/").lower()
        if self.any_origin or normalized in self.origins:
            return True
        if host is None:
            return False
        try:
            parts = urlsplit(normalized)
            origin_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        except ValueError:  # "null", or a malformed port
            return False
        return parts.scheme == scheme and parts.hostname == host[0] and origin_port == host[1]
