"""Snapshots of the derived indexes: loading them, checking them against the store, rebuilding them.

The store commits first and the manifest is written last, so after a crash at any point the store holds
the old or the new state whole; derived indexes that do not match its generation are rebuilt from it
(vectors come from the embedding cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.base import Embedder
from rag.config import IndexConfig
from rag.errors import IndexStateError
from rag.index.base import VectorIndex
from rag.index.bm25 import BM25Index
from rag.index.factory import load_dense_index, new_dense_index
from rag.indexdir.ingest import Progress, embed_passages, passage_text
from rag.store import Store


@dataclass(frozen=True)
class Snapshot:
    """The derived indexes readers use; replaced whole on every write."""

    dense: VectorIndex
    bm25: BM25Index


def empty_snapshot(config: IndexConfig, dim: int, directory: Path) -> Snapshot:
    """Empty derived indexes (a new directory, or one opened for repair)."""
    return Snapshot(new_dense_index(config, dim, directory), BM25Index([], []))


def consistency_problems(store: Store, snap: Snapshot) -> list[str]:
    """Consistency problems (empty when sound): every chunk has one vector and one BM25 entry."""
    ids = store.all_chunk_ids()
    problems = []
    dense_ids = np.sort(snap.dense.ids())
    if not np.array_equal(dense_ids, np.asarray(ids, dtype=np.int64)):
        problems.append(f"{len(ids)} chunks but {len(dense_ids)} vectors with other ids")
    if len(snap.bm25) != len(ids):
        problems.append(f"{len(ids)} chunks but {len(snap.bm25)} BM25 entries")
    return problems


def load_snapshot(directory: Path, config: IndexConfig, dim: int, store: Store) -> Snapshot:
    """Read the derived indexes and check them against the store.

    Raises:
        IndexStateError: Unreadable or inconsistent (with the advice to repair).
    """
    try:
        dense = load_dense_index(config, dim, directory)
        bm25 = BM25Index.load(directory)
    except ValueError as exc:
        raise IndexStateError(f"index {directory} is damaged: {exc}; run `rag index repair`") from exc
    snap = Snapshot(dense, bm25)
    problems = consistency_problems(store, snap)
    if problems:
        raise IndexStateError(f"index {directory} is inconsistent ({problems[0]}); run `rag index repair`")
    return snap


def stale_generation(recorded: object, store: Store) -> str | None:
    """Why derived indexes written at generation ``recorded`` (the manifest's) lag the store; None when current."""
    current = store.generation()
    if recorded == current:
        return None
    return f"derived indexes are at generation {recorded}, the store at {current}"


def rebuild_snapshot(
    store: Store, embedder: Embedder, config: IndexConfig, directory: Path, progress: Progress | None = None
) -> Snapshot:
    """New dense and BM25 indexes from every chunk of the store (vectors mostly from the cache)."""
    ids, toks = store.all_chunk_tokens()
    chunks = store.chunks(ids)
    vectors = embed_passages(embedder, [passage_text(chunks[i]) for i in ids], progress)
    dense = new_dense_index(config, embedder.dim, directory)
    dense.add(np.asarray(ids, dtype=np.int64), vectors)
    return Snapshot(dense, BM25Index(ids, toks))
