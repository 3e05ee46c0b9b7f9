"""Where generative models come from: the one resolver and hub policy of ``embeddings.models``.

A model is a local path or a name under ``<home>/models``; a hub id is passed on only with
``RAG_ALLOW_HUB=1`` (the answerer section has no ``allow_hub`` switch of its own).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from embeddings.models import HUB_ENV, hub_allowed, resolve_model

__all__ = ["HUB_ENV", "allow_hub_from_env", "model_context_length", "resolve_model_path"]

# Tokenizers without a real limit report a huge sentinel (int(1e30)); anything this large is "unset".
_UNSET_MAX_LENGTH = 1_000_000
_DEFAULT_CONTEXT = 512  # what T5-family models are trained with when nothing says otherwise


def allow_hub_from_env() -> bool:
    """Whether hub ids may be fetched: only with ``RAG_ALLOW_HUB=1`` (the offline rule)."""
    return hub_allowed(False)


def resolve_model_path(model: str | None, models_dir: Path, allow_hub: bool = False) -> str:
    """Find a transformers model with :func:`embeddings.models.resolve_model`.

    Args:
        model: ``answerer.model`` from the settings.
        models_dir: Where ``rag models install`` puts models (``<home>/models``).
        allow_hub: Pass an unresolved name through as a hub id (``RAG_ALLOW_HUB=1``).

    Returns:
        A local directory path, or the hub id when allowed.

    Raises:
        ModelError: No model configured, or not found locally and the hub is not allowed.
    """
    return resolve_model(model, models_dir, allow_hub, what="answerer.model")


def model_context_length(tokenizer: Any, config: Any) -> int:
    """The model's context window in tokens.

    Args:
        tokenizer: A transformers tokenizer (``model_max_length`` is read).
        config: The model config (``max_position_embeddings``, ``n_positions``, ... are read).

    Returns:
        The smallest limit found, or 512 when neither states one (T5-style relative positions).
    """
    limits: list[int] = []
    mml = getattr(tokenizer, "model_max_length", None)
    if isinstance(mml, int) and 0 < mml < _UNSET_MAX_LENGTH:
        limits.append(mml)
    configs = [config]
    get_text = getattr(config, "get_text_config", None)
    if callable(get_text):
        with contextlib.suppress(Exception):  # some configs raise when they hold no text sub-config
            configs.append(get_text())
    for cfg in configs:
        for attr in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx"):
            value = getattr(cfg, attr, None)
            if isinstance(value, int) and 0 < value < _UNSET_MAX_LENGTH:
                limits.append(value)
    return min(limits) if limits else _DEFAULT_CONTEXT
