"""Builds the configured answerer."""

from __future__ import annotations

from embeddings.base import Embedder
from rag.answer.base import Answerer
from rag.config import Settings


def make_answerer(settings: Settings, embedder: Embedder | None) -> Answerer:
    """The answerer named by ``settings.answerer.backend``.

    Args:
        settings: The configuration.
        embedder: Shared with the extractive answerer for sentence similarity.

    Returns:
        An ``Answerer``.
    """
    cfg = settings.answerer
    if cfg.backend == "extractive":
        from rag.answer.extractive import ExtractiveAnswerer, ExtractiveSettings

        return ExtractiveAnswerer(
            embedder,
            ExtractiveSettings(max_passages=cfg.max_passages, min_coverage=cfg.min_coverage, min_score=cfg.min_score),
        )
    from rag.answer.generative import GenerativeAnswerer

    return GenerativeAnswerer.from_settings(settings)
