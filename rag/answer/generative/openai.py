"""The ``openai`` backend: any OpenAI-compatible chat server (llama.cpp's server, Ollama, vLLM, LM Studio).

``answerer.base_url`` (``http://127.0.0.1:8080/v1``) and ``answerer.model`` name the server and model;
the key is ``answerer.api_key`` or the ``RAG_OPENAI_API_KEY`` variable. Plain ``httpx``: one POST to
``/chat/completions``, streamed as server-sent events when asked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx

from rag.answer.base import Answerer
from rag.answer.generative.base import GenerativeAnswerer
from rag.answer.generative.prompt import Prompt
from rag.config import Settings
from rag.errors import ModelError

KEY_ENV = "RAG_OPENAI_API_KEY"


class OpenAIAnswerer(GenerativeAnswerer):
    """Answers through an OpenAI-compatible ``/chat/completions`` endpoint.

    Args:
        base_url: The API base, up to and including ``/v1``.
        model: The model name the server knows.
        api_key: Bearer key ('' for none).
        timeout: Seconds to wait for the server (connect and each read).
        context_length: The model's window in tokens (prompts are fitted to it).
        max_new_tokens: Longest answer in tokens.
        max_passages: Most passages in the prompt.
        sentences_per_passage: Sentences kept per passage (0: whole passages).
        fallback: Answers when every claim fails the checks (None: abstain).
        transport: An ``httpx`` transport (tests).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 120.0,
        context_length: int = 4096,
        max_new_tokens: int = 160,
        max_passages: int = 5,
        sentences_per_passage: int = 4,
        fallback: Answerer | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url:
            raise ModelError("the openai backend needs answerer.base_url (e.g. http://127.0.0.1:8080/v1)")
        super().__init__(model, max_new_tokens, max_passages, context_length, sentences_per_passage, fallback)
        self.check_budget()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings, fallback: Answerer | None = None) -> OpenAIAnswerer:
        """Build from ``settings.answerer`` (base_url, model, api_key or ``RAG_OPENAI_API_KEY``)."""
        cfg = settings.answerer
        return cls(
            cfg.base_url,
            cfg.model or "default",
            api_key=cfg.api_key or os.environ.get(KEY_ENV, ""),
            timeout=cfg.timeout,
            context_length=cfg.n_ctx,
            max_new_tokens=cfg.max_new_tokens,
            max_passages=cfg.generative_passages,
            sentences_per_passage=cfg.sentences_per_passage,
            fallback=fallback,
        )

    def _body(self, prompt: Prompt, stream: bool) -> dict[str, Any]:
        return {
            "model": self.name,
            "messages": prompt.messages(),
            "max_tokens": prompt.max_tokens or self.max_new_tokens,
            "temperature": 0.0,
            "stream": stream,
        }

    def generate_text(self, prompt: Prompt) -> str:
        try:
            r = self.client.post("/chat/completions", json=self._body(prompt, False))
            r.raise_for_status()
            return str(r.json()["choices"][0]["message"].get("content") or "")
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise ModelError(f"the OpenAI-compatible server at {self.client.base_url} failed: {exc}") from exc

    def stream_text(self, prompt: Prompt) -> Iterator[str]:
        try:
            with self.client.stream("POST", "/chat/completions", json=self._body(prompt, True)) as r:
                r.raise_for_status()
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    for choice in json.loads(data).get("choices", []):
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            yield piece
        except (httpx.HTTPError, ValueError) as exc:
            raise ModelError(f"the OpenAI-compatible server at {self.client.base_url} failed: {exc}") from exc
