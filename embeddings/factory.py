"""Builds the configured embedder (with its passage cache)."""

from __future__ import annotations

from embeddings.base import Embedder
from embeddings.cache import CachedEmbedder
from rag.config import Settings


def make_embedder(settings: Settings, cached: bool = True) -> Embedder:
    """The embedder named by ``settings.embedder``.

    Args:
        settings: The configuration.
        cached: Wrap it in the on-disk passage cache under ``<home>/cache``.

    Returns:
        An ``Embedder``.

    Raises:
        ModelError: The model is not installed (and the hub is not allowed).
    """
    cfg = settings.embedder
    from embeddings.models import INSTALLABLE, install
    from embeddings.sentence_transformer import SentenceTransformerEmbedder

    # Installing the default model is a local conversion, not a download: do it on first use.
    if cfg.model in INSTALLABLE and not (settings.models_dir / cfg.model / "modules.json").exists():
        install(cfg.model, settings.models_dir)

    inner = SentenceTransformerEmbedder(
        cfg.model,
        settings.models_dir,
        device=cfg.device,
        batch_size=cfg.batch_size,
        query_prompt=cfg.query_prompt,
        passage_prompt=cfg.passage_prompt,
        max_seq_length=cfg.max_seq_length,
        allow_hub=cfg.allow_hub,
    )
    if not cached:
        return inner
    return CachedEmbedder(inner, settings.home_dir / "cache" / "embeddings.sqlite")
