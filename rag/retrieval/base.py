"""The contracts of retrieval: a ``Retriever`` ranks passages for a query, a ``LexicalIndex`` ranks chunk ids.

Every stage of hybrid retrieval (``rag/retrieval/hybrid.py``) is one of these small parts, so each can be
tested alone with a fake and a new one (another index, a web search) plugs in by name.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

import numpy as np

from rag.types import Chunk, Hit

ChunkLookup = Callable[[Iterable[int]], dict[int, Chunk]]
"""Chunks by id, unknown ids left out (``Store.chunks``)."""


@runtime_checkable
class Retriever(Protocol):
    """Ranks passages for a query."""

    def retrieve(self, query: str, top_k: int) -> list[Hit]:
        """The best passages for a query.

        Args:
            query: The query text (folded by the caller when the index holds folded text).
            top_k: How many hits at most.

        Returns:
            Hits best first; ``Hit.score`` is this retriever's own score.
        """
        ...


@runtime_checkable
class BatchRetriever(Retriever, Protocol):
    """A retriever that answers several queries in one pass (one embedding batch)."""

    def retrieve_batch(
        self, queries: list[str], top_k: int, timings: dict[str, float] | None = None
    ) -> list[list[Hit]]:
        """``retrieve`` for each query, in order; ``timings`` gets seconds per sub-stage when given."""
        ...


@runtime_checkable
class LexicalIndex(Protocol):
    """A term index over chunk tokens (``rag.index.bm25.BM25Index``)."""

    def __len__(self) -> int: ...

    def __contains__(self, term: object) -> bool: ...

    def document_frequency(self, term: str) -> int:
        """How many chunks contain ``term``."""
        ...

    def search(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ``(scores, ids)`` for the query's tokens, best first; non-matching chunks left out."""
        ...

    def search_weighted(self, weighted_tokens: dict[str, float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ``(scores, ids)`` for weighted terms (a translation), best first."""
        ...


def hits_from(ids: Iterable[int], scores: Iterable[float], chunks: ChunkLookup) -> list[Hit]:
    """Hits for ranked ids, leaving out ids the store no longer holds (a delete since the snapshot)."""
    ids, scores = list(ids), list(scores)
    found = chunks(ids)
    return [Hit(found[cid], float(s)) for cid, s in zip(ids, scores, strict=True) if cid in found]


class ChunkCache:
    """A ``ChunkLookup`` remembering the chunks it found, for one snapshot's retriever.

    The retrievers of one search ask for overlapping ids (dense and BM25 agree at the top) and questions
    repeat passages, so most lookups stay out of SQLite. A chunk id is never reused and a chunk never
    changes (an updated document gets new ids), so a remembered chunk stays right; the cache lives as long
    as the snapshot's retriever, which a write replaces.

    Args:
        lookup: The store's lookup.
        size: Chunks kept at most (least recently used dropped first).
    """

    def __init__(self, lookup: ChunkLookup, size: int = 4096) -> None:
        self._lookup, self._size = lookup, size
        self._chunks: OrderedDict[int, Chunk] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, ids: Iterable[int]) -> dict[int, Chunk]:
        ids = list(ids)
        with self._lock:
            found = {i: self._chunks[i] for i in ids if i in self._chunks}
            for i in found:
                self._chunks.move_to_end(i)
        missing = [i for i in ids if i not in found]
        if missing:
            fetched = self._lookup(missing)
            found.update(fetched)
            with self._lock:
                self._chunks.update(fetched)
                while len(self._chunks) > self._size:
                    self._chunks.popitem(last=False)
        return found
