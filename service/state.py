"""What every route shares: the one pipeline, the service config, readiness and metrics.

The pipeline loads in a background thread at startup (building the index of the configured corpus when
it is empty, which takes minutes on the real model), so ``/healthz`` answers at once and ``/readyz``
says when questions can be answered. Questions before that get 503 with ``Retry-After``.

Ready means retrieval is: the index is open and throwaway questions have gone through retrieval and
the extractive answerer. A generative answerer (a local LLM takes seconds to load, minutes on a busy
CPU) then loads in a thread of its own; ``/readyz`` reports it as ``answerer``, and a question asked
meanwhile waits for it (or gets the model's load error).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from rag.config import ServiceConfig
from rag.pipeline import Pipeline
from service.errors import APIError
from service.metrics import Metrics
from service.writes import WriteQueue, WriteQueueFull

log = logging.getLogger("service")

WARM_UP = ("昌都搬迁了多少人?", "How many people were relocated?")


@dataclass
class ServiceState:
    """Shared by the routes (kept on ``app.state.service``).

    Attributes:
        pipeline: The one façade over the index.
        config: The ``service`` section of the settings.
        metrics: Prometheus metrics.
        ready: Set once the index is open and retrieval warmed up.
        load_error: Why loading failed, when it did.
        answerer_loaded: Set once the configured answerer is loaded, or failed to load.
        answerer_error: Why the answerer failed to load, when it did.
        writes: The one queue every upload and delete goes through (``write``).
    """

    pipeline: Pipeline
    config: ServiceConfig
    metrics: Metrics
    ready: threading.Event = field(default_factory=threading.Event)
    load_error: str | None = None
    writes: WriteQueue | None = None
    answerer_loaded: threading.Event = field(default_factory=threading.Event)
    answerer_error: str | None = None

    def __post_init__(self) -> None:
        if self.writes is None:
            self.writes = WriteQueue(self.config.write_queue_size)

    async def write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a write on the writer thread and wait for it without holding a request thread.

        Raises:
            APIError: 429 with ``Retry-After`` when the write queue is full.
        """
        try:
            future = self.writes.submit(fn, *args, **kwargs)
        except WriteQueueFull as exc:  # filled since the gate let the request in (service.writes)
            raise APIError(
                429,
                f"the index is busy: {self.writes.size} writes are waiting; retry in {exc.retry_after} s",
                code="index_busy",
                headers={"Retry-After": str(exc.retry_after)},
            ) from None
        return await asyncio.wrap_future(future)

    def load(self) -> None:
        """Open (or build) the index and warm up retrieval, then load the answerer in a thread of its own.

        Records failure instead of raising.
        """
        try:
            self.pipeline.ensure_index()
            # Throwaway questions load what is otherwise loaded on first use (the segmenter, the English
            # lexicon: seconds each) so the first users do not pay, nor build them several times at once.
            # Only retrieval and the extractive answerer: a generative model's answers take seconds each.
            self.pipeline.warm_up(WARM_UP)
            self.ready.set()
            log.info("ready: %s", self.counts())
        except Exception as exc:  # reported by /readyz and every question; the process stays up for it
            log.exception("loading the pipeline failed")
            self.load_error = str(exc) or type(exc).__name__
            return
        threading.Thread(target=self.load_answerer, name="rag-load-answerer", daemon=True).start()

    def load_answerer(self) -> None:
        """Load the configured answerer; records failure (a question retries the load and reports it)."""
        try:
            _ = self.pipeline.answerer
            log.info("answerer loaded: %s", self.pipeline.settings.answerer.backend)
        except Exception as exc:
            log.exception("loading the answerer failed")
            self.answerer_error = str(exc) or type(exc).__name__
        finally:
            self.answerer_loaded.set()

    def answerer_status(self) -> str:
        """``ready``, ``loading`` or ``failed: <why>`` (for ``/readyz``)."""
        if self.pipeline.answerer_loaded:
            return "ready"
        if self.answerer_error:
            return f"failed: {self.answerer_error}"
        return "loading"

    def start_loading(self) -> threading.Thread:
        """Run :meth:`load` in a daemon thread and return it."""
        thread = threading.Thread(target=self.load, name="rag-load", daemon=True)
        thread.start()
        return thread

    def counts(self) -> dict[str, int]:
        """Documents and chunks in the index."""
        return self.pipeline.counts()

    def title_of(self, doc_id: str) -> str:
        """A document's title (its id when it was deleted since it was cited)."""
        try:
            return self.pipeline.document(doc_id).title
        except Exception:  # a concurrent delete must not break an answer already computed
            return doc_id

    def require_ready(self) -> None:
        """Raise 503 unless questions and uploads can be served now.

        Raises:
            APIError: 503 while loading (with ``Retry-After``) or after a failed load.
        """
        if self.ready.is_set():
            return
        if self.load_error:
            raise APIError(503, f"the index could not be loaded: {self.load_error}", code="index_unavailable")
        raise APIError(503, "the index is still loading; retry shortly", code="loading", headers={"Retry-After": "5"})


def get_state(request: Request) -> ServiceState:
    """FastAPI dependency: the service state."""
    return request.app.state.service


def ready_state(request: Request) -> ServiceState:
    """FastAPI dependency: the service state, once ready (503 before)."""
    state: ServiceState = request.app.state.service
    state.require_ready()
    return state


# Route parameter types: ``state: Ready`` waits for readiness (503 before), ``state: State`` does not.
Ready = Annotated[ServiceState, Depends(ready_state)]
State = Annotated[ServiceState, Depends(get_state)]
