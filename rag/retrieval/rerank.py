"""The reranking slot: reorders the fused, de-duplicated candidates before the cut to ``top_k``."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from rag.config import RetrievalConfig
from rag.profile import EMPTY, Profile
from rag.types import Hit


@runtime_checkable
class Reranker(Protocol):
    """Reorders candidate hits for a question (a learned scorer, a cross-encoder)."""

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        """The hits best first by this reranker's judgement.

        Args:
            question: The question as asked (not folded).
            hits: Candidates best first by fusion, near-duplicates removed (more than ``top_k``).

        Returns:
            The hits to keep, best first (the caller cuts to ``top_k``).
        """
        ...


class NoReranker:
    """Keeps the fused order (the default, ``retrieval.reranker: none``)."""

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        return hits


def make_reranker(config: RetrievalConfig, profile: Profile = EMPTY) -> Reranker:
    """The reranker named by ``config.reranker`` (``profile``: the corpus's, for a learned one's features).

    A new reranker adds its name to ``RetrievalConfig.reranker`` and a branch here (imported lazily, so
    its model loads only when chosen).
    """
    if config.reranker == "none":
        return NoReranker()
    if config.reranker == "learned":
        from rag.retrieval.learned import LearnedReranker

        return LearnedReranker.load(profile=profile)
    raise ValueError(f"unknown reranker '{config.reranker}'")
