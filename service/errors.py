"""Errors in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``, never a stack trace.

OpenAI clients (the ``openai`` package, LangChain, Open WebUI) read ``error.message`` and raise
typed exceptions from the status code, so every failure path of the service ends here.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.config import ConfigError
from rag.errors import RagError

log = logging.getLogger("service")

# OpenAI's ``type`` per status; anything else 4xx is an invalid request.
_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error"}
# The ``code`` of an error raised without one (Starlette's own HTTPExceptions).
_DEFAULT_CODES = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
# The ``code`` of a RagError by its status, when the error class names none.
_RAG_CODES = {
    400: "invalid_input",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    503: "unavailable",
}


class APIError(StarletteHTTPException):
    """An error response with an OpenAI error body.

    It subclasses Starlette's ``HTTPException`` on purpose: FastAPI re-raises those unchanged while it
    parses a request body, so a limit hit inside body parsing keeps its status instead of becoming a 400.

    Args:
        status: The HTTP status.
        message: One readable line for the user.
        code: A stable machine-readable code (``invalid_api_key``, ``rate_limit_exceeded`` ...).
        param: The offending request field, when there is one.
        headers: Extra response headers (``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.param = param


def error_type(status: int) -> str:
    """OpenAI's error ``type`` for an HTTP status."""
    if status >= 500:
        return "server_error"
    return _TYPES.get(status, "invalid_request_error")


def error_body(status: int, message: str, code: str | None = None, param: str | None = None) -> dict:
    """The JSON body of an error response.

    Args:
        status: The HTTP status (selects ``type``).
        message: One readable line.
        code: Machine-readable code.
        param: The offending field.

    Returns:
        ``{"error": {"message", "type", "param", "code"}}``.
    """
    return {"error": {"message": message, "type": error_type(status), "param": param, "code": code}}


def error_response(
    status: int, message: str, code: str | None = None, param: str | None = None, headers: dict | None = None
) -> JSONResponse:
    """A JSONResponse holding :func:`error_body`."""
    return JSONResponse(error_body(status, message, code, param), status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[str, str, str | None]:
    """One line (message, code, param) for pydantic's list of validation errors."""
    errors = exc.errors()
    if not errors:
        return "the request is invalid", "invalid_request", None
    first = errors[0]
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", "invalid_json", None
    if tuple(first.get("loc", ())) == ("body",):
        # The whole body has the wrong shape (or was not sent as JSON at all).
        return "the request body must be a JSON object (Content-Type: application/json)", "invalid_json", None
    # Drop the "body" prefix FastAPI adds: clients know their fields as "messages.0.content".
    loc = [str(x) for x in first.get("loc", ()) if x != "body"]
    where = ".".join(loc)
    msg = first.get("msg", "invalid value").removeprefix("Value error, ")
    if first.get("type") == "missing":
        return f"missing field '{where}'", "missing_field", where or None
    return (f"{where}: {msg}" if where else msg), "invalid_value", where or None


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into an OpenAI-shaped JSON error.

    Args:
        app: The application.
    """

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own HTTPExceptions (a malformed multipart body, a 405) carry no code: name one.
        code = getattr(exc, "code", None) or _DEFAULT_CODES.get(exc.status_code) or error_type(exc.status_code)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and not isinstance(exc, APIError):
            message = "no such endpoint"
        return error_response(exc.status_code, message, code, getattr(exc, "param", None), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        # OpenAI answers 400 (not FastAPI's 422) for a malformed request; clients expect that.
        message, code, param = _validation_message(exc)
        return error_response(400, message, code, param)

    @app.exception_handler(RagError)
    async def _rag(_: Request, exc: RagError) -> JSONResponse:
        # The status comes from the error class (``http_status``): an over-limit InputError subclass
        # that says 413 is answered 413, a ConflictError 409, without a case here for each.
        status = exc.http_status
        code = getattr(exc, "code", None) or _RAG_CODES.get(status) or error_type(status)
        return error_response(status, str(exc), code)

    @app.exception_handler(ConfigError)
    async def _config(_: Request, exc: ConfigError) -> JSONResponse:
        return error_response(500, str(exc), "config_error")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the server log only; the client learns nothing about internals.
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal server error", "internal_error")
