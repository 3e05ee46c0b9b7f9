"""Streaming a blocking, callback-driven generation (llama.cpp, transformers) as an iterator of pieces."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from rag.errors import ModelError


def threaded_stream(run: Callable[[Callable[[str], bool], threading.Event], None]) -> Iterator[str]:
    """Turn a blocking, callback-driven generation into an iterator of pieces.

    ``run(emit, stop)`` runs in a thread; it calls ``emit(piece)`` for every piece (``emit`` returns
    True once the reader has left, so the model may stop) and should also watch ``stop``. An
    exception in ``run`` is raised in the reader as a ``ModelError``.
    """
    pieces: queue.Queue[object] = queue.Queue()
    stop = threading.Event()
    done = object()
    errors: list[BaseException] = []

    def emit(piece: str) -> bool:
        if piece:
            pieces.put(piece)
        return stop.is_set()

    def body() -> None:
        try:
            run(emit, stop)
        except BaseException as exc:  # re-raised in the reader's thread below
            errors.append(exc)
        finally:
            pieces.put(done)

    thread = threading.Thread(target=body, name="rag-generate", daemon=True)
    thread.start()
    try:
        while (item := pieces.get()) is not done:
            yield str(item)
    finally:
        stop.set()
        thread.join()
    if errors:
        raise ModelError(f"generation failed: {errors[0]}") from errors[0]
