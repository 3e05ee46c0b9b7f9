"""Questions: ``POST /v1/chat/completions`` (OpenAI-compatible) and ``POST /v1/ask``."""

from __future__ import annotations

import time

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from rag.config import ServiceConfig
from service.errors import APIError
from service.schemas import (
    AskRequest,
    AskResponse,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    Choice,
    ResponseMessage,
    ask_response,
    citations_out,
)
from service.state import Ready
from service.streaming import completion_id, stream_chat

router = APIRouter(prefix="/v1", tags=["questions"])

_ERRORS = {
    400: {"description": "Invalid request (OpenAI error shape)"},
    401: {"description": "Missing or invalid API key"},
    429: {"description": "Too many requests (see Retry-After)"},
    503: {"description": "The index is loading or unavailable"},
}


def check_question_length(question: str, config: ServiceConfig, param: str) -> None:
    """Refuse an over-long question before any work is done.

    Args:
        question: The question text.
        config: The service limits.
        param: The request field named in the error.

    Raises:
        APIError: 400 ``question_too_long``.
    """
    if len(question) > config.max_question_chars:
        raise APIError(
            400,
            f"the question is {len(question)} characters long; the limit is {config.max_question_chars}",
            code="question_too_long",
            param=param,
        )


def split_messages(messages: list[ChatMessage], config: ServiceConfig) -> tuple[str, list[dict]]:
    """The question (last user message) and the history (earlier user/assistant turns).

    System and tool messages are dropped: answers come from the documents only, so a system prompt has
    nothing to steer, and the follow-up rewriting reads user and assistant turns.

    Args:
        messages: The request's messages.
        config: The service limits.

    Returns:
        ``(question, history)``.

    Raises:
        APIError: 400 for too many messages, a last message not from the user, or an over-long question.
    """
    if len(messages) > config.max_messages:
        raise APIError(
            400,
            f"{len(messages)} messages; the limit is {config.max_messages}",
            code="too_many_messages",
            param="messages",
        )
    last = messages[-1]
    if last.role != "user":
        raise APIError(400, "the last message must be the user's question", code="invalid_messages", param="messages")
    question = last.text()
    check_question_length(question, config, "messages")
    history = [{"role": m.role, "content": m.text()} for m in messages[:-1] if m.role in ("user", "assistant")]
    return question, history


@router.post("/chat/completions", response_model=ChatCompletion, responses=_ERRORS)
async def chat_completions(body: ChatCompletionRequest, state: Ready):
    """Answer the last user message with citations (OpenAI ``chat.completion``; SSE when ``stream``)."""
    question, history = split_messages(body.messages, state.config)
    model = body.model or state.config.model_id
    if body.stream:
        return await stream_chat(state, question, history, body.top_k, model)
    answer, _ = await run_in_threadpool(state.pipeline.ask, question, history, body.top_k)
    state.metrics.observe_answer(answer.timings, answer.abstained)
    citations = await run_in_threadpool(citations_out, answer.citations, state.title_of)
    return ChatCompletion(
        id=completion_id(),
        created=int(time.time()),
        model=model,
        choices=[Choice(message=ResponseMessage(content=answer.text))],
        citations=citations,
        abstained=answer.abstained,
    )


@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
async def ask(body: AskRequest, state: Ready) -> AskResponse:
    """Answer one question: the answer text, citations, related passages and stage timings."""
    check_question_length(body.question, state.config, "question")
    if len(body.history) + 1 > state.config.max_messages:
        raise APIError(
            400,
            f"the history is longer than {state.config.max_messages - 1} turns",
            code="too_many_messages",
            param="history",
        )
    history = [t.model_dump() for t in body.history]
    answer, _ = await run_in_threadpool(state.pipeline.ask, body.question, history, body.top_k)
    state.metrics.observe_answer(answer.timings, answer.abstained)
    return await run_in_threadpool(ask_response, answer, state.title_of)
