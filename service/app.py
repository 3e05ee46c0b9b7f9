"""The FastAPI app factory: one pipeline, the routes, errors in OpenAI's shape, keys and limits.

Middleware order, outermost first: metrics → security headers → Host/Origin check → CORS → auth and
rate limit (``/v1``) → write gate (429 while the write queue is full) → body size limit → routes. Auth
runs before any body is read, so a caller without a key learns nothing else; the Host/Origin check runs
before CORS, so another site's page is refused (403) even on a simple request that needs no preflight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from rag.config import Settings, load_settings
from rag.pipeline import Pipeline
from service.errors import install_error_handlers
from service.headers import SecurityHeadersMiddleware, page_csp
from service.limits import BodyLimitMiddleware
from service.metrics import Metrics, MetricsMiddleware
from service.origins import HostOriginMiddleware
from service.routes import chat, documents, ops
from service.security import ENV_ADMIN_KEYS, AuthMiddleware, KeyRing, RateLimiter, check_key_lengths, resolve_keys
from service.state import ServiceState
from service.writes import WriteGateMiddleware

# Where FastAPI's Swagger page loads its script and style from (only with ``service.docs``).
_DOCS_CDN = "https://cdn.jsdelivr.net"

# Multipart framing around an uploaded file (boundaries, part headers) on top of the file limit.
_MULTIPART_SLACK = 64 * 1024

DESCRIPTION = """Cited answers from Chinese documents.

`POST /v1/chat/completions` is OpenAI-compatible (point an OpenAI client's `base_url` at `/v1`); answers
carry `[n]` markers and a `citations` array. When API keys are configured, every `/v1` call needs
`Authorization: Bearer <key>`. Errors use OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
"""


def create_app(
    pipeline: Pipeline | None = None,
    settings: Settings | None = None,
    config: str | Path | None = None,
    load_in_background: bool = True,
) -> FastAPI:
    """Build the application.

    Args:
        pipeline: The pipeline to serve (tests pass one on a tiny model); built from the settings when None.
        settings: Settings to use when no pipeline is given (else the pipeline's own).
        config: A YAML config file, read when neither ``pipeline`` nor ``settings`` is given.
        load_in_background: Open the index in a thread at startup (``/readyz`` says when done); when False
            it is loaded before the app starts serving.

    Returns:
        The FastAPI app; its ``state.service`` holds the shared :class:`ServiceState`.

    Raises:
        InputError: An API key is shorter than ``service.min_key_chars``.
    """
    if pipeline is None:
        pipeline = Pipeline(settings or load_settings(config))
    cfg = pipeline.settings.service
    api_keys, admin_keys = resolve_keys(cfg.api_keys), resolve_keys(cfg.admin_keys, variable=ENV_ADMIN_KEYS)
    check_key_lengths(api_keys + admin_keys, cfg.min_key_chars)
    # Index size is read at scrape time, and only once loaded: before that the index is being opened.
    # (``state`` is looked up when the lambda runs, by which time it is assigned.)
    metrics = Metrics(lambda: state.counts() if state.ready.is_set() else None)
    state = ServiceState(pipeline=pipeline, config=cfg, metrics=metrics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if load_in_background:
            state.start_loading()
        else:
            state.load()
        yield
        state.writes.close()

    # FastAPI's own /docs and /redoc load their scripts from a CDN (unpinned, and not at all offline).
    app = FastAPI(
        title="rag-zh", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.service = state
    install_error_handlers(app)
    app.include_router(ops.router)
    app.include_router(chat.router)
    app.include_router(documents.router)
    if cfg.docs:

        @app.get("/docs", include_in_schema=False)
        async def docs() -> HTMLResponse:
            page = get_swagger_ui_html(openapi_url=app.openapi_url, title="rag-zh API")
            html = page.body.decode("utf-8")
            return HTMLResponse(html, headers={"Content-Security-Policy": page_csp(html, _DOCS_CDN)})

    upload_limit = cfg.max_upload_bytes + _MULTIPART_SLACK

    def limit_for(path: str) -> int:
        return upload_limit if path.rstrip("/") == "/v1/documents" else cfg.max_request_bytes

    # add_middleware wraps: the last added is outermost.
    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for)
    app.add_middleware(WriteGateMiddleware, queue=lambda: state.writes)
    keys = KeyRing(api_keys, admin_keys)
    limiter, failures = RateLimiter(cfg.requests_per_minute), RateLimiter(cfg.failed_auth_per_minute)
    app.add_middleware(AuthMiddleware, keys=keys, limiter=limiter, failures=failures)
    if cfg.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=cfg.cors_origins, allow_methods=["*"], allow_headers=["*"], max_age=600
        )
    app.add_middleware(
        HostOriginMiddleware,
        allowed_hosts=cfg.allowed_hosts,
        cors_origins=cfg.cors_origins,
        check_host=not keys.enabled or bool(cfg.allowed_hosts),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
