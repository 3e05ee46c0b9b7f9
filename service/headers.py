"""Security headers on every response: CSP, ``X-Frame-Options: DENY``, ``nosniff``, no referrer.

The page at ``/`` keeps its script and style inline; its CSP allows exactly those (by SHA-256 of their
text, computed from the page when it is served) and fetches to its own origin, nothing else. API
responses are data: their CSP allows nothing at all.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def _hashes(pattern: re.Pattern[str], html: str) -> str:
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1).encode('utf-8')).digest()).decode()}'"
        for m in pattern.finditer(html)
    )


def page_csp(html: str, sources: str = "") -> str:
    """A CSP allowing the page's own inline scripts and styles (by hash), fetches to itself, no framing.

    Args:
        html: The page.
        sources: Extra script/style sources (the CDN of the optional ``/docs`` page), space-separated.

    Returns:
        The ``Content-Security-Policy`` value.
    """
    scripts = " ".join(x for x in (_hashes(_INLINE_SCRIPT, html), sources) if x) or "'none'"
    styles = " ".join(x for x in (_hashes(_INLINE_STYLE, html), sources) if x) or "'none'"
    return (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (a route's own CSP is kept).

    Args:
        app: The wrapped ASGI app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", API_CSP)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)
