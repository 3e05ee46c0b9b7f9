"""Builds the configured embedder (with its passage cache): the one place that picks a backend."""

from __future__ import annotations

from pathlib import Path

from embeddings.base import Embedder
from embeddings.config import EmbedderConfig


def choose_backend(cfg: EmbedderConfig, model: str) -> str:
    """``onnx`` or ``sentence-transformers`` for the resolved ``model`` (a directory or a hub id).

    ``auto`` picks ONNX when the directory holds a current export and the device is the CPU
    (``auto`` counts as the CPU: nothing here imports torch to look for a GPU); anything else
    (``device: cuda``, hub ids, directories without the export) goes to sentence-transformers.

    Args:
        cfg: The embedder section.
        model: What ``resolve_model`` returned.

    Returns:
        The backend name.
    """
    if cfg.backend != "auto":
        return cfg.backend
    from embeddings.onnx_export import is_exported

    on_cpu = cfg.device in ("auto", "cpu")
    return "onnx" if on_cpu and Path(model).is_dir() and is_exported(Path(model)) else "sentence-transformers"


def make_embedder(cfg: EmbedderConfig, models_dir: Path, cache_path: Path | None = None) -> Embedder:
    """The embedder named by ``cfg``.

    Installing the default model is a local conversion (and ONNX export), not a download: it
    happens on first use, and adds the export to a directory converted before it existed.

    Args:
        cfg: The embedder section of the configuration.
        models_dir: Where local models live (``<home>/models``).
        cache_path: SQLite file of the on-disk passage cache; None for no cache.

    Returns:
        An ``Embedder``.

    Raises:
        ModelError: The model is not installed (and the hub is not allowed), or cannot be loaded.
    """
    from embeddings.models import INSTALLABLE, hub_allowed, install, is_complete, resolve_model

    wants_onnx = cfg.backend == "onnx" or (cfg.backend == "auto" and cfg.device in ("auto", "cpu"))
    if cfg.model in INSTALLABLE and not is_complete(models_dir / cfg.model, with_onnx=wants_onnx):
        install(cfg.model, models_dir, onnx=wants_onnx)

    allow_hub = hub_allowed(cfg.allow_hub)
    model = resolve_model(cfg.model, models_dir, allow_hub, what="embedding model")
    options = {
        "batch_size": cfg.batch_size,
        "query_prompt": cfg.query_prompt,
        "passage_prompt": cfg.passage_prompt,
        "max_seq_length": cfg.max_seq_length,
    }
    if choose_backend(cfg, model) == "onnx":
        from embeddings.onnx import OnnxEmbedder

        inner: Embedder = OnnxEmbedder.from_model_dir(
            Path(model), threads=cfg.threads, device=cfg.device, precision=cfg.precision, **options
        )
    else:
        from embeddings.sentence_transformer import SentenceTransformerEmbedder

        inner = SentenceTransformerEmbedder(model, models_dir, device=cfg.device, allow_hub=allow_hub, **options)
    if cache_path is None:
        return inner
    from embeddings.cache import CachedEmbedder

    return CachedEmbedder(inner, cache_path)
