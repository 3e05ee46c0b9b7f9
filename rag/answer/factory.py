"""Builds the configured answerer."""

from __future__ import annotations

from collections.abc import Callable

from embeddings.base import Embedder
from rag.answer.base import Answerer
from rag.config import Settings


def make_answerer(
    settings: Settings, embedder: Embedder | None, in_headings: Callable[[str], bool] | None = None
) -> Answerer:
    """The answerer named by ``settings.answerer.backend``.

    Args:
        settings: The configuration.
        embedder: Shared with the extractive answerer for sentence similarity.
        in_headings: Whether a term is a title or heading word of the corpus (the extractive answerer's
            subject check; see ``IndexDirectory.in_headings``).

    Returns:
        An ``Answerer``.
    """
    from rag.profile import use_profile

    use_profile(settings.profile)
    cfg = settings.answerer
    if cfg.backend == "extractive":
        from rag.answer.extractive import ExtractiveAnswerer, ExtractiveSettings

        return ExtractiveAnswerer(
            embedder,
            ExtractiveSettings(
                max_passages=cfg.max_passages,
                model=cfg.scorer or None,
                threshold=cfg.threshold,
                embed_sentences=cfg.embed_sentences,
            ),
            in_headings,
        )
    from rag.answer.generative import GenerativeAnswerer

    return GenerativeAnswerer.from_settings(settings)
