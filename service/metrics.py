"""Prometheus metrics: requests, latency per route and per pipeline stage, answers, index size.

Each app gets its own ``CollectorRegistry`` so several apps (tests) can live in one process without
"duplicated timeseries" errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Answers take ~0.05 s (warm, extractive) to several seconds (generative, cold): buckets span both.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The service's metrics in a private registry.

    Args:
        counts: Called at scrape time for the index size (``{"documents": n, "chunks": n}``).
    """

    def __init__(self, counts: Callable[[], dict[str, int] | None]) -> None:
        self.registry = CollectorRegistry()
        self._counts = counts
        self.requests = Counter(
            "rag_http_requests",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "rag_http_request_seconds",
            "Time to the response start, by route",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stages = Histogram(
            "rag_stage_seconds",
            "Pipeline stage durations (Answer.timings)",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter("rag_answers", "Answers given, by abstention", ["abstained"], registry=self.registry)
        self.uploads = Counter("rag_uploads", "Uploaded documents by outcome", ["status"], registry=self.registry)
        self.index_docs = Gauge("rag_index_documents", "Documents in the index", registry=self.registry)
        self.index_chunks = Gauge("rag_index_chunks", "Chunks in the index", registry=self.registry)

    def observe_answer(self, timings: dict[str, float], abstained: bool) -> None:
        """Record one answer's stage timings.

        Args:
            timings: Seconds per stage (``Answer.timings``).
            abstained: Whether the answer abstained.
        """
        for stage, seconds in timings.items():
            self.stages.labels(stage).observe(seconds)
        self.answers.labels(str(abstained).lower()).inc()

    def render(self) -> bytes:
        """The exposition text, with the index size read now."""
        try:
            counts = self._counts()
        except Exception:  # the index may still be loading; the other metrics are still useful
            counts = None
        if counts is not None:
            self.index_docs.set(counts["documents"])
            self.index_chunks.set(counts["chunks"])
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts requests and times them per route template (not raw path: ids would explode cardinality).

    Args:
        app: The wrapped ASGI app.
        metrics: Where to record.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                self.metrics.latency.labels(_route(scope)).observe(time.perf_counter() - start)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.requests.labels(_route(scope), scope["method"], str(status["code"])).inc()


def _route(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
