"""Writes (uploads, replacements, deletes) through one bounded queue served by one writer thread.

Writes are serialised by the index anyway; run from the request thread pool, each one waiting for the
index's write lock holds a pool thread, and 80 concurrent uploads left none for questions (a cached
answer took 23 s). Here a write costs the request no thread at all while it waits: the route awaits a
future, the one writer thread parses and ingests, and questions keep the whole pool and read the current
snapshot, never the write lock. When ``size`` writes are already waiting, a new one is refused at once
(429 with ``Retry-After``) instead of piling up memory and latency.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from service.errors import error_response

log = logging.getLogger("service")


class WriteQueueFull(Exception):
    """Too many writes are waiting; ``retry_after`` is a guess, in seconds, at when one is free."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"{retry_after}")
        self.retry_after = retry_after


class WriteQueue:
    """A bounded queue of write calls run in order by one thread (started on the first write).

    Args:
        size: How many writes may wait (the one running is not counted).
        name: The writer thread's name.
    """

    def __init__(self, size: int, name: str = "rag-writer") -> None:
        self.size = size
        self._queue: queue.Queue[tuple[Future, Callable[..., Any], tuple, dict] | None] = queue.Queue(maxsize=size)
        self._name = name
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._seconds: deque[float] = deque(maxlen=20)  # recent write durations, for Retry-After
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)`` for the writer thread.

        Returns:
            A future with its result (or exception).

        Raises:
            WriteQueueFull: ``size`` writes are already waiting.
            RuntimeError: The queue was closed.
        """
        if self._closed:
            raise RuntimeError("the write queue is closed")
        self._ensure_thread()
        future: Future = Future()
        try:
            self._queue.put_nowait((future, fn, args, kwargs))
        except queue.Full:
            raise WriteQueueFull(self.retry_after()) from None
        return future

    def pending(self) -> int:
        """Writes waiting (not counting the one running)."""
        return self._queue.qsize()

    def full(self) -> bool:
        """Whether a write submitted now would be refused."""
        return self._queue.full()

    def retry_after(self) -> int:
        """Seconds until a place in the queue is likely free: the recent mean write time.

        Not the time the whole backlog takes: told that, refused clients come back after the queue has
        drained and the writer idles meanwhile (80 concurrent uploads took 182 s instead of ~40 s).
        """
        mean = sum(self._seconds) / len(self._seconds) if self._seconds else 1.0
        return min(60, max(1, math.ceil(mean)))

    def close(self, timeout: float = 10.0) -> None:
        """Refuse new writes, let the queued ones finish (up to ``timeout`` s) and stop the thread."""
        self._closed = True
        thread = self._thread
        if thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.warning("the writer did not drain its queue in %s s", timeout)
            return
        thread.join(timeout)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():  # the client went away before its turn
                continue
            start = time.perf_counter()
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the waiting request, which turns it into a response
                future.set_exception(exc)
            finally:
                self._seconds.append(time.perf_counter() - start)


def busy_response(queue: WriteQueue, retry_after: int):
    """The 429 a write gets while the queue is full."""
    return error_response(
        429,
        f"the index is busy: {queue.size} writes are waiting; retry in {retry_after} s",
        code="index_busy",
        headers={"Retry-After": str(retry_after)},
    )


class WriteGateMiddleware:
    """Refuse a write while the queue is full before its body is read (an upload is parsed before
    the route runs: a refused 20 MB upload would otherwise be received and parsed for nothing).

    Args:
        app: The wrapped ASGI app.
        queue: A callable returning the write queue (looked up per request: tests swap it).
        prefix: The path of the document writes.
    """

    def __init__(self, app: ASGIApp, queue: Callable[[], WriteQueue], prefix: str = "/v1/documents") -> None:
        self.app = app
        self.queue = queue
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "DELETE") and scope["path"].startswith(self.prefix):
            queue = self.queue()
            if queue.full():
                await busy_response(queue, queue.retry_after())(scope, receive, send)
                return
        await self.app(scope, receive, send)
