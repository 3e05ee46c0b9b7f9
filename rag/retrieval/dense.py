"""Dense retrieval: the embedder and a ``VectorIndex`` acting together as one text retriever."""

from __future__ import annotations

import time

from embeddings.base import Embedder
from rag.index.base import VectorIndex
from rag.retrieval.base import ChunkLookup, hits_from
from rag.types import Hit


class DenseRetriever:
    """Embeds queries and searches the vector index by inner product.

    Args:
        embedder: Embeds the queries (as queries, not passages).
        index: Vectors of the chunks.
        chunks: Looks the ranked chunk ids up.
    """

    def __init__(self, embedder: Embedder, index: VectorIndex, chunks: ChunkLookup) -> None:
        self.embedder, self.index, self.chunks = embedder, index, chunks

    def retrieve(self, query: str, top_k: int) -> list[Hit]:
        return self.retrieve_batch([query], top_k)[0]

    def retrieve_batch(
        self, queries: list[str], top_k: int, timings: dict[str, float] | None = None
    ) -> list[list[Hit]]:
        """Hits per query; one embedding batch and one index search for all of them.

        Args:
            queries: Query texts.
            top_k: Hits per query at most.
            timings: Gets ``embed`` and ``dense`` seconds when given (nothing when the index is empty).

        Returns:
            One list of hits per query, best first.
        """
        if not len(self.index) or not queries:
            return [[] for _ in queries]
        timings = timings if timings is not None else {}
        t = time.perf_counter()
        vecs = self.embedder.embed_queries(queries)
        timings["embed"] = time.perf_counter() - t
        t = time.perf_counter()
        scores, ids = self.index.search(vecs, top_k)
        timings["dense"] = time.perf_counter() - t
        out = []
        for row in range(len(queries)):
            keep = ids[row] >= 0  # an index smaller than top_k pads with -1
            out.append(hits_from(ids[row][keep].tolist(), scores[row][keep].tolist(), self.chunks))
        return out
