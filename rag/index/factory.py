"""Builds the configured dense engine (``index.dense``: faiss or milvus) for an index directory."""

from __future__ import annotations

from pathlib import Path

from rag.config import IndexConfig
from rag.index.base import VectorIndex


def new_dense_index(config: IndexConfig, dim: int, directory: Path) -> VectorIndex:
    """An empty dense index for ``directory``.

    Args:
        config: The index section of the settings.
        dim: Vector dimension (the embedder's).
        directory: The index directory (Milvus Lite keeps its file there unless ``milvus_uri`` is set).

    Returns:
        A FAISS index (exact until it grows), or a Milvus collection emptied for this index.
    """
    if config.dense == "milvus":
        from rag.index.milvus import MilvusIndex

        return MilvusIndex.create(config, dim, directory)
    from rag.index.faiss import FaissIndex

    return FaissIndex(dim, config)


def load_dense_index(config: IndexConfig, dim: int, directory: Path) -> VectorIndex:
    """The dense index saved in ``directory``.

    Raises:
        ValueError: It is missing, unreadable or of another dimension.
    """
    if config.dense == "milvus":
        from rag.index.milvus import MilvusIndex

        return MilvusIndex.load(config, dim, directory)
    from rag.index.faiss import FaissIndex

    return FaissIndex.load(directory, dim, config)
