"""Deterministic stand-ins for the protocols' real parts (no model, no index files)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from rag.types import Chunk, Hit


def char_vector(text: str, dim: int) -> np.ndarray:
    """A unit bag-of-characters vector: texts sharing characters point the same way."""
    v = np.zeros(dim, dtype=np.float32)
    for ch in text:
        v[ord(ch) % dim] += 1.0
    norm = np.linalg.norm(v)
    return v / norm if norm else v


class FakeEmbedder:
    """An ``Embedder`` that embeds by characters and counts its calls."""

    name = "fake-chars"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.query_batches: list[list[str]] = []

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.query_batches.append(list(texts))
        return np.stack([char_vector(t, self.dim) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([char_vector(t, self.dim) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


class FakeVectorIndex:
    """An exact in-memory ``VectorIndex`` (pads with -1 like FAISS when asked for more than it holds)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids = np.zeros(0, np.int64)
        self._vecs = np.zeros((0, dim), np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._ids = np.concatenate([self._ids, np.asarray(ids, np.int64)])
        self._vecs = np.concatenate([self._vecs, np.asarray(vectors, np.float32).reshape(-1, self.dim)])

    def remove(self, ids: np.ndarray) -> int:
        keep = ~np.isin(self._ids, ids)
        removed = int((~keep).sum())
        self._ids, self._vecs = self._ids[keep], self._vecs[keep]
        return removed

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        sims = vectors @ self._vecs.T
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(sims, order, axis=1)
        ids = self._ids[order]
        pad = k - ids.shape[1]
        if pad > 0:
            scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
            ids = np.pad(ids, ((0, 0), (0, pad)), constant_values=-1)
        return scores.astype(np.float32), ids

    def ids(self) -> np.ndarray:
        return self._ids.copy()

    def copy(self) -> FakeVectorIndex:
        other = FakeVectorIndex(self.dim)
        other.add(self._ids, self._vecs)
        return other

    def save(self, directory: Path) -> None:  # pragma: no cover - never saved in unit tests
        raise NotImplementedError


def chunk(cid: int, text: str, doc_id: str = "doc.txt") -> Chunk:
    """A chunk whose offsets are those of ``text`` alone."""
    return Chunk(cid, doc_id, text, 0, len(text))


class ChunkTable:
    """A ``ChunkLookup`` over a dict of chunks (``Store.chunks`` without SQLite)."""

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        self.by_id = {c.chunk_id: c for c in chunks}

    def __call__(self, ids: Iterable[int]) -> dict[int, Chunk]:
        return {i: self.by_id[i] for i in ids if i in self.by_id}


class FakeRetriever:
    """A ``Retriever`` returning fixed chunk ids (best first) for every query, recording the queries."""

    def __init__(self, ranked: list[Chunk], scores: list[float] | None = None) -> None:
        self.ranked = ranked
        self.scores = scores or [float(len(ranked) - i) for i in range(len(ranked))]
        self.queries: list[str] = []

    def retrieve(self, query: str, top_k: int) -> list[Hit]:
        self.queries.append(query)
        return [Hit(c, s) for c, s in zip(self.ranked, self.scores, strict=True)][:top_k]
