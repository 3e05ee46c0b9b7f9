"""The ``llamacpp`` backend: a GGUF model run in-process by llama.cpp (``xllamacpp``, CPU wheel).

The server is xllamacpp's llama.cpp server driven through its Python calls (OpenAI-shaped chat
completions). One slot with ``cache_prompt``: the fixed system text is a common prefix of every
prompt in a language, so its KV cache is reused across questions. xllamacpp also opens its HTTP
API on a loopback port; it gets a random key so no other local process can use the model.
"""

from __future__ import annotations

import atexit
import secrets
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.answer.base import Answerer
from rag.answer.generative.base import GenerativeAnswerer
from rag.answer.generative.gguf_models import resolve_gguf
from rag.answer.generative.prompt import Prompt
from rag.answer.generative.streaming import threaded_stream
from rag.config import Settings
from rag.errors import ModelError

EXTRA_HINT = 'pip install -e ".[llm]"'
# Servers still loaded at exit are stopped first: llama.cpp's threads must not outlive the interpreter
# (a server destroyed during finalisation, or never, aborts the process with "terminate called").
_LIVE: weakref.WeakSet[LlamaCppAnswerer] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for answerer in list(_LIVE):
        answerer.close()


def _import_xllamacpp() -> Any:
    try:
        import xllamacpp
    except ImportError as exc:
        raise ModelError(f"the llamacpp backend needs xllamacpp: {EXTRA_HINT}") from exc
    return xllamacpp


def start_server(model: Path, n_threads: int, n_ctx: int, api_key: str = "", verbosity: int = -1) -> Any:
    """Load ``model`` into an xllamacpp server (one slot, prompt cache on) listening on a loopback port.

    Args:
        model: A ``.gguf`` file.
        n_threads: CPU threads for prompt and generation.
        n_ctx: Context window in tokens.
        api_key: Key the HTTP API requires ('' for none).
        verbosity: llama.cpp log level (-1: silent).

    Returns:
        The ``xllamacpp.Server`` (its ``listening_address`` is the HTTP base).

    Raises:
        ModelError: xllamacpp is missing or the model cannot be loaded.
    """
    xllamacpp = _import_xllamacpp()
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cache_prompt = True
    params.warmup = False
    params.verbosity = verbosity
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    if api_key:
        params.api_keys = [api_key]
    try:
        return xllamacpp.Server(params)
    except Exception as exc:  # a truncated or foreign file fails inside llama.cpp
        raise ModelError(f"cannot load GGUF model {model}: {exc}") from exc


class LlamaCppAnswerer(GenerativeAnswerer):
    """Answers with a local GGUF model through llama.cpp.

    Args:
        model_path: The ``.gguf`` file.
        n_threads: CPU threads (1 holds up best when the CPU is shared; see the README's figures).
        context_length: ``n_ctx`` in tokens.
        max_new_tokens: Longest answer in tokens.
        max_passages: Most passages in the prompt.
        sentences_per_passage: Sentences kept per passage (0: whole passages).
        fallback: Answers when every claim fails the checks (None: abstain).

    Raises:
        ModelError: xllamacpp is not installed or the model cannot be loaded.
    """

    def __init__(
        self,
        model_path: Path,
        n_threads: int = 1,
        context_length: int = 4096,
        max_new_tokens: int = 160,
        max_passages: int = 5,
        sentences_per_passage: int = 4,
        fallback: Answerer | None = None,
    ) -> None:
        super().__init__(model_path.stem, max_new_tokens, max_passages, context_length, sentences_per_passage, fallback)
        self.check_budget()
        self.server = start_server(model_path, n_threads, context_length, api_key=secrets.token_urlsafe(24))
        _LIVE.add(self)

    def close(self) -> None:
        """Stop the server and free the model (the answerer cannot answer after this)."""
        self.server = None

    @classmethod
    def from_settings(cls, settings: Settings, fallback: Answerer | None = None) -> LlamaCppAnswerer:
        """Build from ``settings.answerer``; ``answerer.model`` is a ``.gguf`` path or an installed name.

        Raises:
            ModelError: Not installed, xllamacpp missing, or the model cannot be loaded.
        """
        cfg = settings.answerer
        return cls(
            resolve_gguf(cfg.model, settings.models_dir),
            n_threads=cfg.n_threads,
            context_length=cfg.n_ctx,
            max_new_tokens=cfg.max_new_tokens,
            max_passages=cfg.generative_passages,
            sentences_per_passage=cfg.sentences_per_passage,
            fallback=fallback,
        )

    def _request(self, prompt: Prompt, stream: bool) -> dict[str, Any]:
        return {
            "messages": prompt.messages(),
            "max_tokens": prompt.max_tokens or self.max_new_tokens,
            "temperature": 0.0,
            "cache_prompt": True,
            "stream": stream,
        }

    def generate_text(self, prompt: Prompt) -> str:
        try:
            reply = self.server.handle_chat_completions(self._request(prompt, False))
        except Exception as exc:
            raise ModelError(f"generation failed: {exc}") from exc
        if "error" in reply:
            raise ModelError(f"generation failed: {reply['error']}")
        return str(reply["choices"][0]["message"].get("content") or "")

    def stream_text(self, prompt: Prompt) -> Iterator[str]:
        def run(emit: Callable[[str], bool], stop: Any) -> None:
            def on_chunk(chunk: Any) -> bool:
                if isinstance(chunk, dict) and "error" in chunk:
                    raise ModelError(f"generation failed: {chunk['error']}")
                for choice in chunk.get("choices", []) if isinstance(chunk, dict) else []:
                    if emit((choice.get("delta") or {}).get("content") or ""):
                        return True  # the reader left: llama.cpp stops the task
                return stop.is_set()

            self.server.handle_chat_completions(self._request(prompt, True), on_chunk)

        return threaded_stream(run)
