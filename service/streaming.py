"""Server-sent events for ``stream: true``: ``chat.completion.chunk`` objects, then ``data: [DONE]``.

The pipeline's stream is a blocking iterator (retrieval, model calls), so each step runs in the
threadpool and the event loop stays free. The first step — validation and retrieval — runs before the
response starts, so a bad question or an unavailable index still gets a proper HTTP error status.

The last chunk carries ``finish_reason: "stop"``, the ``citations``, ``abstained``, ``related`` (passages
offered when abstaining, not claimed as support) and ``answer``: the grounded final
text. For the extractive answerer the streamed pieces already equal it; a generative answerer's
grounding may change the text, and clients that show citations (the web page) replace what they
streamed with ``answer``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator

from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from rag.errors import RagError
from rag.types import Answer
from service.errors import error_body
from service.schemas import ask_response
from service.state import ServiceState

log = logging.getLogger("service")

_END = object()


def completion_id() -> str:
    """A fresh ``chatcmpl-…`` id."""
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _sse(payload: dict | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n"


class ChunkWriter:
    """Builds the ``chat.completion.chunk`` events of one completion.

    Args:
        model: The model name echoed in every chunk.
    """

    def __init__(self, model: str) -> None:
        self.id = completion_id()
        self.created = int(time.time())
        self.model = model

    def chunk(self, delta: dict, finish_reason: str | None = None, **extra) -> str:
        """One SSE event holding a chunk with ``delta``.

        Args:
            delta: ``{"role": ...}`` or ``{"content": ...}`` (or empty on the last chunk).
            finish_reason: ``"stop"`` on the last chunk.
            **extra: Top-level fields added to the chunk (``citations`` on the last one).

        Returns:
            The ``data: …`` event text.
        """
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        return _sse(body | extra)


async def _next(stream: Iterator[str | Answer]) -> object:
    # next() with a default: a StopIteration must not cross the thread boundary into a coroutine.
    return await run_in_threadpool(next, stream, _END)


async def stream_chat(
    state: ServiceState, question: str, history: list[dict], top_k: int | None, model: str
) -> StreamingResponse:
    """Answer as an SSE stream.

    Args:
        state: The service state.
        question: The latest user message.
        history: Earlier turns.
        top_k: Passages for the answerer (config default when None).
        model: The model name to echo.

    Returns:
        The streaming response.

    Raises:
        RagError: The question is invalid or the index unavailable (raised before the stream starts).
    """
    stream = state.pipeline.ask_stream(question, history, top_k)
    first = await _next(stream)  # validation + retrieval: errors here become a normal error response
    writer = ChunkWriter(model)

    async def events() -> AsyncIterator[str]:
        item, streamed = first, ""
        try:
            yield writer.chunk({"role": "assistant", "content": ""})
            while item is not _END:
                if isinstance(item, Answer):
                    yield await _final_chunk(state, writer, item, streamed)
                    break
                if item:
                    streamed += item
                    yield writer.chunk({"content": item})
                item = await _next(stream)
        except RagError as exc:  # the status line is already sent: report in-band, as OpenAI does
            yield _sse(error_body(exc.http_status, str(exc)))
        except Exception:
            log.exception("error while streaming an answer")
            yield _sse(error_body(500, "internal server error", "internal_error"))
        finally:
            await run_in_threadpool(_close, stream)
        yield _sse("[DONE]")

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        # No proxy buffering or caching: the point of streaming is to show pieces as they come.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _final_chunk(state: ServiceState, writer: ChunkWriter, answer: Answer, streamed: str) -> str:
    state.metrics.observe_answer(answer.timings, answer.abstained)
    body = await run_in_threadpool(ask_response, answer, state.title_of)
    # When grounding only appended to what was streamed, send the rest as content so that plain
    # OpenAI clients end up with the final text too.
    rest = answer.text[len(streamed) :] if answer.text.startswith(streamed) else ""
    return writer.chunk(
        {"content": rest} if rest else {},
        "stop",
        citations=[c.model_dump() for c in body.citations],
        abstained=answer.abstained,
        related=[c.model_dump() for c in body.related],
        answer=answer.text,
    )


def _close(stream: Iterator) -> None:
    close = getattr(stream, "close", None)
    if close is None:
        return
    # ValueError: still executing in a worker thread (the client went away mid-step); it ends by itself.
    with contextlib.suppress(ValueError):
        close()
