"""The FastAPI app factory: one pipeline, the routes, errors in OpenAI's shape, keys and limits.

Middleware order, outermost first: metrics → CORS → auth and rate limit (``/v1``) → body size limit →
routes. Auth runs before any body is read, so a caller without a key learns nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from rag.config import Settings, load_settings
from rag.pipeline import Pipeline
from service.errors import install_error_handlers
from service.limits import BodyLimitMiddleware
from service.metrics import Metrics, MetricsMiddleware
from service.routes import chat, documents, ops
from service.security import AuthMiddleware, KeyRing, RateLimiter, resolve_keys
from service.state import ServiceState

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
    """
    if pipeline is None:
        pipeline = Pipeline(settings or load_settings(config))
    cfg = pipeline.settings.service
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

    app = FastAPI(title="rag-zh", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.service = state
    install_error_handlers(app)
    app.include_router(ops.router)
    app.include_router(chat.router)
    app.include_router(documents.router)

    upload_limit = cfg.max_upload_bytes + _MULTIPART_SLACK

    def limit_for(path: str) -> int:
        return upload_limit if path.rstrip("/") == "/v1/documents" else cfg.max_request_bytes

    # add_middleware wraps: the last added is outermost.
    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for)
    keys, limiter = KeyRing(resolve_keys(cfg.api_keys)), RateLimiter(cfg.requests_per_minute)
    app.add_middleware(AuthMiddleware, keys=keys, limiter=limiter)
    if cfg.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=cfg.cors_origins, allow_methods=["*"], allow_headers=["*"], max_age=600
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
