"""Request body size limits, enforced before a body is parsed or buffered.

A declared ``Content-Length`` over the limit is refused at once; a chunked body is counted as it
arrives and refused when it crosses the limit, so a client cannot make the server hold a huge body.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import APIError, error_response


def _too_large(limit: int) -> APIError:
    return APIError(413, f"the request body is larger than the limit of {limit} bytes", code="request_too_large")


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``limit_for(path)`` bytes with 413.

    Args:
        app: The wrapped ASGI app.
        limit_for: The byte limit for a request path (uploads get a larger one than JSON calls).
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await error_response(400, "invalid Content-Length header", "invalid_request")(scope, receive, send)
                return
            if size > limit:
                exc = _too_large(limit)
                await error_response(413, exc.detail, exc.code)(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside body parsing: FastAPI re-raises HTTPExceptions, the handler answers 413.
                    raise _too_large(limit)
            return message

        await self.app(scope, counting_receive, send)
