"""Operations and discovery: the web page, health, readiness, metrics and ``/v1/models``."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from service.errors import error_response
from service.headers import page_csp
from service.schemas import ModelCard, ModelList
from service.state import State

router = APIRouter()

_CREATED = 1735689600  # a fixed "created" for the one model: clients only display it


def page_html() -> str:
    """The web page (``service/static/index.html``, shipped as package data)."""
    return resources.files("service").joinpath("static/index.html").read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    """The chat page."""
    html = page_html()
    return HTMLResponse(html, headers={"Cache-Control": "no-cache", "Content-Security-Policy": page_csp(html)})


@router.get("/healthz", tags=["operations"])
async def healthz() -> dict:
    """The process is alive (says nothing about the index)."""
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"])
async def readyz(state: State) -> JSONResponse:
    """200 with the index size once questions can be answered; 503 while loading or after a failure."""
    if state.ready.is_set():
        counts = await run_in_threadpool(state.counts)
        return JSONResponse({"status": "ready", **counts, "answerer": state.answerer_status()})
    if state.load_error:
        return error_response(503, f"the index could not be loaded: {state.load_error}", "index_unavailable")
    return error_response(503, "the index is still loading", "loading", headers={"Retry-After": "5"})


@router.get("/metrics", tags=["operations"])
async def metrics(state: State) -> Response:
    """Prometheus exposition: requests, latency per route and stage, answers, index size."""
    body = await run_in_threadpool(state.metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/models", response_model=ModelList, tags=["questions"])
async def models(state: State) -> ModelList:
    """The one model this service answers as (any ``model`` in a request is accepted and echoed)."""
    return ModelList(data=[ModelCard(id=state.config.model_id, created=_CREATED)])
