"""Generative answerers: a model writes the answer, then it is cited and grounded (one backend per module).

``base`` (shared checks and streaming), ``prompt``, ``markers``, ``models`` (model lookup),
``gguf_models`` (installing GGUF weights), and the backends ``seq2seq``, ``causal`` (transformers),
``llamacpp`` (in-process llama.cpp) and ``openai`` (any OpenAI-compatible server). Names load lazily:
importing this package pulls in neither transformers nor xllamacpp.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "GenerativeAnswerer": "base",
    "Prompt": "prompt",
    "normalize_markers": "markers",
    "renumber_markers": "markers",
    "allow_hub_from_env": "models",
    "model_context_length": "models",
    "resolve_model_path": "models",
    "Seq2SeqAnswerer": "seq2seq",
    "CausalAnswerer": "causal",
    "LlamaCppAnswerer": "llamacpp",
    "OpenAIAnswerer": "openai",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
