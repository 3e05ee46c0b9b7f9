"""Lexical retrieval: BM25 over the jieba tokens of the folded query, or over weighted translated terms."""

from __future__ import annotations

from rag.retrieval.base import ChunkLookup, LexicalIndex, hits_from
from rag.segment import tokens
from rag.types import Hit


class LexicalRetriever:
    """Searches a lexical index.

    Args:
        index: The BM25 index (any ``LexicalIndex``).
        chunks: Looks the ranked chunk ids up.
    """

    def __init__(self, index: LexicalIndex, chunks: ChunkLookup) -> None:
        self.index, self.chunks = index, chunks

    def retrieve(self, query: str, top_k: int) -> list[Hit]:
        """Hits for the query's own words (``query`` folded as the index is)."""
        scores, ids = self.index.search(tokens(query), top_k)
        return hits_from(ids.tolist(), scores.tolist(), self.chunks)

    def retrieve_terms(self, terms: dict[str, float], top_k: int) -> list[Hit]:
        """Hits for weighted terms standing in for the query's words (a dictionary translation)."""
        scores, ids = self.index.search_weighted(terms, top_k)
        return hits_from(ids.tolist(), scores.tolist(), self.chunks)
